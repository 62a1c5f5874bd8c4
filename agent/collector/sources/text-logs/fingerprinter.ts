// File identity (the model is Vector's fingerprinter): a file is its `dev:ino` key plus a fingerprint of its
// first bytes, "<sha1 prefix>:<n>" of the first n ≤ 256 bytes. The key follows a file across renames; the
// fingerprint tells a reused inode or a file rewritten in place from the file read before (different first
// bytes → read from the start), and finds a file again by inode after a restart.
import type { promises as fs, Stats } from 'node:fs';
import { createHash } from 'node:crypto';

export const FINGERPRINT_BYTES = 256;

/** The identity of an opened file: device and inode (from fstat of the descriptor, never from a path). */
export function fileKey(st: Pick<Stats, 'dev' | 'ino'>): string {
  return `${st.dev}:${st.ino}`;
}

/** Fingerprint of the first `n` bytes read through the descriptor ('' when it cannot be read). */
export async function fingerprintOf(fh: fs.FileHandle, n: number): Promise<string> {
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return createHash('sha1').update(buf.subarray(0, bytesRead)).digest('hex').slice(0, 16) + `:${bytesRead}`;
  } catch {
    return '';
  }
}

/** How many bytes a fingerprint covers (0 for none). */
export function fingerprintLength(fp: string): number {
  return Number(fp.split(':')[1] ?? 0);
}
