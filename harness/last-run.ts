// Keeps what the harness main job collected after its simulated VM root is deleted: the file destination's
// output (one <destination>.<stream>.jsonl per stream), the status files and the heartbeat are copied into
// <repo>/.cache/harness/last-run/ — inside the user's own checkout, not a predictable name in /tmp — replaced
// by each run. The directory is created fresh (0700; a symlink left in its place is removed, never followed),
// files are created exclusively (0600).
import { constants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ExtensionLayout } from './layout.js';

export interface KeptRun {
  dir: string;
  /** Stream name → its kept .jsonl file. */
  streams: Map<string, string>;
}

async function copyInto(src: string, dir: string): Promise<string | undefined> {
  const dst = path.join(dir, path.basename(src));
  try {
    await fs.copyFile(src, dst, constants.COPYFILE_EXCL);
    await fs.chmod(dst, 0o600);
    return dst;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

export async function keepLastRun(root: string, layout: ExtensionLayout, repoRoot: string): Promise<KeptRun> {
  const parent = path.join(repoRoot, '.cache', 'harness');
  await fs.mkdir(parent, { recursive: true });
  const dir = path.join(parent, 'last-run');
  await fs.rm(dir, { recursive: true, force: true }); // removes a symlink itself, not what it points to
  await fs.mkdir(dir, { mode: 0o700 });
  const streams = new Map<string, string>();
  const outDir = path.join(root, 'var/opt/open-ama/out');
  for (const name of await fs.readdir(outDir).catch(() => [] as string[])) {
    const m = /^[^.]+\.(.+)\.jsonl$/.exec(name);
    if (!m) continue;
    const kept = await copyInto(path.join(outDir, name), dir);
    if (kept) streams.set(m[1]!, kept);
  }
  for (const name of await fs.readdir(layout.statusFolder).catch(() => [] as string[]))
    await copyInto(path.join(layout.statusFolder, name), dir);
  await copyInto(layout.heartbeatFile, dir);
  return { dir, streams };
}
