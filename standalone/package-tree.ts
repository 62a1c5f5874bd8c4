// File helpers of the standalone shim (standalone/driver.ts): whether a path exists (without following a
// link), and copying an unpacked package tree into the extension directory, refusing symbolic links.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { StandaloneError } from './errors.js';

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Copies an unpacked package (regular files and directories only; a symlink is refused) into `dest`. */
export async function copyPackageTree(src: string, dest: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await fs.readdir(path.join(src, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isSymbolicLink())
        throw new StandaloneError(`${path.join(src, r)} is a symbolic link; refusing the package`);
      if (e.isDirectory()) {
        await fs.mkdir(path.join(dest, r), { mode: 0o755 });
        await walk(r);
      } else if (e.isFile()) {
        await fs.copyFile(path.join(src, r), path.join(dest, r), fsc.COPYFILE_EXCL);
        out.push(path.join(dest, r));
      }
    }
  };
  await walk('');
  return out;
}
