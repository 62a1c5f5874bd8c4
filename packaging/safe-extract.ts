// Extracts a ZIP without trusting it or the destination (harness and packaging tests unpack packages
// as root): an entry name that is absolute, has a `..` segment, a backslash or a NUL is refused; every
// directory on the way is created by us and must be a real directory (lstat, so a symlink planted
// there is refused, not followed); every file is opened O_CREAT|O_EXCL|O_NOFOLLOW (never written
// through an existing file or symlink); the bytes actually inflated are counted against a total cap.
// Files land 0644 (stored modes are ignored, like the guest agent's Python zipfile).
import { constants as fsc } from 'node:fs';
import { lstat, mkdir, open } from 'node:fs/promises';
import * as path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

/** Far above a package (≈ 125 MiB uncompressed), far below what fills a disk. */
export const DEFAULT_MAX_EXTRACTED_BYTES = 512 * 1024 * 1024;

export interface ExtractOptions {
  /** Total uncompressed bytes allowed across all entries (default DEFAULT_MAX_EXTRACTED_BYTES). */
  maxTotalBytes?: number;
}

/** The entry name's segments, or an error saying why the name is refused. */
export function entrySegments(name: string): string[] {
  const refuse = (why: string): never => {
    throw new Error(`zip entry ${JSON.stringify(name)} refused: ${why}`);
  };
  if (name.length === 0) refuse('empty name');
  if (name.includes('\0')) refuse('NUL in the name');
  if (name.includes('\\')) refuse('backslash in the name');
  if (name.startsWith('/')) refuse('absolute path');
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) refuse('".." path segment');
  if (segments.length === 0) refuse('names no file');
  return segments;
}

/** mkdir each segment under root (0755) and require a real directory there (a symlink is refused). */
async function ensureDirs(root: string, segments: string[]): Promise<string> {
  let dir = root;
  for (const seg of segments) {
    dir = path.join(dir, seg);
    await mkdir(dir, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    const st = await lstat(dir);
    if (!st.isDirectory())
      throw new Error(
        `${dir} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; refusing to extract into it`,
      );
  }
  return dir;
}

/** Extracts every entry of zipPath under destDir (created if missing; must be a real directory); returns the files written. */
export async function extractZipSafely(zipPath: string, destDir: string, o: ExtractOptions = {}): Promise<string[]> {
  const max = o.maxTotalBytes ?? DEFAULT_MAX_EXTRACTED_BYTES;
  const root = path.resolve(destDir);
  await mkdir(root, { recursive: true, mode: 0o755 });
  const rootStat = await lstat(root);
  if (!rootStat.isDirectory()) throw new Error(`${root} is not a directory (a symlink is not followed)`);
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true, validateEntrySizes: true });
  const written: string[] = [];
  let total = 0;
  const overCap = (name: string): Error =>
    new Error(`${zipPath}: more than ${max} bytes uncompressed (at entry ${JSON.stringify(name)}); refusing`);
  try {
    for await (const entry of zip.eachEntry()) {
      const segments = entrySegments(entry.fileName);
      const isDir = entry.fileName.endsWith('/');
      if (isDir) {
        await ensureDirs(root, segments);
        continue;
      }
      if (total + entry.uncompressedSize > max) throw overCap(entry.fileName);
      const dir = await ensureDirs(root, segments.slice(0, -1));
      const target = path.join(dir, segments[segments.length - 1]!);
      const fh = await open(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o644).catch(
        (err: NodeJS.ErrnoException) => {
          const why = err.code === 'EEXIST' ? 'it already exists (file or symlink); not overwritten' : err.message;
          throw new Error(`zip entry ${JSON.stringify(entry.fileName)}: cannot create ${target}: ${why}`);
        },
      );
      written.push(target);
      const name = entry.fileName;
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          total += chunk.length;
          done(total > max ? overCap(name) : null, chunk);
        },
      });
      try {
        await pipeline(await zip.openReadStreamPromise(entry), counter, fh.createWriteStream());
      } finally {
        await fh.close().catch(() => undefined);
      }
    }
  } finally {
    zip.close();
  }
  return written;
}
