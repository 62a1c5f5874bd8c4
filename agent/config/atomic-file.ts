// Atomic file writes: temp file in the same directory + fsync + rename (+ directory fsync).
// Readers never see a torn file; a crash leaves either the old or the new content.
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { randomHex } from './random-name.js';

export interface AtomicWriteOptions {
  /** File mode of the final file, e.g. 0o600 for files holding secrets. Default 0o644. */
  mode?: number;
  /** Create missing parent directories with this mode. Default: do not create. */
  mkdirMode?: number;
}

export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  if (options.mkdirMode !== undefined) await fs.mkdir(dir, { recursive: true, mode: options.mkdirMode });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomHex(4)}.tmp`);
  const mode = options.mode ?? 0o644;
  const handle = await fs.open(tmp, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // umask may have narrowed or the mode must be exact
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined); // the write's error is the one rethrown below
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDirectory(dir);
}

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const h = await fs.open(dir, fsConstants.O_RDONLY);
    try {
      await h.sync();
    } finally {
      await h.close();
    }
  } catch {
    // Some file systems refuse fsync on directories; the rename itself is still atomic.
  }
}
