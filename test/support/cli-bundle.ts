// Test support: the real `open-ama` CLI (cli/main.ts) bundled with esbuild the way packaging/build.mjs does
// (same banner, the version stamped from package.json), into a test's own temp dir, so a test runs the
// current sources as a child process without depending on a fresh dist/.
import * as path from 'node:path';
import { build } from 'esbuild';
import { findRepoRoot, readProjectMetadata } from '../../packaging/project-metadata.js';

export const REPO_ROOT = findRepoRoot(path.dirname(new URL(import.meta.url).pathname));

/** Bundles `entry` (default cli/main.ts) to <dir>/cli.mjs and returns that path. */
export async function bundleCli(dir: string, entry = 'cli/main.ts'): Promise<string> {
  const outfile = path.join(dir, 'cli.mjs');
  await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [path.join(REPO_ROOT, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    define: { __OPEN_AMA_VERSION__: JSON.stringify(readProjectMetadata(REPO_ROOT).version) },
    logLevel: 'error',
  });
  return outfile;
}
