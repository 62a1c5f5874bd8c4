// Opening a lane's queue after a restart or crash: every segment is scanned with a bounded window
// buffer (memory use is independent of the backlog size); segments before the ack position are
// deleted; a torn or corrupt tail is truncated and a damaged range in the middle is cut out, both
// counted (drop reason "parse_error") and logged, never a crash. The records after a damaged range
// are kept. Bytes before the ack position were delivered already, so damage there costs nothing.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../../telemetry/index.js';
import type { DropCounter } from '../pipeline/index.js';
import { checkFrame, HEADER_BYTES, MAX_ENTRY_BYTES } from './framing.js';
import { READ_CHUNK, SEGMENT_FILE, type QueuePosition, type Segment } from './segment.js';

export interface RecoveredSegments {
  /** Oldest first; never empty (an empty queue gets an empty segment at the ack position). */
  segments: Segment[];
  ackPos: QueuePosition;
  /** Entries of the head segment before the ack position (already delivered). */
  ackedEntriesInHead: number;
}

interface Damage {
  from: number;
  to: number;
  frames: number;
}

/** Scans and repairs the segments in `dir` given the persisted ack position (if any). */
export async function recoverSegments(
  dir: string,
  persistedAck: QueuePosition | undefined,
  o: { laneId: string; drops: DropCounter; logger: Logger },
): Promise<RecoveredSegments> {
  const names = (await fs.readdir(dir)).filter((n) => SEGMENT_FILE.test(n)).sort();
  let ackPos = persistedAck ?? { seg: 1, off: 0 };
  let ackedEntriesInHead = 0;
  const segments: Segment[] = [];
  for (const name of names) {
    const id = Number(name.slice(0, 8));
    const file = path.join(dir, name);
    if (id < ackPos.seg) {
      await fs.rm(file, { force: true });
      continue;
    }
    const ackOff = id === ackPos.seg ? ackPos.off : 0;
    const { validBytes, entries, entriesBeforeAck, corrupt, damaged } = await scan(file, ackOff);
    const st = await fs.stat(file);
    let size = validBytes;
    if (corrupt) {
      await fs.truncate(file, validBytes);
      o.drops.drop('parse_error', 1, o.laneId);
      o.logger.warn(
        `queue ${o.laneId}: ${name} had a torn or corrupt tail; truncated ${st.size - validBytes} bytes at offset ${validBytes}`,
      );
    }
    // Damage in the middle: cut only the damaged bytes after the ack position (before it, all was delivered).
    const cut = damaged.filter((d) => d.to > ackOff).map((d) => ({ ...d, from: Math.max(d.from, ackOff) }));
    if (cut.length > 0) {
      size = await cutRanges(file, cut, validBytes);
      const lost = cut.reduce((n, d) => n + d.frames, 0);
      o.drops.drop('parse_error', lost, o.laneId);
      o.logger.warn(
        `queue ${o.laneId}: ${name} had ${cut.length} damaged range(s) (${validBytes - size} bytes, ~${lost} record(s)); cut them and kept the records after them`,
      );
    }
    segments.push({ id, size, entries, createdAt: st.mtimeMs });
    if (id === ackPos.seg) ackedEntriesInHead = entriesBeforeAck;
  }
  if (segments.length === 0) {
    const id = Math.max(1, ackPos.seg);
    ackPos = { seg: id, off: 0 };
    segments.push({ id, size: 0, entries: 0, createdAt: Date.now() });
  } else if (ackPos.seg < segments[0]!.id) {
    ackPos = { seg: segments[0]!.id, off: 0 };
  }
  return { segments, ackPos, ackedEntriesInHead };
}

/**
 * Walks frames with a bounded window buffer; returns the valid prefix length and entry counts. A bad
 * frame followed by valid ones is a damaged range (skipped to the next frame whose length and CRC
 * check out); a bad frame with nothing valid after it is a torn or corrupt tail.
 */
async function scan(
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

/** Rewrites a segment without the damaged byte ranges (sorted, after the ack position); returns the new size. */
async function cutRanges(file: string, ranges: Damage[], validBytes: number): Promise<number> {
  const tmp = `${file}.repair`;
  const src = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  // A leftover .repair (a crash mid-repair, or anything else at that name) is removed, not followed or reused.
  await fs.rm(tmp, { force: true });
  const dst = await fs.open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
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
