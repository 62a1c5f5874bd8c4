// Reads the next entries of a lane's queue from its segment files: one read of up to the byte budget
// per segment, parsed in memory (a couple of syscalls per batch, not two per entry), entries returned as
// views of that read's buffer. Frames from an earlier run are CRC-checked again (a frame found corrupt
// after open, a disk error, skips the rest of its segment, counted through onCorrupt); frames this
// process appended itself (segment.ts `ownFrom`) have their length checked, not their CRC. A segment
// deleted meanwhile (evicted) is skipped. With a `scratch` buffer, the first segment's read goes into it
// (kept between reads: a fresh ~1 MiB buffer per read page-faulted as the kernel filled it); the views
// handed out are then valid only until the caller's next read, which the queue allows only after the
// batch was acknowledged or released (one batch in flight). A read reaching into further segments gets a
// fresh buffer for each of them.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { checkFrame, HEADER_BYTES, MAX_ENTRY_BYTES } from './framing.js';
import type { ScratchBuffer } from './scratch-buffer.js';
import { segName, type QueuePosition, type Segment } from './segment.js';

export interface ReadLimits {
  maxBytes: number;
  maxEntries: number;
}

/** Entries after `from` (≤ maxBytes of payload, at least one if any) and the position after the last. */
export async function readEntries(
  dir: string,
  segments: readonly Segment[],
  from: QueuePosition,
  { maxBytes, maxEntries }: ReadLimits,
  onCorrupt: () => void,
  scratch?: ScratchBuffer,
): Promise<{ entries: Buffer[]; end: QueuePosition }> {
  let pos = { ...from };
  let chunks = 0;
  const entries: Buffer[] = [];
  let bytes = 0;
  while (entries.length < maxEntries) {
    const seg = segments.find((s) => s.id === pos.seg);
    if (!seg) break;
    if (pos.off >= seg.size) {
      const next = segments.find((s) => s.id > pos.seg);
      if (!next) break;
      pos = { seg: next.id, off: 0 };
      continue;
    }
    // Up to the byte budget, plus room for one frame header.
    const want = Math.min(seg.size - pos.off, Math.max(HEADER_BYTES, maxBytes - bytes) + HEADER_BYTES * 2 + 64 * 1024);
    const chunk = scratch && chunks === 0 ? scratch.take(want) : Buffer.allocUnsafe(want);
    chunks++;
    let fh: fs.FileHandle;
    try {
      fh = await fs.open(path.join(dir, segName(seg.id)), 'r');
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
          onCorrupt();
          pos = { seg: seg.id, off: seg.size };
        } else if (!progressed) {
          // a single frame larger than the chunk: read exactly it
          const frame = Buffer.allocUnsafe(HEADER_BYTES + len);
          const h = await fs.open(path.join(dir, segName(seg.id)), 'r');
          try {
            await h.read(frame, 0, frame.length, pos.off);
          } finally {
            await h.close();
          }
          if (checkFrame(frame, 0, !isOwn(seg, pos.off)).ok) {
            entries.push(frame.subarray(HEADER_BYTES));
            bytes += len;
            pos = { seg: seg.id, off: pos.off + HEADER_BYTES + len };
            progressed = true;
          } else {
            onCorrupt();
            pos = { seg: seg.id, off: seg.size };
          }
        }
        break;
      }
      if (entries.length > 0 && bytes + len > maxBytes) return { entries, end: pos };
      if (!checkFrame(chunk, off, !isOwn(seg, pos.off)).ok) {
        // Corrupted after open (disk error): skip the rest of this segment, counted.
        onCorrupt();
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
  return { entries, end: pos };
}

/** True when the frame at `off` of `seg` was appended by this process in this run. */
function isOwn(seg: Segment, off: number): boolean {
  return seg.ownFrom !== undefined && off >= seg.ownFrom;
}

/** Entries of `batch` that lie in segment `seg` (the batch's end segment): those after its start there. */
export function entriesInEndSegment(
  batch: { entries: Buffer[]; start: QueuePosition; end: QueuePosition },
  seg: number,
): number {
  if (batch.start.seg === seg) return batch.entries.length;
  let bytes = batch.end.off;
  let n = 0;
  for (let i = batch.entries.length - 1; i >= 0 && bytes > 0; i--) {
    bytes -= HEADER_BYTES + batch.entries[i]!.length;
    n++;
  }
  return n;
}
