// npm run build: bundles each entry point with esbuild into dist/ as a self-contained ES module
// (no node_modules needed at run time), plus the precompiled settings validators.
// Entry points that do not exist yet are skipped with a note, so partial trees still build.
import { build } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions } from './esbuild-options.mjs';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
// OPEN_AMA_BUILD_VERSION overrides the version stamped into the bundles (packaging two versions for update tests).
const version = process.env.OPEN_AMA_BUILD_VERSION || pkg.version;
// OPEN_AMA_BUILD_OUTDIR bundles somewhere other than dist/ (a staging dir for a packaged build).
const outdir = process.env.OPEN_AMA_BUILD_OUTDIR || join(repo, 'dist');
// OPEN_AMA_BUILD_ONLY=product skips the developer tools (the package step's staging builds).
const only = process.env.OPEN_AMA_BUILD_ONLY || 'all';
// OPEN_AMA_BUILD_METAFILE=<file> writes esbuild's metafile of the product bundles there (which module went
// into which bundle; test/integration/packaging/bundle-inputs.test.ts reads it).
const metafileOut = process.env.OPEN_AMA_BUILD_METAFILE;
if (metafileOut !== undefined && !metafileOut.endsWith('.json')) {
  // `=1` would write a file named "1" wherever the build runs.
  console.error(`build: OPEN_AMA_BUILD_METAFILE takes the path of a .json file to write, not "${metafileOut}"`);
  process.exit(2);
}

// Shipped in the extension ZIP.
const productEntries = {
  handler: 'handler/main.ts',
  supervisor: 'agent/supervisor/main.ts',
  collector: 'agent/collector/main.ts',
  standalone: 'standalone/main.ts',
  doctor: 'agent/doctor/main.ts',
};
// Developer tools (not shipped in the ZIP): the open-ama CLI, packaging, benchmarks.
const toolEntries = {
  'tools/cli': 'cli/main.ts',
  'tools/package': 'packaging/package.ts',
  'tools/bench': 'bench/main.ts',
};

async function bundle(entries, { minify, metafile }) {
  const present = Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(join(repo, src))));
  for (const [name, src] of Object.entries(entries)) {
    if (!present[name]) console.log(`build: skipping ${name} (${src} not present yet)`);
  }
  if (Object.keys(present).length === 0) return;
  const result = await build({
    ...bundleOptions({ repo, version, minify }),
    entryPoints: Object.fromEntries(Object.entries(present).map(([name, src]) => [name, join(repo, src)])),
    outdir,
    outExtension: { '.js': '.mjs' },
    sourcemap: 'linked',
    metafile: Boolean(metafile),
  });
  if (metafile) writeFileSync(metafile, JSON.stringify(result.metafile));
}

mkdirSync(outdir, { recursive: true });
// Precompiled ajv validators (settings-schemas/compile.mjs) are generated before bundling.
if (existsSync(join(repo, 'settings-schemas/compile.mjs'))) {
  const { compileSchemas } = await import('../settings-schemas/compile.mjs');
  await compileSchemas(repo);
}
await bundle(productEntries, { minify: true, metafile: metafileOut });
if (only !== 'product') await bundle(toolEntries, { minify: false });
console.log(`build: open-ama ${version} bundled into ${outdir}`);
