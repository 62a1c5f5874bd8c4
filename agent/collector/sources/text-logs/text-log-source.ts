// Text/JSON log source (SPEC.md §2.2): tails every file matching the filePatterns globs (polled each
// second, `**` supported), survives rename rotation (the old inode is read to its end), copytruncate
// and shrinking files (restart at 0), deleted files. Files present at first start are tailed from their
// end, later ones from the start. Multi-line records start at recordStartTimestampFormat. Checkpoints
// (inode, offset, fingerprint of the first bytes) are saved only after the records are durably queued:
// no loss and no duplicates across kill -9 beyond the last unsaved batch.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import picomatch from 'picomatch';
import type { Component, LogRecord, SourceContext } from '../../pipeline/types.js';
import { RECORD_START } from './record-start.js';

export interface TextLogSpec {
  id: string;
  filePatterns: string[];
  format: 'text' | 'json';
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
  pendingRecord?: { text: string[]; start: number };
  lastData: number;
  gone: boolean;
}

const CHUNK = 256 * 1024;
const FINGERPRINT_BYTES = 256;
const MAX_RECORD_BYTES = 64 * 1024;

export class TextLogSource implements Component {
  readonly id: string;
  private files = new Map<string, TrackedFile>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private firstScan = true;
  private readonly matchers: { base: string; match: (p: string) => boolean }[];
  private readonly startRe?: RegExp;
  shrinkResets = 0;
  invalidUtf8 = 0;

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
    this.startRe = spec.recordStartTimestampFormat ? RECORD_START[spec.recordStartTimestampFormat] : undefined;
  }

  async start(): Promise<void> {
    const saved = (await this.ctx.checkpoints.load<Record<string, { path: string; offset: number; fingerprint: string }>>(this.id)) ?? {};
    for (const [key, cp] of Object.entries(saved)) {
      this.files.set(key, { key, path: cp.path, offset: cp.offset, committed: cp.offset, fingerprint: cp.fingerprint, partial: Buffer.alloc(0), lastData: Date.now(), gone: false });
    }
    this.firstScan = Object.keys(saved).length === 0;
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
        // Same inode reused for a different file (deleted and recreated): start over.
        this.files.delete(key);
        await t.fh?.close().catch(() => undefined);
        t = undefined;
      }
      const fp = await fingerprint(file, FINGERPRINT_BYTES);
      if (!t) {
        const fromEnd = this.firstScan;
        t = { key, path: file, offset: fromEnd ? st.size : 0, committed: fromEnd ? st.size : 0, fingerprint: fp, partial: Buffer.alloc(0), lastData: Date.now(), gone: false };
        this.files.set(key, t);
      }
      t.path = file;
      t.gone = false;
      if (fingerprintLength(fp) > fingerprintLength(t.fingerprint) && t.offset >= fingerprintLength(fp)) t.fingerprint = fp;
      if (st.size < t.offset) {
        // copytruncate or shrink: the data we had read is gone; restart at 0.
        this.shrinkResets++;
        this.ctx.logger.info(`${this.id}: ${file} shrank (${t.offset} → ${st.size} bytes); reading it again from the start`);
        t.offset = 0;
        t.committed = 0;
        t.partial = Buffer.alloc(0);
        t.pendingRecord = undefined;
      }
    }
    this.firstScan = false;
    for (const t of this.files.values()) {
      if (!seen.has(t.key)) t.gone = true; // renamed away or deleted: finish reading the open inode
      await this.readFile(t);
      if (t.gone && t.fh === undefined) this.files.delete(t.key);
    }
    await this.flushIdle();
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
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await t.fh.read(buf, 0, CHUNK, t.offset);
      if (bytesRead === 0) break;
      t.lastData = Date.now();
      const chunk = Buffer.concat([t.partial, buf.subarray(0, bytesRead)]);
      const chunkStart = t.offset - t.partial.length;
      t.offset += bytesRead;
      const lastNl = chunk.lastIndexOf(10);
      if (lastNl < 0) {
        t.partial = chunk.length > MAX_RECORD_BYTES ? chunk.subarray(0, MAX_RECORD_BYTES) : chunk;
        continue;
      }
      t.partial = Buffer.from(chunk.subarray(lastNl + 1));
      await this.emitLines(t, chunk.subarray(0, lastNl + 1), chunkStart);
    }
    if (t.gone && Date.now() - t.lastData > (this.spec.partialFlushMs ?? 5000)) {
      await this.flushPartial(t);
      await t.fh.close();
      t.fh = undefined;
    }
  }

  private async emitLines(t: TrackedFile, data: Buffer, dataStart: number): Promise<void> {
    const text = data.toString('utf8');
    if (text.includes('\uFFFD')) {
      const bad = (text.match(/\uFFFD/g) ?? []).length;
      this.invalidUtf8 += bad;
      this.ctx.drops.drop('invalid_encoding', 0, this.id); // bytes replaced, record kept
    }
    const lines = text.split('\n');
    lines.pop(); // data ends with \n
    const records: LogRecord[] = [];
    let pos = dataStart;
    let committed = t.committed;
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '');
      const lineEnd = pos + Buffer.byteLength(raw) + 1;
      if (this.startRe) {
        if (this.startRe.test(line) || !t.pendingRecord) {
          if (t.pendingRecord) {
            records.push(this.toRecord(t.pendingRecord.text.join('\n'), t.path));
            committed = pos;
          }
          t.pendingRecord = { text: [line], start: pos };
        } else {
          t.pendingRecord.text.push(line);
        }
      } else if (line.length > 0) {
        const rec = this.toRecord(line, t.path);
        if (rec) records.push(rec);
        committed = lineEnd;
      } else committed = lineEnd;
      pos = lineEnd;
    }
    await this.deliver(t, records.filter(Boolean), committed);
  }

  private toRecord(text: string, file: string): LogRecord {
    const clipped = Buffer.byteLength(text) > MAX_RECORD_BYTES ? Buffer.from(text).subarray(0, MAX_RECORD_BYTES).toString('utf8') : text;
    const rec: LogRecord = { TimeGenerated: new Date().toISOString() };
    if (this.spec.format === 'json') {
      try {
        const obj = JSON.parse(clipped) as Record<string, unknown>;
        for (const c of this.spec.columns) if (obj[c] !== undefined) rec[c] = obj[c];
        if (typeof obj.TimeGenerated === 'string') rec.TimeGenerated = obj.TimeGenerated;
      } catch {
        this.ctx.drops.drop('parse_error', 1, this.id);
        return { __drop: true };
      }
    } else {
      rec.RawData = clipped;
    }
    if (this.spec.columns.includes('FilePath')) rec.FilePath = file;
    if (this.spec.columns.includes('Computer')) rec.Computer = this.ctx.computer;
    return rec;
  }

  private async deliver(t: TrackedFile, records: LogRecord[], committed: number): Promise<void> {
    const keep = records.filter((r) => !r.__drop);
    if (keep.length > 0) await this.ctx.sink.write(this.spec.stream, keep);
    t.committed = committed;
    await this.saveCheckpoints();
  }

  private async flushPartial(t: TrackedFile): Promise<void> {
    const records: LogRecord[] = [];
    let committed = t.committed;
    if (t.pendingRecord) {
      records.push(this.toRecord(t.pendingRecord.text.join('\n'), t.path));
      t.pendingRecord = undefined;
      committed = t.offset - t.partial.length;
    }
    if (t.partial.length > 0) {
      records.push(this.toRecord(t.partial.toString('utf8'), t.path));
      t.partial = Buffer.alloc(0);
      committed = t.offset;
    }
    if (records.length > 0) await this.deliver(t, records, committed);
  }

  private async flushIdle(): Promise<void> {
    const wait = this.spec.partialFlushMs ?? 5000;
    for (const t of this.files.values()) {
      if ((t.partial.length > 0 || t.pendingRecord) && Date.now() - t.lastData > wait) await this.flushPartial(t);
    }
  }

  private async saveCheckpoints(): Promise<void> {
    const out: Record<string, { path: string; offset: number; fingerprint: string }> = {};
    for (const t of this.files.values()) out[t.key] = { path: t.path, offset: t.committed, fingerprint: t.fingerprint };
    await this.ctx.checkpoints.save(this.id, out);
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
