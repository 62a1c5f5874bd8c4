// Entry framing in queue segments: [u32 LE payload length][u32 LE crc32(payload)][payload].
// A frame whose length is implausible (0, or over the maximum) or whose CRC does not match is damaged.
import { crc32 } from 'node:zlib';

export const HEADER_BYTES = 8;
/** Larger than any entry we write (records ≤ 1 MB after field truncation); guards against garbage lengths. */
export const MAX_ENTRY_BYTES = 16 * 1024 * 1024;

/**
 * The output buffer of the encoders, kept between calls. A fresh Buffer of a few hundred KiB per batch
 * is fresh memory from the OS, and writing into it page-faults every 4 KiB: in a micro-run that cost
 * ~0.8 µs a record, ten times the write itself. Only for a caller that is done with the previous frames
 * before it encodes the next (the queue's serial section); batches over `maxKeepBytes` get their own.
 */
export class FrameBuffer {
  private buf = Buffer.alloc(0);
  constructor(private readonly maxKeepBytes = 1024 * 1024) {}

  /** A buffer of exactly `size` bytes (contents undefined); valid until the next call. */
  take(size: number): Buffer {
    if (size > this.maxKeepBytes) return Buffer.allocUnsafe(size);
    if (this.buf.length < size)
      this.buf = Buffer.allocUnsafe(Math.min(this.maxKeepBytes, Math.max(size, 2 * this.buf.length)));
    return this.buf.subarray(0, size);
  }
}

export function encodeFrames(payloads: Buffer[], into?: FrameBuffer): Buffer {
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

/** encodeFrames() for payloads given as strings (UTF-8): written straight into the frame buffer. */
export function encodeStringFrames(payloads: readonly string[], into?: FrameBuffer): Buffer {
  let total = 0;
  for (const p of payloads) total += HEADER_BYTES + Buffer.byteLength(p);
  const out = into ? into.take(total) : Buffer.allocUnsafe(total);
  let off = 0;
  for (const p of payloads) {
    const start = off + HEADER_BYTES;
    const n = out.write(p, start);
    out.writeUInt32LE(n, off);
    out.writeUInt32LE(crc32(out.subarray(start, start + n)), off + 4);
    off = start + n;
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
