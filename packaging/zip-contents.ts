// Reads a ZIP back with yauzl: the entry list (sizes, Unix modes, symlink flag) for size reports and
// checks, one entry's bytes, and an extraction that behaves like the guest agent's (Python zipfile):
// regular files only, stored modes ignored (files land 0644), with safe-extract.ts's guards.
import yauzl from 'yauzl';
import { extractZipSafely } from './safe-extract.js';

export interface ZipEntryInfo {
  path: string;
  uncompressedSize: number;
  compressedSize: number;
  /** Unix st_mode from the external attributes (0 when the creator was not Unix). */
  unixMode: number;
  isDirectory: boolean;
  isSymlink: boolean;
  lastModified: Date;
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

export async function listZipEntries(zipPath: string): Promise<ZipEntryInfo[]> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true });
  const entries: ZipEntryInfo[] = [];
  try {
    for await (const entry of zip.eachEntry()) {
      const madeByUnix = entry.versionMadeBy >> 8 === 3;
      const unixMode = madeByUnix ? entry.externalFileAttributes >>> 16 : 0;
      entries.push({
        path: entry.fileName,
        uncompressedSize: entry.uncompressedSize,
        compressedSize: entry.compressedSize,
        unixMode,
        isDirectory: entry.fileName.endsWith('/'),
        isSymlink: (unixMode & S_IFMT) === S_IFLNK,
        lastModified: entry.getLastModDate(),
      });
    }
  } finally {
    zip.close();
  }
  return entries;
}

export async function readZipEntry(zipPath: string, entryPath: string): Promise<Buffer> {
  const zip = await yauzl.openPromise(zipPath, { lazyEntries: true });
  try {
    for await (const entry of zip.eachEntry()) {
      if (entry.fileName !== entryPath) continue;
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.openReadStreamPromise(entry)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    }
  } finally {
    zip.close();
  }
  throw new Error(`${zipPath} has no entry ${entryPath}`);
}

/** Extracts every file as the guest agent does (files 0644), safely: see safe-extract.ts. */
export async function extractZip(zipPath: string, destDir: string): Promise<string[]> {
  return extractZipSafely(zipPath, destDir);
}
