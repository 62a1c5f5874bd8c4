// Unpredictable name parts (temp files, the control socket's private name) from the kernel's random
// source, /dev/urandom, without node:crypto: loading that module initialises OpenSSL, which costs the
// supervisor — a process that otherwise never needs it — 3.6 MB RSS on the bundled runtime
// (docs/performance.md). The collector loads node:crypto anyway for TLS; for it this is the same bytes.
import { promises as fs } from 'node:fs';

/** `bytes` random bytes as lowercase hex (2 × bytes characters). Throws if /dev/urandom cannot be read. */
export async function randomHex(bytes: number): Promise<string> {
  const handle = await fs.open('/dev/urandom', 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, null);
    if (bytesRead !== bytes) throw new Error(`/dev/urandom gave ${bytesRead} of ${bytes} bytes`);
    return buf.toString('hex');
  } finally {
    await handle.close();
  }
}
