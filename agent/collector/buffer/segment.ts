// A lane's queue on disk: numbered segment files (00000001.seg, …) of length + CRC32 frames
// (framing.ts), and the positions within them. Shared by the facade (disk-queue.ts), recovery, the
// reader and the ack ledger.

/** A byte position in the queue: segment id and offset in it (always at a frame boundary). */
export interface QueuePosition {
  seg: number;
  off: number;
}

/** Entries handed to the delivery worker, from `start` up to `end`; acked or released as a whole. */
export interface QueueBatch {
  /** Views of the queue's read buffer: valid until the batch is acknowledged or released. */
  entries: Buffer[];
  start: QueuePosition;
  end: QueuePosition;
}

export interface Segment {
  id: number;
  /** Bytes of valid frames. */
  size: number;
  entries: number;
  createdAt: number;
  /**
   * Frames at or after this offset were appended by this process in this run (their CRC was computed
   * from the bytes in memory a moment ago), so reading them back checks their length but not their CRC.
   * Undefined: every frame is CRC-checked on read (segments from an earlier run; recovery checked them
   * too at open).
   */
  ownFrom?: number;
}

/** Read window of the recovery scan and the repair copy: memory use is independent of the backlog. */
export const READ_CHUNK = 256 * 1024;

export const segName = (id: number): string => `${String(id).padStart(8, '0')}.seg`;

export const SEGMENT_FILE = /^\d{8}\.seg$/;

/** ENOSPC or EDQUOT: the device or the user's quota is full. */
export function isNoSpace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}
