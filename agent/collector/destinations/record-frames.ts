// Records → queue frames ([u32 length][u32 crc32][JSON], buffer/framing.ts) written straight into one
// reusable byte buffer: the hot path of every lane (docs/performance.md). No JSON string per record, no
// concatenation, no flattening before the UTF-8 write: the field names' text is kept per position and
// each value is written where it goes. The JSON is exactly serializeRecord's (JSON.stringify after the
// 64 KB field truncation, batcher.ts). Short ASCII strings, the field names and small integers are written
// byte by byte from JS: for the few dozen bytes of most Syslog columns that costs less than a call into
// Buffer.write (encode time per Syslog record ~1.5 → ~0.9 µs, docs/performance.md). A record with a value
// this encoder does not write itself (undefined, an object, a non-finite number, …) or that is not a plain
// object is serialised by serializeRecord and written whole. Each encode() fills a buffer of its own (from
// a small pool) that the caller hands back with release() once the queue has written it.
import { crc32 } from 'node:zlib';
import { HEADER_BYTES } from '../buffer/index.js';
import type { LogRecord } from '../pipeline/index.js';
import { serializeRecord, truncateUtf8 } from './batcher.js';

/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates, escaped when lone). */
// eslint-disable-next-line no-control-regex -- the control characters are what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** Quoted field names kept for shifting columns; cleared when it grows past this (names are DCR columns). */
const MAX_NAMES = 1024;
/** Buffers kept for the next batches (a fresh one page-faults as it is written: scratch-buffer.ts) … */
const POOL_SIZE = 4;
/** … of at most this size: a larger batch's buffer is let go after it. */
const MAX_KEEP_BYTES = 1024 * 1024;
const FIRST_BYTES = 64 * 1024;
const QUOTE = 0x22;
/** Strings up to this many characters are tried byte by byte; longer ones go through NEEDS_ESCAPE and Buffer.write. */
const SHORT_STRING = 64;
/** Integers below this are written digit by digit (no String(v)). */
const SMALL_INT = 2 ** 31;

export interface EncodedFrames {
  frames: Buffer;
  count: number;
  truncatedFields: number;
  /** The whole buffer `frames` is a view of (what release() takes back). */
  readonly buffer: Buffer;
}

export class RecordFrameEncoder {
  /** The buffer being written (a pool buffer during encode()). */
  private buf: Buffer = Buffer.alloc(0);
  private readonly pool: Buffer[] = [];
  /** Key at each position of the previous record, and its `{"Key":` / `,"Key":` UTF-8 bytes. */
  private readonly keys: string[] = [];
  private readonly prefixes: Buffer[] = [];
  private readonly names = new Map<string, string>();
  private truncated = 0;

  constructor(private readonly maxFieldBytes: number) {}

  /** The frames of `records`, in a buffer the caller owns until it hands the result to release(). */
  encode(records: readonly LogRecord[]): EncodedFrames {
    this.buf = this.pool.pop() ?? Buffer.allocUnsafe(FIRST_BYTES);
    this.truncated = 0;
    let off = 0;
    for (let i = 0; i < records.length; i++) {
      const start = off + HEADER_BYTES;
      let end = this.writeRecord(records[i]!, start);
      if (end < 0) {
        const s = serializeRecord(records[i]!, { maxFieldBytes: this.maxFieldBytes });
        this.truncated += s.truncatedFields;
        this.ensure(start, 3 * s.json.length);
        end = start + this.buf.write(s.json, start);
      }
      const buf = this.buf;
      buf.writeUInt32LE(end - start, off);
      buf.writeUInt32LE(crc32(buf.subarray(start, end)), off + 4);
      off = end;
    }
    const buffer = this.buf;
    this.buf = Buffer.alloc(0);
    return { frames: buffer.subarray(0, off), count: records.length, truncatedFields: this.truncated, buffer };
  }

  /** Takes back an encode() result's buffer once nothing reads its frames any more. */
  release(encoded: EncodedFrames): void {
    if (this.pool.length < POOL_SIZE && encoded.buffer.length <= MAX_KEEP_BYTES) this.pool.push(encoded.buffer);
  }

  /** Writes `record`'s JSON at `off`; its end offset, or -1 when serializeRecord must write it. */
  private writeRecord(record: LogRecord, off: number): number {
    if (Object.getPrototypeOf(record) !== Object.prototype) return -1;
    const truncatedBefore = this.truncated;
    let i = 0;
    for (const k in record) {
      const v = record[k];
      const prefix = this.keys[i] === k ? this.prefixes[i]! : this.learn(i, k);
      if (typeof v === 'string') {
        let str = v;
        if (str.length > this.maxFieldBytes / 4 && Buffer.byteLength(str) > this.maxFieldBytes) {
          str = truncateUtf8(str, this.maxFieldBytes);
          this.truncated++;
        }
        off = this.writeString(str, this.writeBytes(prefix, off));
      } else if (typeof v === 'number' && Number.isFinite(v)) {
        off = this.writeNumber(v, this.writeBytes(prefix, off));
      } else if (v === null) off = this.writeText('null', this.writeBytes(prefix, off));
      else if (typeof v === 'boolean') off = this.writeText(v ? 'true' : 'false', this.writeBytes(prefix, off));
      else {
        this.truncated = truncatedBefore; // serializeRecord counts this record's truncations itself
        return -1;
      }
      i++;
    }
    if (i === 0) return this.writeText('{}', off);
    this.ensure(off, 1);
    this.buf[off++] = 0x7d; // }
    return off;
  }

  /** `s` as a JSON string literal at `off`; its end offset. */
  private writeString(s: string, off: number): number {
    const n = s.length;
    if (n <= SHORT_STRING) {
      this.ensure(off, n + 2);
      const buf = this.buf;
      let o = off;
      buf[o++] = QUOTE;
      let j = 0;
      for (; j < n; j++) {
        const c = s.charCodeAt(j);
        if (c < 0x20 || c === QUOTE || c === 0x5c || c >= 0x80) break; // escaped, or more than one byte
        buf[o++] = c;
      }
      if (j === n) {
        buf[o++] = QUOTE;
        return o;
      }
    }
    if (NEEDS_ESCAPE.test(s)) return this.writeText(JSON.stringify(s), off);
    this.ensure(off, 3 * n + 2);
    this.buf[off++] = QUOTE;
    off += this.buf.write(s, off);
    this.buf[off++] = QUOTE;
    return off;
  }

  /** A finite number as JSON.stringify writes it. */
  private writeNumber(v: number, off: number): number {
    if (!(v >= 0 && v < SMALL_INT && Number.isInteger(v))) return this.writeText(String(v), off);
    this.ensure(off, 10);
    let digits = 1;
    for (let p = 10; p <= v; p *= 10) digits++;
    const end = off + digits;
    let x = v;
    for (let o = end - 1; o >= off; o--) {
      const q = (x / 10) | 0;
      this.buf[o] = 48 + x - q * 10;
      x = q;
    }
    return end;
  }

  /** A loop, not buf.set(): for these ~15-byte names it is ~45 ns a Syslog record cheaper (~5 % of encoding). */
  private writeBytes(bytes: Buffer, off: number): number {
    const n = bytes.length;
    this.ensure(off, n);
    const buf = this.buf;
    for (let j = 0; j < n; j++) buf[off + j] = bytes[j]!;
    return off + n;
  }

  private writeText(s: string, off: number): number {
    this.ensure(off, 3 * s.length);
    return off + this.buf.write(s, off);
  }

  /** Room for `bytes` more bytes at `off`, keeping what is written before it. */
  private ensure(off: number, bytes: number): void {
    if (off + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(off + bytes, 2 * this.buf.length));
    this.buf.copy(grown, 0, 0, off);
    this.buf = grown;
  }

  private learn(i: number, k: string): Buffer {
    let name = this.names.get(k);
    if (name === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      this.names.set(k, (name = `${JSON.stringify(k)}:`));
    }
    const prefix = Buffer.from((i === 0 ? '{' : ',') + name);
    this.keys[i] = k;
    this.prefixes[i] = prefix;
    return prefix;
  }
}
