// Text/JSON/W3C log source (docs/text-logs.md): tails every file the filePatterns globs match
// (paths-provider.ts). Reads are driven by inotify on the files' directories (dir-watcher.ts) with the poll
// (each second) as fallback and safety net. Survives rename rotation (the old inode is read to its end, and
// found again by inode in its directory after a restart), copytruncate (the truncation is seen on the event,
// the rest is read from logrotate's copy, rotated-files.ts, then the file from 0) and other shrinks (from 0,
// counted), deleted files (read to the end through the open handle, then closed), inode reuse (the first
// bytes differ → from the start; fingerprinter.ts). Files are opened under the symlink policy and identified
// on the descriptor (file-opener.ts). Files present at the very first start are tailed from their end, later
// ones from the start. Lines: line-splitter.ts; records: record-builder.ts; a last line without newline waits
// partialFlushMs of file inactivity. Positions are saved once their records are durably queued (checkpoints.ts).
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Component, LogRecord, SourceContext } from '../../pipeline/index.js';
import { GlobPathsProvider } from './paths-provider.js';
import { FINGERPRINT_BYTES, fileKey, fingerprintLength, fingerprintOf } from './fingerprinter.js';
import { isBomPrefix, splitLines, type SplitState } from './line-splitter.js';
import { RecordBuilder, w3cStateBefore, type RecordState } from './record-builder.js';
import { readCheckpoints, toStored, type StoredCheckpoints } from './checkpoints.js';
import { openLogFile, symlinkPolicyFrom, type SymlinkPolicy } from './file-opener.js';
import { DirWatcher } from './dir-watcher.js';
import { findCopy, findMoved, NO_FOLLOW } from './rotated-files.js';
import { EVENT_DISCOVER_DELAY_MS, EVENT_READ_DELAY_MS, PassScheduler } from './pass-scheduler.js';

export interface TextLogSpec {
  id: string;
  filePatterns: string[];
  format: 'text' | 'json' | 'w3c';
  recordStartTimestampFormat?: string;
  stream: string;
  columns: string[];
  pollIntervalMs?: number;
  partialFlushMs?: number;
  /** Symlink policy name (docs/text-logs.md): owner-readable (default) or never; anything else means never. */
  symlinks?: string;
  /** inotify-driven reads (default true); false leaves only the poll. */
  watch?: boolean;
}

interface TrackedFile extends SplitState, RecordState {
  key: string;
  /** The base directory of the pattern that matched (symlink policy: whose links are trusted). */
  base: string;
  fh?: fs.FileHandle;
  offset: number; // next byte to read
  committed: number; // byte after the last record handed to the sink
  fingerprint: string;
  /** performance.now() of the last data read (monotonic: partial-line flushes ignore wall-clock steps). */
  lastData: number;
  gone: boolean;
  /** Already looked for this inode under another name in its directory (restart after rotation). */
  searched?: boolean;
  /** Counts restarts from 0: a size probe begun before one is stale. */
  generation: number;
  /** A probe saw the file smaller than what was read: handled before the next read. */
  shrunkTo?: number;
}

const CHUNK = 256 * 1024;

export class TextLogSource implements Component {
  readonly id: string;
  private files = new Map<string, TrackedFile>();
  private byPath = new Map<string, TrackedFile>();
  /** Files with an inotify event since their last read: an event-driven pass reads only these. */
  private dirty = new Set<TrackedFile>();
  private readonly scheduler: PassScheduler;
  private firstScan = true;
  private readonly paths: GlobPathsProvider;
  private readonly builder: RecordBuilder;
  private readonly symlinks: SymlinkPolicy;
  private watcher?: DirWatcher;
  private readonly refused = new Map<string, string>();
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  /** Files that got smaller than the read position (copytruncate or other shrink) and were re-read from 0. */
  shrinkResets = 0;
  /** Files whose first bytes changed under the same inode (replaced in place, inode reused): read from 0. */
  replacedFiles = 0;
  /** Truncated files whose unread rest was read from logrotate's copy. */
  copiesRead = 0;
  /** Matched paths not opened because of the symlink policy (each path and target counted once). */
  symlinksRefused = 0;

  constructor(
    private readonly spec: TextLogSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
    this.paths = new GlobPathsProvider(spec.filePatterns);
    this.builder = new RecordBuilder(spec, ctx);
    const { policy, problem } = symlinkPolicyFrom(spec.symlinks);
    this.symlinks = policy;
    if (problem) ctx.logger.error(`${this.id}: ${problem}`);
    this.scheduler = new PassScheduler(
      (kind) => (kind === 'discover' ? this.cycle() : this.readAll(this.takeDirty())),
      (err) => this.ctx.logger.warn(`${this.id}: ${err.message}`),
    );
  }

  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  get invalidUtf8(): number {
    return this.builder.invalidUtf8;
  }

  /** Directories watched by inotify now. */
  get watchedDirs(): number {
    return this.watcher?.watched ?? 0;
  }

  async start(): Promise<void> {
    const loaded = readCheckpoints(await this.ctx.checkpoints.load<unknown>(this.id));
    if (loaded.problem) this.ctx.logger.warn(`${this.id}: checkpoints not read (${loaded.problem})`);
    if (loaded.skipped > 0) this.ctx.logger.warn(`${this.id}: ${loaded.skipped} malformed file checkpoint(s) skipped`);
    for (const [key, cp] of loaded.files)
      this.files.set(key, tracked(key, cp.path, path.dirname(cp.path), cp.offset, cp.fingerprint));
    this.firstScan = !loaded.ranBefore;
    if (this.spec.watch !== false) this.watcher = new DirWatcher((_d, kind, file) => this.onEvent(kind, file));
    this.scheduler.start(this.spec.pollIntervalMs ?? 1000);
  }

  private onEvent(kind: 'change' | 'rename', file: string | undefined): void {
    const t = file === undefined ? undefined : this.byPath.get(file);
    if (t && kind === 'change') {
      this.dirty.add(t);
      void this.probe(t);
      this.scheduler.request('read', EVENT_READ_DELAY_MS);
    } else if (file === undefined || t || this.paths.matches(file))
      this.scheduler.request('discover', EVENT_DISCOVER_DELAY_MS);
  }

  /** fstat on the descriptor right after an event: a truncation is seen before the file can regrow. */
  private async probe(t: TrackedFile): Promise<void> {
    const { fh, generation, offset } = t; // every byte below `offset` existed before this fstat
    const st = await fh?.stat().catch(() => undefined);
    if (st && generation === t.generation && st.size < offset && t.shrunkTo === undefined) t.shrunkTo = st.size;
  }

  /** One discovery + read pass. */
  private async cycle(): Promise<void> {
    const seen = new Set<string>();
    for (const { path: file, base } of await this.paths.paths()) {
      const found = await this.identify(file, base);
      if (!found) continue;
      const key = fileKey(found.st);
      seen.add(key);
      let t = found.t;
      const fh = found.fh ?? t?.fh;
      if (!fh) continue;
      if (t && !t.fh) t.fh = fh; // known from a checkpoint, open now
      if (t && t.fingerprint && (await fingerprintOf(fh, fingerprintLength(t.fingerprint))) !== t.fingerprint) {
        // Same inode, other first bytes (rewritten in place, inode reused, copytruncate regrown): start over.
        this.replacedFiles++;
        this.ctx.logger.warn(
          `${this.id}: ${file} is not the file read before under this inode (first bytes differ); reading it from the start`,
        );
        await this.restartAtZero(t);
      }
      // The full-length fingerprint is read only until it is complete.
      const fp =
        !t || (fingerprintLength(t.fingerprint) < FINGERPRINT_BYTES && found.st.size > fingerprintLength(t.fingerprint))
          ? await fingerprintOf(fh, FINGERPRINT_BYTES)
          : t.fingerprint;
      if (!t) {
        t = tracked(key, file, base, this.firstScan ? found.st.size : 0, fp);
        t.fh = fh;
        this.files.set(key, t);
      }
      t.path = file;
      t.base = base;
      t.gone = false;
      if (fingerprintLength(fp) > fingerprintLength(t.fingerprint) && t.offset >= fingerprintLength(fp))
        t.fingerprint = fp;
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
    }
    this.dirty.clear();
    await this.readAll(this.files.values());
    this.byPath = new Map([...this.files.values()].filter((t) => !t.gone).map((t) => [t.path, t]));
    const dirs = [...this.byPath.keys()].map((p) => path.dirname(p));
    this.watcher?.sync([...this.paths.baseDirs(), ...dirs]);
  }

  /** The file at `file`, identified on a descriptor: a tracked one's, or one opened now under the symlink policy. */
  private async identify(
    file: string,
    base: string,
  ): Promise<{ st: Stats; t?: TrackedFile; fh?: fs.FileHandle } | undefined> {
    const lst = await fs.lstat(file).catch(() => undefined);
    if (!lst || !(lst.isFile() || lst.isSymbolicLink())) return undefined;
    const known = lst.isFile() ? this.files.get(fileKey(lst)) : undefined;
    if (known?.fh) {
      const st = await known.fh.stat().catch(() => undefined);
      return st && { st, t: known };
    }
    const o = await openLogFile(file, base, this.symlinks);
    if (o.kind === 'skipped') return undefined;
    if (o.kind === 'refused') {
      if (this.refused.get(file) !== o.target) {
        this.refused.set(file, o.target);
        this.symlinksRefused++;
        this.ctx.logger.warn(`${this.id}: not reading ${file}: ${o.reason}`);
      }
      return undefined;
    }
    const t = this.files.get(fileKey(o.st));
    if (t?.fh) {
      await o.fh.close(); // a second name of a file already open
      return { st: o.st, t };
    }
    return { st: o.st, t, fh: o.fh };
  }

  private takeDirty(): TrackedFile[] {
    const files = [...this.dirty];
    this.dirty.clear();
    return files;
  }

  /** Reads the files given, forgets those gone and closed, flushes idle partial lines. */
  private async readAll(files: Iterable<TrackedFile>): Promise<void> {
    for (const t of files) {
      if (this.files.get(t.key) !== t) continue; // forgotten meanwhile
      await this.readFile(t);
      if (t.gone && t.fh === undefined) {
        this.files.delete(t.key);
        await this.saveCheckpoints();
      }
    }
    await this.flushIdle();
  }

  /**
   * The data read is gone (copytruncate, shrink) or was another file's: the rest that logrotate's copy holds
   * is read, the last partial record sent, and the file read again from 0.
   */
  private async restartAtZero(t: TrackedFile): Promise<void> {
    await this.readCopy(t);
    await this.flushPartial(t);
    t.generation++;
    t.shrunkTo = undefined;
    t.offset = 0;
    t.committed = 0;
    t.fingerprint = '';
    t.partial = Buffer.alloc(0);
    t.skipping = undefined;
    t.pendingRecord = undefined;
    t.w3c = undefined;
  }

  private async readCopy(t: TrackedFile): Promise<void> {
    const copy = await findCopy(path.dirname(t.path), t.key, t.fingerprint, t.offset);
    if (!copy || this.files.has(copy.key)) return; // none, or matched by a pattern and read on its own
    const fh = await fs.open(copy.path, NO_FOLLOW).catch(() => undefined);
    if (!fh) return;
    try {
      if (fileKey(await fh.stat()) !== copy.key) return;
      this.copiesRead++;
      this.ctx.logger.info(`${this.id}: ${t.path} was truncated; its unread rest is read from ${copy.path}`);
      await this.drain(t, fh, false);
    } finally {
      await fh.close();
    }
  }

  /**
   * A tracked inode no pattern matches any more and that is not open (it was rotated while the collector
   * was down, or between two polls): found under another name in its directory, its rest is read there.
   */
  private async relocate(t: TrackedFile): Promise<void> {
    t.searched = true;
    const moved = await findMoved(path.dirname(t.path), t.key, t.fingerprint, t.offset);
    if (moved) {
      t.fh = moved.fh;
      t.path = moved.path;
    }
  }

  private async readFile(t: TrackedFile): Promise<void> {
    if (!t.fh) return;
    await this.drain(t, t.fh, true);
    if (t.gone && performance.now() - t.lastData > (this.spec.partialFlushMs ?? 5000)) {
      await this.flushPartial(t);
      await t.fh.close();
      t.fh = undefined;
    }
  }

  /** Reads `fh` from t.offset to its end into records; `live`: t's own descriptor (checked for shrinking). */
  private async drain(t: TrackedFile, fh: fs.FileHandle, live: boolean): Promise<void> {
    if (this.spec.format === 'w3c' && !t.w3c) t.w3c = await w3cStateBefore(fh, t.offset, CHUNK);
    const buf = this.buf; // one per source: a chunk's lines are turned into records before the next read
    for (;;) {
      if (live) {
        if (t.shrunkTo === undefined && (await fh.stat()).size < t.offset) t.shrunkTo = 0;
        if (t.shrunkTo !== undefined) {
          this.shrinkResets++;
          this.ctx.logger.warn(`${this.id}: ${t.path} shrank below ${t.offset} bytes; reading it again from the start`);
          await this.restartAtZero(t);
        }
      }
      const { bytesRead } = await fh.read(buf, 0, CHUNK, t.offset);
      if (bytesRead === 0) break;
      t.lastData = performance.now();
      const readStart = t.offset;
      t.offset += bytesRead;
      const known = fingerprintLength(t.fingerprint);
      if (live && known < FINGERPRINT_BYTES && t.offset > known)
        // Completed as the file is read, not only by the poll: a truncation's copy is found by it.
        t.fingerprint = await fingerprintOf(fh, Math.min(FINGERPRINT_BYTES, t.offset));
      const lines = splitLines(t, buf.subarray(0, bytesRead), readStart);
      if (lines.length > 0) {
        const { records, committed } = this.builder.fromLines(t, lines, t.committed);
        await this.deliver(t, records, committed);
      }
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

  /** The last record and an unterminated last line (after partialFlushMs without new data, or at a restart). */
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
    this.watcher?.close();
    await this.scheduler.stop();
    for (const t of this.files.values()) {
      await t.fh?.close().catch(() => undefined);
      t.fh = undefined;
    }
  }
}

function tracked(key: string, file: string, base: string, offset: number, fingerprint: string): TrackedFile {
  return {
    key,
    path: file,
    base,
    offset,
    committed: offset,
    fingerprint,
    partial: Buffer.alloc(0),
    lastData: performance.now(),
    gone: false,
    generation: 0,
  };
}
