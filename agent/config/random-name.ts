// Unpredictable name parts (temp files, the control socket's private name) from the kernel's random
// source, /dev/urandom, without node:crypto: loading that module initialises OpenSSL, which costs the
// supervisor — a process that otherwise never needs it — 3.6 MB RSS on the bundled runtime
// (docs/performance.md). The collector loads node:crypto anyway for TLS; for it this is the same bytes.
// Read synchronously: a character device that never waits for a disk, a few bytes, and no trip through
// libuv's thread pool (which fsyncs on a slow disk can keep busy).
import { closeSync, openSync, readSync } from 'node:fs';

/** `bytes` random bytes as lowercase hex (2 × bytes characters). Throws if /dev/urandom cannot be read. */
export function randomHex(bytes: number): string {
  const fd = openSync('/dev/urandom', 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const got = readSync(fd, buf, 0, bytes, null);
    if (got !== bytes) throw new Error(`/dev/urandom gave ${got} of ${bytes} bytes`);
    return buf.toString('hex');
  } finally {
    closeSync(fd);
  }
}
