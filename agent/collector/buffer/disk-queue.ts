// Durable disk queue for one lane (destination × stream). Durability rules (DESIGN.md §4):
//  - Entries are appended to segment files (00000001.seg, …) with length + CRC32 framing; a segment
//    is sealed at `segmentBytes` and a new one started.
//  - append() resolves once the bytes are written to the OS; they are fsynced every `fsyncIntervalMs`
//    (default 1 s) and at close(). A power loss can lose at most that last interval; a process crash
//    (kill -9) loses nothing that append() acknowledged.
//  - An entry leaves the queue only through ack(), i.e. after the destination accepted it (2xx) or it
//    was dropped with a counted reason. The ack position is persisted atomically (ack.json) at every
//    ack; fully acked segments are deleted.
//  - At-least-once: after a crash, the batch that was in flight (read but not acked) is delivered
//    again — duplicates are bounded by one batch per lane per crash. One batch is in flight per lane.
//  - Open scans every segment with a bounded buffer; a torn or corrupt tail is truncated and counted
//    (drop reason "parse_error"), never a crash. Memory use is independent of the backlog size.
//  - Quota: the shared QuotaManager may evict this lane's oldest sealed segment (counted "quota").
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../telemetry/index.js';
import { writeFileAtomic } from '../../config/index.js';
import type { DropCounter } from '../pipeline/types.js';
import { checkFrame, encodeFrames, encodeStringFrames, HEADER_BYTES, MAX_ENTRY_BYTES } from './framing.js';
import type { EvictableQueue, QuotaManager } from './quota-manager.js';

export interface QueuePosition {
  seg: number;
  off: number;
}

export interface QueueBatch {
  entries: Buffer[];
  start: QueuePosition;
  end: QueuePosition;
}

export interface DiskQueueOptions {
  id: string;
  drops: DropCounter;
  logger: Logger;
  quota?: QuotaManager;
  segmentBytes?: number;
  fsyncIntervalMs?: number;
}

interface Segment {
  id: number;
  size: number;
  entries: number;
  createdAt: number;
}

export class DiskFullError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiskFullError';
  }
}

const READ_CHUNK = 256 * 1024;
const segName = (id: number): string => `${String(id).padStart(8, '0')}.seg`;

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

  /** A segment is sealed once it would grow past this (default 8 MiB). */
  private get segmentLimit(): number {
    return this.o.segmentBytes ?? 8 * 1024 * 1024;
  }

  private constructor(
    private readonly dir: string,
    private readonly o: DiskQueueOptions,
  ) {
    this.id = o.id;
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
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async recover(): Promise<void> {
    const names = (await fs.readdir(this.dir)).filter((n) => /^\d{8}\.seg$/.test(n)).sort();
    try {
      const ack = JSON.parse(await fs.readFile(path.join(this.dir, 'ack.json'), 'utf8')) as QueuePosition;
      if (Number.isInteger(ack.seg) && Number.isInteger(ack.off)) this.ackPos = ack;
    } catch {
      // no ack yet
    }
    for (const name of names) {
      const id = Number(name.slice(0, 8));
      const file = path.join(this.dir, name);
      if (id < this.ackPos.seg) {
        await fs.rm(file, { force: true });
        continue;
      }
      const ackOff = id === this.ackPos.seg ? this.ackPos.off : 0;
      const { validBytes, entries, entriesBeforeAck, corrupt, damaged } = await this.scan(file, ackOff);
      const st = await fs.stat(file);
      let size = validBytes;
      if (corrupt) {
        await fs.truncate(file, validBytes);
        this.o.drops.drop('parse_error', 1, this.id);
        this.o.logger.warn(
          `queue ${this.id}: ${name} had a torn or corrupt tail; truncated ${st.size - validBytes} bytes at offset ${validBytes}`,
        );
      }
      // Damage in the middle: cut only the damaged bytes after the ack position (before it, all was delivered).
      const cut = damaged.filter((d) => d.to > ackOff).map((d) => ({ ...d, from: Math.max(d.from, ackOff) }));
      if (cut.length > 0) {
        size = await cutRanges(file, cut, validBytes);
        const lost = cut.reduce((n, d) => n + d.frames, 0);
        this.o.drops.drop('parse_error', lost, this.id);
        this.o.logger.warn(
          `queue ${this.id}: ${name} had ${cut.length} damaged range(s) (${validBytes - size} bytes, ~${lost} record(s)); cut them and kept the records after them`,
        );
      }
      this.segments.push({ id, size, entries, createdAt: st.mtimeMs });
      if (id === this.ackPos.seg) this.ackedEntriesInHead = entriesBeforeAck;
    }
    if (this.segments.length === 0) {
      const id = Math.max(1, this.ackPos.seg);
      this.ackPos = { seg: id, off: 0 };
      this.segments.push({ id, size: 0, entries: 0, createdAt: Date.now() });
    } else if (this.ackPos.seg < this.segments[0]!.id) {
      this.ackPos = { seg: this.segments[0]!.id, off: 0 };
    }
    this.readPos = { ...this.ackPos };
    const last = this.segments[this.segments.length - 1]!;
    this.fd = await fs.open(path.join(this.dir, segName(last.id)), 'a', 0o600);
  }

  /**
   * Walks frames with a bounded window buffer; returns the valid prefix length and entry counts. A bad
   * frame followed by valid ones is a damaged range (skipped to the next frame whose length and CRC
   * check out); a bad frame with nothing valid after it is a torn or corrupt tail.
   */
  private async scan(
    file: string,
    ackOff: number,
  ): Promise<{ validBytes: number; entries: number; entriesBeforeAck: number; corrupt: boolean; damaged: Damage[] }> {
    const fh = await fs.open(file, 'r');
    try {
      const size = (await fh.stat()).size;
      let window = Buffer.alloc(0);
      let windowStart = 0;
      let off = 0;
      let entries = 0;
      let before = 0;
      let frameBytes = 0;
      const damaged: Damage[] = [];
      const ensure = async (n: number): Promise<boolean> => {
        if (off >= windowStart && off - windowStart + n <= window.length) return true;
        if (off + n > size) return false;
        const len = Math.min(size - off, Math.max(READ_CHUNK, n));
        window = Buffer.alloc(len);
        const { bytesRead } = await fh.read(window, 0, len, off);
        windowStart = off;
        return bytesRead >= n;
      };
      /** Payload length of a valid frame at `off`, else undefined. */
      const frameAt = async (): Promise<number | undefined> => {
        if (!(await ensure(HEADER_BYTES))) return undefined;
        const len = window.readUInt32LE(off - windowStart);
        if (len > MAX_ENTRY_BYTES || !(await ensure(HEADER_BYTES + len))) return undefined;
        return checkFrame(window, off - windowStart).ok ? len : undefined;
      };
      /**
       * How many frames a damaged range held (≥ 1): hops by the length fields while they are plausible,
       * then estimates the rest from the segment's average frame size.
       */
      const framesIn = async (from: number, to: number): Promise<number> => {
        let n = 0;
        off = from;
        while (off < to) {
          const len = (await ensure(HEADER_BYTES)) ? window.readUInt32LE(off - windowStart) : 0;
          if (len === 0 || off + HEADER_BYTES + len > to) {
            const average = entries > 0 ? frameBytes / entries : to - off;
            n += Math.max(1, Math.round((to - off) / average));
            break;
          }
          n++;
          off += HEADER_BYTES + len;
        }
        return Math.max(1, n);
      };
      while (off < size) {
        const len = await frameAt();
        if (len !== undefined) {
          if (off < ackOff) before++;
          entries++;
          frameBytes += HEADER_BYTES + len;
          off += HEADER_BYTES + len;
          continue;
        }
        const from = off;
        let to = -1;
        for (off = from + 1; off + HEADER_BYTES <= size; off++) {
          if ((await frameAt()) !== undefined) {
            to = off;
            break;
          }
        }
        if (to < 0) return { validBytes: from, entries, entriesBeforeAck: before, corrupt: true, damaged };
        damaged.push({ from, to, frames: await framesIn(from, to) });
        off = to;
      }
      return { validBytes: off, entries, entriesBeforeAck: before, corrupt: false, damaged };
    } finally {
      await fh.close();
    }
  }

  append(payloads: Buffer[]): Promise<void> {
    if (payloads.length === 0) return Promise.resolve();
    return this.appendFrames(() => encodeFrames(payloads), payloads.length);
  }

  /** append() for serialised records as strings: framed straight from them (no Buffer per record). */
  appendStrings(payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return Promise.resolve();
    return this.appendFrames(() => encodeStringFrames(payloads), payloads.length);
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
          await this.fd!.truncate(active.size).catch(() => undefined);
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
    {
      let pos = { ...this.readPos };
      const entries: Buffer[] = [];
      let bytes = 0;
      while (entries.length < maxEntries) {
        const seg = this.segments.find((s) => s.id === pos.seg);
        if (!seg) break;
        if (pos.off >= seg.size) {
          const next = this.segments.find((s) => s.id > pos.seg);
          if (!next) break;
          pos = { seg: next.id, off: 0 };
          continue;
        }
        // One read of up to the byte budget (plus room for one frame header), parsed in memory:
        // a couple of syscalls per batch instead of two per entry.
        const want = Math.min(
          seg.size - pos.off,
          Math.max(HEADER_BYTES, maxBytes - bytes) + HEADER_BYTES * 2 + 64 * 1024,
        );
        const chunk = Buffer.allocUnsafe(want);
        let fh: fs.FileHandle;
        try {
          fh = await fs.open(path.join(this.dir, segName(seg.id)), 'r');
        } catch {
          // evicted meanwhile: continue with the next segment
          pos = { seg: seg.id, off: seg.size };
          continue;
        }
        let got = 0;
        try {
          got = (await fh.read(chunk, 0, want, pos.off)).bytesRead;
        } finally {
          await fh.close();
        }
        let off = 0;
        let progressed = false;
        while (entries.length < maxEntries && off + HEADER_BYTES <= got) {
          const len = chunk.readUInt32LE(off);
          if (off + HEADER_BYTES + len > got) {
            if (!progressed && len > MAX_ENTRY_BYTES) {
              this.o.drops.drop('parse_error', 1, this.id);
              pos = { seg: seg.id, off: seg.size };
            } else if (!progressed) {
              // a single frame larger than the chunk: read exactly it
              const frame = Buffer.allocUnsafe(HEADER_BYTES + len);
              const h = await fs.open(path.join(this.dir, segName(seg.id)), 'r');
              try {
                await h.read(frame, 0, frame.length, pos.off);
              } finally {
                await h.close();
              }
              if (checkFrame(frame, 0).ok) {
                entries.push(frame.subarray(HEADER_BYTES));
                bytes += len;
                pos = { seg: seg.id, off: pos.off + HEADER_BYTES + len };
                progressed = true;
              } else {
                this.o.drops.drop('parse_error', 1, this.id);
                pos = { seg: seg.id, off: seg.size };
              }
            }
            break;
          }
          if (entries.length > 0 && bytes + len > maxBytes) return this.hand(entries, pos);
          if (!checkFrame(chunk, off).ok) {
            // Corrupted after open (disk error): skip the rest of this segment, counted.
            this.o.drops.drop('parse_error', 1, this.id);
            pos = { seg: seg.id, off: seg.size };
            break;
          }
          // A view, not a copy: the chunk is this read's own buffer and lives as long as the batch.
          entries.push(chunk.subarray(off + HEADER_BYTES, off + HEADER_BYTES + len));
          bytes += len;
          off += HEADER_BYTES + len;
          pos = { seg: seg.id, off: pos.off + HEADER_BYTES + len };
          progressed = true;
        }
        if (entries.length >= maxEntries || bytes >= maxBytes) break;
        if (!progressed && pos.off < seg.size) break;
      }
      return entries.length > 0 ? this.hand(entries, pos) : null;
    }
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
      else this.ackedEntriesInHead = countEntriesIn(batch, batch.end.seg);
      this.ackPos = batch.end;
      await this.persistAck();
      await this.deleteFinished();
    });
  }

  /**
   * Writes ack.json. On a full disk the position stays in memory (written at the next ack): a crash
   * before then re-sends, never loses; failing here would kill the delivery loop and never free space.
   */
  private async persistAck(): Promise<void> {
    try {
      await writeFileAtomic(path.join(this.dir, 'ack.json'), JSON.stringify(this.ackPos), { mode: 0o600 });
    } catch (err) {
      if (!isNoSpace(err)) throw err;
      this.o.logger.warn(`queue ${this.id}: disk full, the ack position is kept in memory until it can be written`);
    }
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
      await this.persistAck();
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

  private evictable(): Segment | undefined {
    const head = this.segments[0];
    if (!head || this.segments.length < 2 || this.reading) return undefined; // never the segment being written
    if (this.inFlight && this.inFlight.start.seg === head.id) return undefined; // never one being delivered
    return head;
  }

  evictOldest(): Promise<{ entries: number; bytes: number }> {
    const s = this.evictable();
    if (!s) return Promise.resolve({ entries: 0, bytes: 0 });
    // Runs inside append()'s serial section (quota.reserve), so it must not queue behind it.
    return (async () => {
      this.segments.shift();
      const unacked = s.id === this.ackPos.seg ? s.entries - this.ackedEntriesInHead : s.entries;
      await fs.rm(path.join(this.dir, segName(s.id)), { force: true });
      const next = this.segments[0]!;
      if (this.ackPos.seg <= s.id) {
        this.ackPos = { seg: next.id, off: 0 };
        this.ackedEntriesInHead = 0;
        await writeFileAtomic(path.join(this.dir, 'ack.json'), JSON.stringify(this.ackPos), { mode: 0o600 });
      }
      if (this.readPos.seg <= s.id) this.readPos = { ...this.ackPos };
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

interface Damage {
  from: number;
  to: number;
  frames: number;
}

/** Rewrites a segment without the damaged byte ranges (sorted, after the ack position); returns the new size. */
async function cutRanges(file: string, ranges: Damage[], validBytes: number): Promise<number> {
  const tmp = `${file}.repair`;
  const src = await fs.open(file, 'r');
  const dst = await fs.open(tmp, 'w', 0o600);
  let written = 0;
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    let pos = 0;
    for (const keep of [
      ...ranges.map((r, i) => ({ from: i === 0 ? 0 : ranges[i - 1]!.to, to: r.from })),
      { from: ranges[ranges.length - 1]!.to, to: validBytes },
    ]) {
      for (pos = keep.from; pos < keep.to;) {
        const { bytesRead } = await src.read(buf, 0, Math.min(READ_CHUNK, keep.to - pos), pos);
        if (bytesRead === 0) break;
        await dst.write(buf.subarray(0, bytesRead));
        pos += bytesRead;
        written += bytesRead;
      }
    }
    await dst.sync();
  } finally {
    await src.close();
    await dst.close();
  }
  await fs.rename(tmp, file);
  return written;
}

function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function countEntriesIn(batch: QueueBatch, seg: number): number {
  // Entries of the batch that lie in segment `seg` (the batch's end segment): those after its start there.
  if (batch.start.seg === seg) return batch.entries.length;
  let bytes = batch.end.off;
  let n = 0;
  for (let i = batch.entries.length - 1; i >= 0 && bytes > 0; i--) {
    bytes -= HEADER_BYTES + batch.entries[i]!.length;
    n++;
  }
  return n;
}
