// Finding a tracked file's data under another name in its directory. (1) Rename rotation while the collector
// was down: the inode is looked for by its key (findMoved). (2) copytruncate: logrotate copies the file, then
// truncates it. Lines written after the tailer's last
// read and before the copy finished exist only in the copy. When a truncation is seen, the copy is looked for
// in the file's directory — a regular file created in the last minutes, another inode, larger than what was
// read, whose first bytes have the tracked fingerprint — and its rest is read before the file is read from 0.
// What the writer adds between the copy and the truncate is in neither file: that alone can be lost.
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileKey, fingerprintLength, fingerprintOf } from './fingerprinter.js';

/** A copy older than this (ctime) is not the one logrotate just made. */
const COPY_MAX_AGE_MS = 5 * 60_000;
/** Directory entries looked at, at most (a directory of 10,000 logs costs one bounded scan per truncation). */
const MAX_ENTRIES = 20_000;

/** Copies are regular files: never follow a link, never wait on a FIFO swapped in. */
export const NO_FOLLOW = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

export interface CopyCandidate {
  path: string;
  key: string;
  size: number;
}

/** The copy of the tracked file `key` (fingerprint `fp`, read up to `offset`), or undefined. */
export async function findCopy(
  dir: string,
  key: string,
  fp: string,
  offset: number,
): Promise<CopyCandidate | undefined> {
  const n = fingerprintLength(fp);
  if (n === 0) return undefined;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  const now = Date.now();
  const found: CopyCandidate[] = [];
  for (const name of names.slice(0, MAX_ENTRIES)) {
    const p = path.join(dir, name);
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st?.isFile() || fileKey(st) === key || st.size <= offset || now - st.ctimeMs > COPY_MAX_AGE_MS) continue;
    const fh = await fs.open(p, NO_FOLLOW).catch(() => undefined);
    if (!fh) continue;
    try {
      if ((await fingerprintOf(fh, n)) === fp) found.push({ path: p, key: fileKey(st), size: st.size });
    } finally {
      await fh.close();
    }
  }
  // Several copies with the same start (the file was copied twice): the longest holds the most.
  return found.sort((a, b) => b.size - a.size)[0];
}

/**
 * The tracked inode `key` under another name in `dir`, opened, if it still holds at least `offset` bytes
 * and its first bytes still have the fingerprint `fp` (a rotation while the collector was down).
 */
export async function findMoved(
  dir: string,
  key: string,
  fp: string,
  offset: number,
): Promise<{ path: string; fh: fs.FileHandle } | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names.slice(0, MAX_ENTRIES)) {
    const p = path.join(dir, name);
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st?.isFile() || fileKey(st) !== key) continue;
    const fh = await fs.open(p, NO_FOLLOW).catch(() => undefined);
    if (!fh) return undefined;
    const now = await fh.stat().catch(() => undefined);
    if (now && fileKey(now) === key && now.size >= offset && (await fingerprintOf(fh, fingerprintLength(fp))) === fp)
      return { path: p, fh };
    await fh.close();
    return undefined;
  }
  return undefined;
}
