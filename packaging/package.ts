// `npm run package` (dist/tools/package.mjs): builds dist/open-ama-<version>-linux.zip (both runtimes) and
// its ExtensionImage.xml. Options: --arch x64|arm64 (one runtime only: open-ama-<version>-linux-<arch>.zip), --version X (rebuild the bundles with
// that stamp), --out DIR (default dist/), --media-link URL (for ExtensionImage.xml). Exit 1 on failure.
import { parseArgs } from 'node:util';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPackage } from './build-package.js';
import { findRepoRoot, parseArch } from './project-metadata.js';

const USAGE = 'usage: package.mjs [--arch x64|arm64] [--version X.Y.Z] [--out DIR] [--media-link URL]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      arch: { type: 'string' },
      version: { type: 'string' },
      out: { type: 'string' },
      'media-link': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const started = Date.now();
  const result = await buildPackage({
    repoRoot,
    ...(values.arch ? { arch: parseArch(values.arch) } : {}),
    ...(values.version ? { version: values.version } : {}),
    ...(values.out ? { outDir: path.resolve(values.out) } : {}),
    ...(values['media-link'] ? { mediaLink: values['media-link'] } : {}),
  });
  console.log(
    `package: open-ama ${result.version} linux (${result.arches.join(' + ')}) done in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}

main().catch((err: unknown) => {
  console.error(`package: ${err instanceof Error ? err.message : String(err)}`);
  console.error(USAGE);
  process.exit(1);
});
