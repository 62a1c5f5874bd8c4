// Durable disk queue for one lane (destination × stream); the facade over segment.ts (files and
// positions), segment-recovery.ts (open), segment-reader.ts (read) and ack-ledger.ts (ack.json).
// Durability rules (docs/reliability.md):
//  - Entries are appended to segment files with length + CRC32 framing; a segment is sealed at
//    `segmentBytes` and a new one started. Frames are CRC-checked at open (recovery) and when read back
//    from a segment of an earlier run; frames this process appended are not read back through the CRC.
//  - append() resolves once the bytes are written to the OS; they are fsynced every `fsyncIntervalMs`
//    (default 1 s) and at close(). A power loss can lose at most that last interval; a process crash
//    (kill -9) loses nothing that append() acknowledged.
//  - An entry leaves the queue only through ack() (the ack position is persisted at every ack, fully
//    acked segments are deleted) or quota eviction: the shared QuotaManager may evict this lane's
//    oldest sealed segment (counted "quota").
//  - At-least-once: after a crash, the batch that was in flight (read but not acked) is delivered
//    again — duplicates are bounded by one batch per lane per crash. One batch is in flight per lane.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../telemetry/index.js';
import type { DropCounter } from '../pipeline/index.js';
import { AckLedger } from './ack-ledger.js';
import { encodeFrames } from './framing.js';
import type { EvictableQueue, QuotaManager } from './quota-manager.js';
import { isNoSpace, segName, type QueueBatch, type QueuePosition, type Segment } from './segment.js';
import { ScratchBuffer } from './scratch-buffer.js';
import { recoverSegments } from './segment-recovery.js';
import { entriesInEndSegment, readEntries } from './segment-reader.js';

/** A read of one full request (~1 MiB of payload, plus a frame header's slack) fits the kept read buffer. */
const READ_KEEP_BYTES = 1280 * 1024;

export type { QueueBatch, QueuePosition } from './segment.js';

export interface DiskQueueOptions {
  id: string;
  drops: DropCounter;
  logger: Logger;
  quota?: QuotaManager;
  segmentBytes?: number;
  fsyncIntervalMs?: number;
}

export class DiskFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskFullError';
  }
}

export class DiskQueue implements EvictableQueue {
  readonly id: string;
  private segments: Segment[] = [];
  private ackPos: QueuePosition = { seg: 1, off: 0 };
  private readPos: QueuePosition = { seg: 1, off: 0 };
  private ackedEntriesInHead = 0;
  private inFlight?: QueueBatch;
  private fd?: fs.FileHandle;
  private dirty = false;
  private fsyncTimer?: NodeJS.Timeout;
  private listeners = new Set<() => void>();
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  private reading = false;
  /** An append hit ENOSPC/EDQUOT since the last reclaim: drop the active segment once it is fully acknowledged. */
  private noSpace = false;
  private readonly ledger: AckLedger;
  /** Appends encode into it: each append's frames are written before the next append encodes (serial). */
  private readonly frameBuffer = new ScratchBuffer();
  /** Reads go into it: the in-flight batch's entries are views of it, and no read runs while one is in flight. */
  private readonly readBuffer = new ScratchBuffer(READ_KEEP_BYTES);

  /** A segment is sealed once it would grow past this (default 8 MiB). */
  private get segmentLimit(): number {
    return this.o.segmentBytes ?? 8 * 1024 * 1024;
  }

  private constructor(
    private readonly dir: string,
    private readonly o: DiskQueueOptions,
  ) {
    this.id = o.id;
    this.ledger = new AckLedger(dir, o.id, o.logger);
  }

  static async open(dir: string, o: DiskQueueOptions): Promise<DiskQueue> {
    const q = new DiskQueue(dir, o);
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await q.recover();
    o.quota?.register(q);
    q.fsyncTimer = setInterval(() => void q.serial(() => q.sync()), o.fsyncIntervalMs ?? 1000);
    q.fsyncTimer.unref();
    return q;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn);
    this.chain = run.catch(() => undefined); // the caller gets the error; the next operation still runs
    return run;
  }

  private async recover(): Promise<void> {
    const r = await recoverSegments(this.dir, await this.ledger.read(), {
      laneId: this.id,
      drops: this.o.drops,
      logger: this.o.logger,
    });
    this.segments = r.segments;
    this.ackPos = r.ackPos;
    this.ackedEntriesInHead = r.ackedEntriesInHead;
    this.readPos = { ...this.ackPos };
    const last = this.segments[this.segments.length - 1]!;
    last.ownFrom = last.size; // what this run appends to the recovered tail is not read back through the CRC
    this.fd = await fs.open(path.join(this.dir, segName(last.id)), 'a', 0o600);
  }

  append(payloads: Buffer[]): Promise<void> {
    if (payloads.length === 0) return Promise.resolve();
    return this.appendFrames(() => encodeFrames(payloads, this.frameBuffer), payloads.length);
  }

  /**
   * append() for `count` entries the caller framed itself (framing.ts layout). `frames` is written when
   * this append's turn comes: the caller must not change it until the returned promise settles.
   */
  appendFramed(frames: Buffer, count: number): Promise<void> {
    if (count === 0) return Promise.resolve();
    return this.appendFrames(() => frames, count);
  }

  private appendFrames(encode: () => Buffer, count: number): Promise<void> {
    return this.serial(async () => {
      if (this.closed) throw new Error(`queue ${this.id} is closed`);
      const frames = encode();
      if (this.o.quota && !(await this.o.quota.reserve(frames.length))) {
        this.o.drops.drop('quota', count, this.id);
        return;
      }
      let active = this.segments[this.segments.length - 1]!;
      if (active.size > 0 && active.size + frames.length > this.segmentLimit) active = await this.roll();
      for (let attempt = 0; ; attempt++) {
        try {
          // A nearly full disk gives a short write without an error: the frames are not all there.
          const { bytesWritten } = await this.fd!.write(frames);
          if (bytesWritten < frames.length)
            throw Object.assign(new Error(`short write (${bytesWritten} of ${frames.length} bytes)`), {
              code: 'ENOSPC',
            });
          break;
        } catch (err) {
          if (!isNoSpace(err)) throw err;
          this.noSpace = true;
          // Cut a partial frame; if even that fails, recovery truncates the torn tail at the next open,
          // and until then every frame of this segment is CRC-checked on read (the torn bytes stay).
          await this.fd!.truncate(active.size).catch(() => {
            active.ownFrom = undefined;
          });
          if (
            attempt === 0 &&
            !this.inFlight &&
            this.ackPos.seg === active.id &&
            active.size > 0 &&
            this.ackPos.off >= active.size
          ) {
            // Everything in the active segment was delivered: drop it to make room, then try once more.
            await this.deleteFinished();
            active = this.segments[this.segments.length - 1]!;
            continue;
          }
          throw new DiskFullError(
            `no space left on the device holding ${this.dir}: ${count} record(s) could not be queued`,
          );
        }
      }
      active.size += frames.length;
      active.entries += count;
      this.dirty = true;
      for (const l of this.listeners) l();
    });
  }

  private async roll(): Promise<Segment> {
    await this.sync();
    await this.fd?.close();
    const seg: Segment = {
      id: this.segments[this.segments.length - 1]!.id + 1,
      size: 0,
      entries: 0,
      createdAt: Date.now(),
      ownFrom: 0,
    };
    this.fd = await fs.open(path.join(this.dir, segName(seg.id)), 'a', 0o600);
    this.segments.push(seg);
    return seg;
  }

  /** fsyncs what append() has written, now (in order with the other queue operations). */
  syncNow(): Promise<void> {
    return this.serial(() => this.sync());
  }

  private async sync(): Promise<void> {
    if (!this.dirty || !this.fd) return;
    this.dirty = false;
    await this.fd.sync();
  }

  /** Next entries after the read position, ≤ maxBytes of payload; null when none or one is in flight. */
  read(maxBytes: number, maxEntries: number): Promise<QueueBatch | null> {
    return this.serial(async () => {
      if (this.inFlight) return null;
      this.reading = true;
      try {
        return await this.readLocked(maxBytes, maxEntries);
      } finally {
        this.reading = false;
      }
    });
  }

  private async readLocked(maxBytes: number, maxEntries: number): Promise<QueueBatch | null> {
    const { entries, end } = await readEntries(
      this.dir,
      this.segments,
      this.readPos,
      { maxBytes, maxEntries },
      () => this.o.drops.drop('parse_error', 1, this.id),
      this.readBuffer,
    );
    return entries.length > 0 ? this.hand(entries, end) : null;
  }

  private hand(entries: Buffer[], end: QueuePosition): QueueBatch {
    const batch = { entries, start: { ...this.readPos }, end };
    this.inFlight = batch;
    this.readPos = end;
    return batch;
  }

  ack(batch: QueueBatch): Promise<void> {
    return this.serial(async () => {
      if (this.inFlight !== batch) return;
      this.inFlight = undefined;
      // Count acked entries in the head segment, then advance and delete finished segments.
      if (batch.end.seg === this.ackPos.seg) this.ackedEntriesInHead += batch.entries.length;
      else this.ackedEntriesInHead = entriesInEndSegment(batch, batch.end.seg);
      this.ackPos = batch.end;
      await this.ledger.write(this.ackPos);
      await this.deleteFinished();
    });
  }

  release(batch: QueueBatch): void {
    void this.serial(async () => {
      if (this.inFlight !== batch) return;
      this.inFlight = undefined;
      this.readPos = batch.start;
    });
  }

  private async deleteFinished(): Promise<void> {
    const active = this.segments[this.segments.length - 1]!;
    while (this.segments.length > 1 && this.segments[0]!.id < this.ackPos.seg) {
      const s = this.segments.shift()!;
      await fs.rm(path.join(this.dir, segName(s.id)), { force: true });
    }
    const head = this.segments[0]!;
    if (
      head === active &&
      this.ackPos.seg === head.id &&
      head.size > 0 &&
      this.ackPos.off >= head.size &&
      (head.size > this.segmentLimit / 2 || this.noSpace)
    ) {
      // Start fresh so the fully acked segment can go now (on a full disk it is all the space there is).
      // Called from ack() with nothing in flight, so the read position is the ack position.
      const next = await this.roll();
      this.noSpace = false;
      this.ackPos = { seg: next.id, off: 0 };
      this.readPos = { ...this.ackPos };
      this.ackedEntriesInHead = 0;
      await this.ledger.write(this.ackPos);
      await this.deleteFinished();
    }
  }

  onData(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  stats(): { entries: number; bytes: number; segments: number; oldestAppendedAt?: number } {
    let entries = 0;
    let bytes = 0;
    for (const s of this.segments) {
      entries += s.entries;
      bytes += s.size;
    }
    const head = this.segments[0]!;
    if (head.id === this.ackPos.seg) {
      entries -= this.ackedEntriesInHead;
      bytes -= this.ackPos.off;
    }
    return {
      entries: Math.max(0, entries),
      bytes: Math.max(0, bytes),
      segments: this.segments.length,
      oldestAppendedAt: head.createdAt,
    };
  }

  diskBytes(): number {
    return this.segments.reduce((n, s) => n + s.size, 0);
  }

  oldestEvictable(): number | undefined {
    const s = this.evictable();
    return s?.createdAt;
  }

  /**
   * The oldest segment the quota may drop: sealed (never the one being written), not while a read is under
   * way, and holding none of the batch being delivered. That is the head, or — while the head is in
   * delivery (ingestion down, the same batch retried) — the first segment after the batch: the oldest
   * records that are not in flight go, rather than the newest append being refused.
   */
  private evictable(): Segment | undefined {
    if (this.segments.length < 2 || this.reading) return undefined;
    const batch = this.inFlight;
    for (let i = 0; i < this.segments.length - 1; i++) {
      const s = this.segments[i]!;
      if (!batch || s.id < batch.start.seg || s.id > batch.end.seg) return s;
    }
    return undefined;
  }

  evictOldest(): Promise<{ entries: number; bytes: number }> {
    const s = this.evictable();
    if (!s) return Promise.resolve({ entries: 0, bytes: 0 });
    // Runs inside append()'s serial section (quota.reserve), so it must not queue behind it.
    return (async () => {
      const index = this.segments.indexOf(s);
      this.segments.splice(index, 1);
      const unacked =
        s.id === this.ackPos.seg ? s.entries - this.ackedEntriesInHead : s.id < this.ackPos.seg ? 0 : s.entries;
      await fs.rm(path.join(this.dir, segName(s.id)), { force: true });
      // A segment after the batch in delivery: the ack and read positions lie before it and stay; reads
      // skip the missing id (segment-reader.ts). The head: its positions move to the next segment.
      if (index === 0) {
        const next = this.segments[0]!;
        if (this.ackPos.seg <= s.id) {
          this.ackPos = { seg: next.id, off: 0 };
          this.ackedEntriesInHead = 0;
          await this.ledger.write(this.ackPos);
        }
        if (this.readPos.seg <= s.id) this.readPos = { ...this.ackPos };
      }
      return { entries: Math.max(0, unacked), bytes: s.size };
    })();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.serial(async () => {
      if (this.closed) return;
      this.closed = true;
      if (this.fsyncTimer) clearInterval(this.fsyncTimer);
      this.o.quota?.unregister(this);
      await this.sync();
      await this.fd?.close();
      this.fd = undefined;
    });
  }
}
