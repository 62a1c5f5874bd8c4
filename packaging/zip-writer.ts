// Writes a deterministic ZIP with yazl: entries in the order given, one fixed DOS timestamp and no
// extended-time field (so the bytes depend neither on the build time nor its time zone), Unix mode
// bits in the external attributes (the guest agent ignores them and runs chmod u+x; unzip honours
// them), a deflate level per entry. Written to a temp name and renamed, so a ZIP on disk is complete.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

export interface ZipEntry {
  /** Path inside the ZIP, forward slashes, no leading slash. */
  path: string;
  /** Exactly one of file (path on disk) or data. */
  file?: string;
  data?: Buffer;
  executable: boolean;
  /** zlib deflate level 0–9 (0 = stored). */
  compressionLevel: number;
}

export const EXECUTABLE_MODE = 0o100755;
export const REGULAR_MODE = 0o100644;

/** Local-time constructor on purpose: yazl encodes DOS date/time from local fields. */
const FIXED_MTIME = new Date(2000, 0, 1, 0, 0, 0);

export async function writeZip(entries: readonly ZipEntry[], dest: string): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) {
    const options = {
      mtime: FIXED_MTIME,
      forceDosTimestamp: true,
      mode: entry.executable ? EXECUTABLE_MODE : REGULAR_MODE,
      compressionLevel: entry.compressionLevel,
    };
    if (entry.file !== undefined) zip.addFile(entry.file, entry.path, options);
    else if (entry.data !== undefined) zip.addBuffer(entry.data, entry.path, options);
    else throw new Error(`zip entry ${entry.path} has neither file nor data`);
  }
  zip.end();
  const tmp = `${dest}.tmp-${process.pid}`;
  try {
    await pipeline(zip.outputStream, createWriteStream(tmp));
    await rename(tmp, dest);
  } finally {
    await rm(tmp, { force: true });
  }
}
