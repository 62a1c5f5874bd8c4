// Text/JSON/W3C log source (docs/dcr-support.md, text logs): tails every file the filePatterns globs match
// (paths-provider.ts; polled each second), survives rename rotation (the old inode is read to its end, and
// found again by inode in its directory after a restart), copytruncate and shrinking files (restart at 0,
// counted), deleted files (read to the end through the open handle, then closed), inode reuse (the
// fingerprint of the first bytes differs → read from the start; fingerprinter.ts). Files present at the very
// first start are tailed from their end, later ones from the start. Lines: line-splitter.ts; records:
// record-builder.ts; a last line without newline waits partialFlushMs of file inactivity before it is sent.
// Positions are saved only once their records are durably queued (checkpoints.ts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Component, LogRecord, SourceContext } from '../../pipeline/types.js';
import { GlobPathsProvider } from './paths-provider.js';
import { FINGERPRINT_BYTES, fileKey, fingerprintLength, fingerprintOf } from './fingerprinter.js';
import { isBomPrefix, splitLines, type SplitState } from './line-splitter.js';
import { RecordBuilder, w3cStateBefore, type RecordState } from './record-builder.js';
import { readCheckpoints, toStored, type StoredCheckpoints } from './checkpoints.js';

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

interface TrackedFile extends SplitState, RecordState {
  key: string;
  fh?: fs.FileHandle;
  offset: number; // next byte to read
  committed: number; // byte after the last record handed to the sink
  fingerprint: string;
  /** performance.now() of the last data read (monotonic: partial-line flushes ignore wall-clock steps). */
  lastData: number;
  gone: boolean;
  /** Already looked for this inode under another name in its directory (restart after rotation). */
  searched?: boolean;
}

const CHUNK = 256 * 1024;

export class TextLogSource implements Component {
  readonly id: string;
  private files = new Map<string, TrackedFile>();
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private firstScan = true;
  private readonly paths: GlobPathsProvider;
  private readonly builder: RecordBuilder;
  /** Files that got smaller than the read position (copytruncate or other shrink) and were re-read from 0. */
  shrinkResets = 0;
  /** Files whose first bytes changed under the same inode (replaced in place, inode reused): read from 0. */
  replacedFiles = 0;

  constructor(
    private readonly spec: TextLogSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
    this.paths = new GlobPathsProvider(spec.filePatterns);
    this.builder = new RecordBuilder(spec, ctx);
  }

  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  get invalidUtf8(): number {
    return this.builder.invalidUtf8;
  }

  async start(): Promise<void> {
    const loaded = readCheckpoints(await this.ctx.checkpoints.load<unknown>(this.id));
    if (loaded.problem) this.ctx.logger.warn(`${this.id}: checkpoints not read (${loaded.problem})`);
    if (loaded.skipped > 0) this.ctx.logger.warn(`${this.id}: ${loaded.skipped} malformed file checkpoint(s) skipped`);
    for (const [key, cp] of loaded.files) this.files.set(key, tracked(key, cp.path, cp.offset, cp.fingerprint));
    this.firstScan = !loaded.ranBefore;
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

  /** One discovery + read pass. */
  private async cycle(): Promise<void> {
    const seen = new Set<string>();
    for (const file of await this.paths.paths()) {
      let st;
      try {
        st = await fs.stat(file);
      } catch {
        continue;
      }
      if (!st.isFile()) continue;
      const key = fileKey(st);
      seen.add(key);
      let t = this.files.get(key);
      if (t && t.fingerprint && (await fingerprintPath(file, fingerprintLength(t.fingerprint))) !== t.fingerprint) {
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
          ? await fingerprintPath(file, FINGERPRINT_BYTES)
          : t.fingerprint;
      if (!t) {
        const at = this.firstScan ? st.size : 0;
        t = tracked(key, file, at, fp);
        this.files.set(key, t);
      }
      t.path = file;
      t.gone = false;
      if (fingerprintLength(fp) > fingerprintLength(t.fingerprint) && t.offset >= fingerprintLength(fp))
        t.fingerprint = fp;
      if (st.size < t.offset) this.restartAtZero(t, st.size);
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

  /** copytruncate or shrink: the data we had read is gone; restart at 0. */
  private restartAtZero(t: TrackedFile, size: number): void {
    this.shrinkResets++;
    this.ctx.logger.warn(`${this.id}: ${t.path} shrank (${t.offset} → ${size} bytes); reading it again from the start`);
    t.offset = 0;
    t.committed = 0;
    t.partial = Buffer.alloc(0);
    t.pendingRecord = undefined;
    t.w3c = undefined;
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
      if (!st?.isFile() || fileKey(st) !== t.key) continue;
      if (st.size < t.offset || (await fingerprintPath(p, fingerprintLength(t.fingerprint))) !== t.fingerprint) return;
      try {
        t.fh = await fs.open(p, 'r');
        t.path = p;
      } catch {
        /* gone meanwhile */
      }
      return;
    }
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
    if (this.spec.format === 'w3c' && !t.w3c) t.w3c = await w3cStateBefore(t.fh, t.offset, CHUNK);
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await t.fh.read(buf, 0, CHUNK, t.offset);
      if (bytesRead === 0) break;
      t.lastData = performance.now();
      const readStart = t.offset;
      t.offset += bytesRead;
      const lines = splitLines(t, buf.subarray(0, bytesRead), readStart);
      if (lines.length > 0) {
        const { records, committed } = this.builder.fromLines(t, lines, t.committed);
        await this.deliver(t, records, committed);
      }
    }
    if (t.gone && performance.now() - t.lastData > (this.spec.partialFlushMs ?? 5000)) {
      await this.flushPartial(t);
      await t.fh.close();
      t.fh = undefined;
    }
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
      const rec = this.builder.takePending(t);
      if (rec) records.push(rec);
      committed = t.offset - t.partial.length;
    }
    if (t.partial.length > 0 && !isBomPrefix(t.partial, t.offset)) {
      const rec = this.builder.fromPartialLine(t, t.partial);
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
    const files = [...this.files.values()].map(
      (t) => [t.key, { path: t.path, offset: t.committed, fingerprint: t.fingerprint }] as const,
    );
    await this.ctx.checkpoints.save<StoredCheckpoints>(this.id, toStored(files));
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

function tracked(key: string, file: string, offset: number, fingerprint: string): TrackedFile {
  return {
    key,
    path: file,
    offset,
    committed: offset,
    fingerprint,
    partial: Buffer.alloc(0),
    lastData: performance.now(),
    gone: false,
  };
}

async function fingerprintPath(file: string, n: number): Promise<string> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch {
    return '';
  }
  try {
    return await fingerprintOf(fh, n);
  } finally {
    await fh.close();
  }
}
