// Text/JSON/W3C log source (SPEC.md §2.2): tails every file matching the filePatterns globs (polled each
// second, `**` supported), survives rename rotation (the old inode is read to its end, and found again by
// inode in its directory after a restart), copytruncate and shrinking files (restart at 0, counted),
// deleted files (read to the end through the open handle, then closed), inode reuse (fingerprint of the
// first bytes differs → read from the start). Files present at the very first start are tailed from their
// end, later ones from the start. Multi-line records start at recordStartTimestampFormat (format text).
// Format `w3c` (open-ama extension, docs/dcr-support.md) parses W3C extended logs (w3c-parser.ts).
// Invalid UTF-8 becomes U+FFFD (records counted as invalid_encoding), a UTF-8 BOM is stripped, a last
// line without newline waits partialFlushMs of file inactivity before it is sent.
// Checkpoints (inode, offset, fingerprint) are saved only after sink.write resolved and sink.sync
// fsynced the queues written to: no loss across kill -9 or power loss; a kill between the queue append
// and the checkpoint save re-reads that one batch (≤ one read chunk) — the only duplicates this source
// can cause.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { Component, LogRecord, SourceContext } from '../../pipeline/types.js';
import { RECORD_START } from './record-start.js';
import { parseW3cLine, type W3cState } from './w3c-parser.js';
import { isoOfMs } from '../iso-time.js';

export interface TextLogSpec {
  id: string;
  filePatterns: string[];
  format: 'text' | 'json' | 'w3c';
  recordStartTimestampFormat?: string;
  stream: string;
  columns: string[];
  pollIntervalMs?: number;
  partialFlushMs?: number;
}

interface TrackedFile {
  key: string;
  path: string;
  fh?: fs.FileHandle;
  offset: number; // next byte to read
  committed: number; // byte after the last record handed to the sink
  fingerprint: string;
  partial: Buffer;
  /** Multi-line record being assembled; `bytes` stops growing past MAX_RECORD_BYTES (the record is cut there). */
  pendingRecord?: { text: string[]; start: number; bytes: number };
  /** performance.now() of the last data read (monotonic: partial-line flushes ignore wall-clock steps). */
  lastData: number;
  gone: boolean;
  /** Already looked for this inode under another name in its directory (restart after rotation). */
  searched?: boolean;
  /** W3C directive state (current #Fields) at the read position. */
  w3c?: W3cState;
  /** Set while skipping the rest of a line longer than MAX_RECORD_BYTES (its head is in `partial`). */
  skipping?: { start: number };
}

interface FileCheckpoint {
  path: string;
  offset: number;
  fingerprint: string;
}
/** v2 also says "this source ran before", so a restart never tails a file from its end. */
interface Checkpoints {
  v: 2;
  files: Record<string, FileCheckpoint>;
}

const CHUNK = 256 * 1024;
const FINGERPRINT_BYTES = 256;
const MAX_RECORD_BYTES = 64 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = Buffer.from('\uFFFD');

export class TextLogSource implements Component {
  readonly id: string;
  private files = new Map<string, TrackedFile>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private firstScan = true;
  private readonly matchers: { base: string; match: (p: string) => boolean }[];
  private readonly startRe?: RegExp;
  /** Files that got smaller than the read position (copytruncate or other shrink) and were re-read from 0. */
  shrinkResets = 0;
  /** Files whose first bytes changed under the same inode (replaced in place, inode reused): read from 0. */
  replacedFiles = 0;
  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  invalidUtf8 = 0;
  private readonly wantsRawData: boolean;
  private readonly wantsFilePath: boolean;
  private readonly wantsComputer: boolean;

  constructor(
    private readonly spec: TextLogSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
    this.matchers = spec.filePatterns.map((p) => {
      const scan = picomatch.scan(p);
      // A pattern without glob characters is a plain file path: walk its directory.
      return { base: scan.isGlob ? scan.base || '/' : path.dirname(p), match: picomatch(p, { dot: true }) };
    });
    this.startRe =
      spec.format === 'text' && spec.recordStartTimestampFormat
        ? RECORD_START[spec.recordStartTimestampFormat]
        : undefined;
    this.wantsRawData = spec.columns.includes('RawData');
    this.wantsFilePath = spec.columns.includes('FilePath');
    this.wantsComputer = spec.columns.includes('Computer');
  }

  async start(): Promise<void> {
    const loaded = await this.ctx.checkpoints.load<unknown>(this.id);
    // Version 1 was the bare map (present only once a record had been read).
    const v2 = isV2(loaded);
    const saved = loaded === undefined ? undefined : v2 ? loaded.files : (loaded as Record<string, FileCheckpoint>);
    for (const [key, cp] of Object.entries(saved ?? {})) {
      this.files.set(key, {
        key,
        path: cp.path,
        offset: cp.offset,
        committed: cp.offset,
        fingerprint: cp.fingerprint,
        partial: Buffer.alloc(0),
        lastData: performance.now(),
        gone: false,
      });
    }
    this.firstScan = saved === undefined || (!v2 && Object.keys(saved).length === 0);
    this.timer = setInterval(() => this.poll(), this.spec.pollIntervalMs ?? 1000);
    this.timer.unref();
    this.poll();
  }

  private poll(): void {
    if (this.running) return;
    this.running = this.cycle()
      .catch((err: Error) => {
        this.ctx.logger.warn(`${this.id}: ${err.message}`);
      })
      .finally(() => {
        this.running = undefined;
      });
  }

  /** One discovery + read pass; exported behaviour for tests through start()/stop(). */
  private async cycle(): Promise<void> {
    const seen = new Set<string>();
    for (const file of await this.discover()) {
      let st;
      try {
        st = await fs.stat(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      let t = this.files.get(key);
      if (t && t.fingerprint && (await fingerprint(file, fingerprintLength(t.fingerprint))) !== t.fingerprint) {
        // Same inode reused for a different file (deleted and recreated, or rewritten in place): start over.
        this.replacedFiles++;
        this.ctx.logger.warn(
          `${this.id}: ${file} is not the file read before under this inode (first bytes differ); reading it from the start`,
        );
        this.files.delete(key);
        await t.fh?.close().catch(() => undefined);
        t = undefined;
      }
      // The full-length fingerprint is read only until it is complete (one open per file and poll after that).
      const fp =
        !t || fingerprintLength(t.fingerprint) < FINGERPRINT_BYTES
          ? await fingerprint(file, FINGERPRINT_BYTES)
          : t.fingerprint;
      if (!t) {
        const fromEnd = this.firstScan;
        t = {
          key,
          path: file,
          offset: fromEnd ? st.size : 0,
          committed: fromEnd ? st.size : 0,
          fingerprint: fp,
          partial: Buffer.alloc(0),
          lastData: performance.now(),
          gone: false,
        };
        this.files.set(key, t);
      }
      t.path = file;
      t.gone = false;
      if (fingerprintLength(fp) > fingerprintLength(t.fingerprint) && t.offset >= fingerprintLength(fp))
        t.fingerprint = fp;
      if (st.size < t.offset) {
        // copytruncate or shrink: the data we had read is gone; restart at 0.
        this.shrinkResets++;
        this.ctx.logger.warn(
          `${this.id}: ${file} shrank (${t.offset} → ${st.size} bytes); reading it again from the start`,
        );
        t.offset = 0;
        t.committed = 0;
        t.partial = Buffer.alloc(0);
        t.pendingRecord = undefined;
        t.w3c = undefined;
      }
    }
    if (this.firstScan) {
      this.firstScan = false;
      await this.saveCheckpoints(); // from now on a restart reads new files from their start
    }
    for (const t of this.files.values()) {
      if (!seen.has(t.key)) {
        t.gone = true; // renamed away or deleted: finish reading the open inode
        if (!t.fh && !t.searched) await this.relocate(t);
      }
      await this.readFile(t);
      if (t.gone && t.fh === undefined) {
        this.files.delete(t.key);
        await this.saveCheckpoints();
      }
    }
    await this.flushIdle();
  }

  /**
   * A tracked inode no pattern matches any more and that is not open (it was rotated while the collector
   * was down, or between two polls): look for it under another name in its directory, and if its first
   * bytes are still the same, open it there so its rest is read.
   */
  private async relocate(t: TrackedFile): Promise<void> {
    t.searched = true;
    const dir = path.dirname(t.path);
    let names: string[];
    try {
      names = await fs.readdir(dir);
    } catch {
      return;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      const st = await fs.stat(p).catch(() => undefined);
      if (!st?.isFile() || `${st.dev}:${st.ino}` !== t.key) continue;
      if (st.size < t.offset || (await fingerprint(p, fingerprintLength(t.fingerprint))) !== t.fingerprint) return;
      try {
        t.fh = await fs.open(p, 'r');
        t.path = p;
      } catch {
        /* gone meanwhile */
      }
      return;
    }
  }

  private async discover(): Promise<string[]> {
    const out = new Set<string>();
    for (const m of this.matchers) await walk(m.base, 8, (p) => m.match(p) && out.add(p));
    return [...out];
  }

  private async readFile(t: TrackedFile): Promise<void> {
    if (!t.fh) {
      if (t.gone) return;
      try {
        t.fh = await fs.open(t.path, 'r');
      } catch {
        return;
      }
    }
    if (this.spec.format === 'w3c' && !t.w3c) t.w3c = await w3cStateBefore(t.fh, t.offset);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await t.fh.read(buf, 0, CHUNK, t.offset);
      if (bytesRead === 0) break;
      t.lastData = performance.now();
      const readStart = t.offset;
      t.offset += bytesRead;
      let data = buf.subarray(0, bytesRead);
      const lines: Line[] = [];
      let chunkStart: number;
      if (t.skipping) {
        // Inside a line longer than MAX_RECORD_BYTES: its first bytes are kept in t.partial, the rest is skipped.
        const nl = data.indexOf(10);
        if (nl < 0) continue;
        lines.push({ bytes: t.partial, start: t.skipping.start, end: readStart + nl + 1 });
        t.partial = Buffer.alloc(0);
        t.skipping = undefined;
        data = data.subarray(nl + 1);
        chunkStart = readStart + nl + 1;
      } else {
        chunkStart = readStart - t.partial.length;
        data = t.partial.length > 0 ? Buffer.concat([t.partial, data]) : data;
        t.partial = Buffer.alloc(0);
      }
      if (chunkStart === 0 && data.length >= BOM.length && data.subarray(0, BOM.length).equals(BOM)) {
        // UTF-8 byte order mark: not part of the first record (positions stay file offsets).
        data = data.subarray(BOM.length);
        chunkStart = BOM.length;
      } else if (chunkStart === 0 && data.length < BOM.length && BOM.subarray(0, data.length).equals(data)) {
        t.partial = Buffer.from(data); // maybe the start of a BOM: wait for more
        continue;
      }
      let pos = 0;
      for (;;) {
        const nl = data.indexOf(10, pos);
        if (nl < 0) break;
        lines.push({ bytes: data.subarray(pos, nl), start: chunkStart + pos, end: chunkStart + nl + 1 });
        pos = nl + 1;
      }
      const rest = data.subarray(pos);
      if (rest.length > MAX_RECORD_BYTES) {
        t.partial = Buffer.from(rest.subarray(0, MAX_RECORD_BYTES));
        t.skipping = { start: chunkStart + pos };
      } else t.partial = Buffer.from(rest);
      if (lines.length > 0) await this.emitLines(t, lines);
    }
    if (t.gone && performance.now() - t.lastData > (this.spec.partialFlushMs ?? 5000)) {
      await this.flushPartial(t);
      await t.fh.close();
      t.fh = undefined;
    }
  }

  /** Complete lines (without their newline) → records; multi-line assembly for format text. */
  private async emitLines(t: TrackedFile, lines: Line[]): Promise<void> {
    const records: LogRecord[] = [];
    let committed = t.committed;
    let invalid = 0;
    for (const l of lines) {
      const { line, invalid: bad } = this.decodeLine(l.bytes);
      if (bad) invalid++;
      if (this.startRe) {
        if (this.startRe.test(line) || !t.pendingRecord) {
          if (t.pendingRecord) {
            const rec = this.toRecord(t.pendingRecord.text.join('\n'), t);
            if (rec) records.push(rec);
            committed = l.start;
          }
          t.pendingRecord = { text: [line], start: l.start, bytes: Buffer.byteLength(line) };
        } else {
          // Continuation lines past the record limit are not kept (memory stays bounded without a start line).
          if (t.pendingRecord.bytes <= MAX_RECORD_BYTES) {
            t.pendingRecord.text.push(line);
            t.pendingRecord.bytes += Buffer.byteLength(line) + 1;
          }
        }
      } else {
        if (line.length > 0) {
          const rec = this.toRecord(line, t);
          if (rec) records.push(rec);
        }
        committed = l.end;
      }
    }
    // Records are kept with U+FFFD in place of the invalid bytes; counted so the damage is visible.
    if (invalid > 0) this.ctx.drops.drop('invalid_encoding', invalid, this.id);
    await this.deliver(t, records, committed);
  }

  /** A line's text without its CR; invalid UTF-8 becomes U+FFFD and is counted in invalidUtf8. */
  private decodeLine(bytes: Buffer): { line: string; invalid: boolean } {
    const { text, replaced } = decodeUtf8(bytes);
    this.invalidUtf8 += replaced;
    return { line: text.replace(/\r$/, ''), invalid: replaced > 0 };
  }

  /** One record, or undefined for a line that is not one (W3C directive) or could not be parsed (counted). */
  private toRecord(text: string, t: TrackedFile): LogRecord | undefined {
    // ≤ 3 UTF-8 bytes per UTF-16 unit: short lines never need the byte count
    const clipped =
      text.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(text) > MAX_RECORD_BYTES
        ? clipUtf8(text, MAX_RECORD_BYTES)
        : text;
    const rec: LogRecord = { TimeGenerated: isoOfMs(Date.now()) }; // formatted once per millisecond
    if (this.spec.format === 'json') {
      let obj: unknown;
      try {
        obj = JSON.parse(clipped);
      } catch {
        obj = undefined;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        this.ctx.drops.drop('parse_error', 1, this.id);
        return undefined;
      }
      const fields = obj as Record<string, unknown>;
      for (const c of this.spec.columns) if (fields[c] !== undefined) rec[c] = fields[c];
      if (typeof fields.TimeGenerated === 'string') rec.TimeGenerated = fields.TimeGenerated;
    } else if (this.spec.format === 'w3c') {
      const parsed = parseW3cLine(clipped, (t.w3c ??= {}));
      if (parsed.kind === 'directive' || parsed.kind === 'blank') return undefined;
      if (parsed.kind === 'error') {
        this.ctx.drops.drop('parse_error', 1, this.id);
        return undefined;
      }
      for (const c of this.spec.columns) if (parsed.values[c] !== undefined) rec[c] = parsed.values[c];
      if (parsed.timeGenerated) rec.TimeGenerated = parsed.timeGenerated;
      if (this.wantsRawData) rec.RawData = clipped;
    } else {
      rec.RawData = clipped;
    }
    if (this.wantsFilePath) rec.FilePath = t.path;
    if (this.wantsComputer) rec.Computer = this.ctx.computer;
    return rec;
  }

  private async deliver(t: TrackedFile, records: LogRecord[], committed: number): Promise<void> {
    if (records.length > 0) await this.ctx.sink.write(this.spec.stream, records);
    // Only now: the records are in the durable queue, so the position may move past them.
    if (committed === t.committed) return;
    // The checkpoint file is fsynced when saved; the queue must be on disk first, or a power loss
    // could leave a position past records that never reached the disk.
    if (records.length > 0) await this.ctx.sink.sync?.();
    t.committed = committed;
    await this.saveCheckpoints();
  }

  /** The last record and an unterminated last line, after partialFlushMs without new data. */
  private async flushPartial(t: TrackedFile): Promise<void> {
    const records: LogRecord[] = [];
    let committed = t.committed;
    if (t.pendingRecord) {
      const rec = this.toRecord(t.pendingRecord.text.join('\n'), t);
      if (rec) records.push(rec);
      t.pendingRecord = undefined;
      committed = t.offset - t.partial.length;
    }
    const bomPrefix =
      t.offset === t.partial.length &&
      t.partial.length < BOM.length &&
      BOM.subarray(0, t.partial.length).equals(t.partial);
    if (t.partial.length > 0 && !bomPrefix) {
      const { line, invalid } = this.decodeLine(t.partial);
      if (invalid) this.ctx.drops.drop('invalid_encoding', 1, this.id);
      const rec = this.toRecord(line, t);
      if (rec) records.push(rec);
      t.partial = Buffer.alloc(0);
      t.skipping = undefined;
      committed = t.offset;
    }
    if (records.length > 0 || committed !== t.committed) await this.deliver(t, records, committed);
  }

  private async flushIdle(): Promise<void> {
    const wait = this.spec.partialFlushMs ?? 5000;
    for (const t of this.files.values()) {
      if ((t.partial.length > 0 || t.pendingRecord) && performance.now() - t.lastData > wait)
        await this.flushPartial(t);
    }
  }

  private async saveCheckpoints(): Promise<void> {
    const files: Record<string, FileCheckpoint> = {};
    for (const t of this.files.values())
      files[t.key] = { path: t.path, offset: t.committed, fingerprint: t.fingerprint };
    await this.ctx.checkpoints.save<Checkpoints>(this.id, { v: 2, files });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    for (const t of this.files.values()) {
      await t.fh?.close().catch(() => undefined);
      t.fh = undefined;
    }
  }
}

interface Line {
  bytes: Buffer;
  /** File offsets of the line's first byte and of the byte after its newline. */
  start: number;
  end: number;
}

/** UTF-8 decoding with U+FFFD for invalid sequences; `replaced` does not count U+FFFD present in the file. */
function decodeUtf8(bytes: Buffer): { text: string; replaced: number } {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return { text, replaced: 0 };
  const inText = text.split('\uFFFD').length - 1;
  let inFile = 0;
  for (let i = bytes.indexOf(REPLACEMENT); i >= 0; i = bytes.indexOf(REPLACEMENT, i + REPLACEMENT.length)) inFile++;
  return { text, replaced: inText - inFile };
}

/** At most `max` bytes of UTF-8, never splitting a character. */
function clipUtf8(text: string, max: number): string {
  const b = Buffer.from(text).subarray(0, max + 1);
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}

/** W3C directive state (#Fields, #Date) in effect at `offset`: the directives before it, read again. */
async function w3cStateBefore(fh: fs.FileHandle, offset: number): Promise<W3cState> {
  const state: W3cState = {};
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = 0;
  let carry = '';
  while (pos < offset) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, offset - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const lines = (carry + buf.subarray(0, bytesRead).toString('latin1')).split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines)
      if (l.startsWith('#') || l.startsWith('\u00ef\u00bb\u00bf#'))
        parseW3cLine(Buffer.from(l.replace(/^\u00ef\u00bb\u00bf/, ''), 'latin1').toString('utf8'), state);
  }
  return state;
}

/** "<sha1 prefix>:<n>" of the first n bytes (n ≤ 256; fewer when the file is shorter). */
async function fingerprint(file: string, n: number): Promise<string> {
  try {
    const fh = await fs.open(file, 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return createHash('sha1').update(buf.subarray(0, bytesRead)).digest('hex').slice(0, 16) + `:${bytesRead}`;
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}

function isV2(v: unknown): v is Checkpoints {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as { v?: unknown }).v === 2 &&
    typeof (v as { files?: unknown }).files === 'object'
  );
}

function fingerprintLength(fp: string): number {
  return Number(fp.split(':')[1] ?? 0);
}

async function walk(dir: string, depth: number, visit: (p: string) => unknown): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 0) await walk(p, depth - 1, visit);
    } else visit(p);
  }
}
