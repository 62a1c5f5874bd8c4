// One record → its JSON text, in one pass over its fields and without the intermediate copy a truncated
// field needed: the hot path of every lane (docs/performance.md). The text is exactly JSON.stringify's for
// the same record (after the 64 KB field truncation of serializeRecord, batcher.ts); a record with a value
// this writer does not handle itself (undefined, an object, a non-finite number, …) or that is not a plain
// object is handed to serializeRecord whole. Field names are quoted once per lane: the serializer keeps
// the previous record's key at each position (records of one stream have the same columns in the same
// order), and a small map for streams whose optional columns shift positions (CommonSecurityLog).
import { serializeRecord, truncateUtf8 } from './batcher.js';
import type { LogRecord } from '../pipeline/index.js';

/** Characters JSON.stringify escapes (quote, backslash, controls) or may (surrogates, escaped when lone). */
// eslint-disable-next-line no-control-regex -- the control characters are what must be found
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
/** Quoted field names kept for shifting columns; cleared when it grows past this (names are DCR columns). */
const MAX_NAMES = 1024;
/** Longest string value remembered per position for the next record (see lastValues). */
const MAX_REMEMBERED_CHARS = 128;

export class RecordJsonWriter {
  /** Key at each position of the previous record, and its `{"Key":` / `,"Key":` text. */
  private readonly keys: string[] = [];
  private readonly prefixes: string[] = [];
  private readonly names = new Map<string, string>();
  /**
   * The previous record's short string at each position, with its key and its whole `,"Key":"value"`
   * text: a field repeating from record to record (Computer, Facility, the receive time) is one
   * comparison, not a scan and two concatenations.
   */
  private readonly lastKeys: string[] = [];
  private readonly lastValues: (string | undefined)[] = [];
  private readonly lastPieces: string[] = [];

  constructor(private readonly maxFieldBytes: number) {}

  /** JSON.stringify(record) after truncating string fields over maxFieldBytes (counted). */
  serialize(record: LogRecord): { json: string; truncatedFields: number } {
    if (Object.getPrototypeOf(record) !== Object.prototype)
      return serializeRecord(record, { maxFieldBytes: this.maxFieldBytes });
    let json = '';
    let i = 0;
    let truncatedFields = 0;
    for (const k in record) {
      const v = record[k];
      let value: string;
      if (typeof v === 'string') {
        if (v === this.lastValues[i] && k === this.lastKeys[i]) {
          json += this.lastPieces[i]!;
          i++;
          continue;
        }
        let s = v;
        if (s.length > this.maxFieldBytes / 4 && Buffer.byteLength(s) > this.maxFieldBytes) {
          s = truncateUtf8(s, this.maxFieldBytes);
          truncatedFields++;
        }
        const piece =
          (this.keys[i] === k ? this.prefixes[i]! : this.learn(i, k)) +
          (NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`);
        // Only untruncated short strings: a repeat must not skip the truncation count or cost a long compare.
        this.lastValues[i] = s === v && v.length <= MAX_REMEMBERED_CHARS ? v : undefined;
        this.lastKeys[i] = k;
        this.lastPieces[i] = piece;
        json += piece;
        i++;
        continue;
      } else if (typeof v === 'number' && Number.isFinite(v)) value = String(v);
      else if (v === null) value = 'null';
      else if (typeof v === 'boolean') value = v ? 'true' : 'false';
      else return serializeRecord(record, { maxFieldBytes: this.maxFieldBytes });
      json += (this.keys[i] === k ? this.prefixes[i]! : this.learn(i, k)) + value;
      i++;
    }
    return { json: i === 0 ? '{}' : `${json}}`, truncatedFields };
  }

  private learn(i: number, k: string): string {
    let name = this.names.get(k);
    if (name === undefined) {
      if (this.names.size >= MAX_NAMES) this.names.clear();
      this.names.set(k, (name = `${JSON.stringify(k)}:`));
    }
    const prefix = (i === 0 ? '{' : ',') + name;
    this.keys[i] = k;
    this.prefixes[i] = prefix;
    return prefix;
  }
}
