// A byte buffer kept between calls, for a hot path that builds one large buffer at a time and is done with
// it before it builds the next (the queue's frame encoding, the request's uncompressed JSON array). A fresh
// Buffer of a few hundred KiB per batch is fresh memory from the OS, and writing into it page-faults every
// 4 KiB: in a micro-run that cost ~0.8 µs a record, ten times the write itself (docs/performance.md).
// Requests over `maxKeepBytes` get a buffer of their own, so one huge batch does not stay resident.
export class ScratchBuffer {
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
