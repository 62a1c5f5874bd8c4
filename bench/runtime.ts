// Which Node and which bundles the benchmark runs. Default: what ships — the extension ZIP packaged from
// the current dist/ (test/support/packaged-zip.ts, cached by content hash), unpacked into the bench's temp
// dir, its runtime for this CPU (runtime/linux-<arch>/node) running its dist/supervisor.mjs and dist/collector.mjs with the flags the product
// uses (agent/supervisor/node-flags.ts). `--dev-node`: this process's Node and the repo's dist/ instead.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { runtimeEntry } from '../packaging/build-package.js';
import { hostArch } from '../packaging/project-metadata.js';
import { extractZipSafely } from '../packaging/safe-extract.js';
import { packagedZip } from '../test/support/packaged-zip.js';
import { REPO } from '../test/support/collector-process.js';

export interface BenchRuntime {
  /** 'packaged' (the ZIP's runtime) or 'dev' (the development Node). */
  kind: 'packaged' | 'dev';
  nodePath: string;
  /** Directory with supervisor.mjs and collector.mjs. */
  distDir: string;
  nodeVersion: string;
  describe: string;
}

export async function benchRuntime(dir: string, devNode: boolean): Promise<BenchRuntime> {
  if (devNode) {
    return {
      kind: 'dev',
      nodePath: process.execPath,
      distDir: path.join(REPO, 'dist'),
      nodeVersion: process.version,
      describe: `development Node ${process.version} (${process.execPath}), dist/ bundles`,
    };
  }
  const zip = await packagedZip();
  const into = path.join(dir, 'package');
  mkdirSync(into, { recursive: true });
  await extractZipSafely(zip, into);
  const nodePath = path.join(into, runtimeEntry(hostArch()));
  chmodSync(nodePath, 0o755); // ZIP extraction restores no modes
  const nodeVersion = execFileSync(nodePath, ['--version'], { encoding: 'utf8' }).trim();
  return {
    kind: 'packaged',
    nodePath,
    distDir: path.join(into, 'dist'),
    nodeVersion,
    describe: `packaged ZIP's ${runtimeEntry(hostArch())} ${nodeVersion} and its dist/ bundles (${path.relative(REPO, zip)})`,
  };
}
