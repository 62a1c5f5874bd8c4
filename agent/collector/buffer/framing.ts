// Entry framing in queue segments: [u32 LE payload length][u32 LE crc32(payload)][payload].
// A frame whose length is implausible (0, or over the maximum) or whose CRC does not match is damaged.
import { crc32 } from 'node:zlib';
import type { ScratchBuffer } from './scratch-buffer.js';

export const HEADER_BYTES = 8;
/** Larger than any entry we write (records ≤ 1 MB after field truncation); guards against garbage lengths. */
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

export function encodeFrames(payloads: Buffer[], into?: ScratchBuffer): Buffer {
  const total = payloads.reduce((n, p) => n + HEADER_BYTES + p.length, 0);
  const out = into ? into.take(total) : Buffer.allocUnsafe(total);
  let off = 0;
  for (const p of payloads) {
    out.writeUInt32LE(p.length, off);
    out.writeUInt32LE(crc32(p), off + 4);
    p.copy(out, off + HEADER_BYTES);
    off += HEADER_BYTES + p.length;
  }
  return out;
}

export type FrameCheck = { ok: true; length: number } | { ok: false; reason: 'short' | 'length' | 'crc' };

/**
 * Checks the frame at `off` in `buf` (which must hold at least the header, ideally the payload).
 * `verifyCrc` false checks only the length (frames this process appended itself: segment.ts `ownFrom`).
 */
export function checkFrame(buf: Buffer, off: number, verifyCrc = true): FrameCheck {
  if (buf.length - off < HEADER_BYTES) return { ok: false, reason: 'short' };
  const length = buf.readUInt32LE(off);
  // Never written (a record is at least "{}"); zero-filled blocks after a power loss would pass the CRC.
  if (length === 0 || length > MAX_ENTRY_BYTES) return { ok: false, reason: 'length' };
  if (buf.length - off < HEADER_BYTES + length) return { ok: false, reason: 'short' };
  if (!verifyCrc) return { ok: true, length };
  const expected = buf.readUInt32LE(off + 4);
  if (crc32(buf.subarray(off + HEADER_BYTES, off + HEADER_BYTES + length)) !== expected)
    return { ok: false, reason: 'crc' };
  return { ok: true, length };
}
