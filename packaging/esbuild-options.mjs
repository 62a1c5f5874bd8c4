// The esbuild options every bundle of this repository is built with: one self-contained ES module for Node,
// `require` available to bundled CommonJS code, the version stamped in. packaging/build.mjs builds the
// product and the tools with them; bench/upper-bounds.mjs builds its measurement-only collectors the same way.

/** Gives the bundled CommonJS modules a `require` (ES modules have none). */
const banner = {
  js: [
    "import { createRequire as __openAmaCreateRequire } from 'node:module';",
    'const require = __openAmaCreateRequire(import.meta.url);',
  ].join('\n'),
};

/** Options shared by every bundle; the caller adds its entry points, output and extras. */
export function bundleOptions({ repo, version, minify }) {
  return {
    absWorkingDir: repo,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    banner,
    minify,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __OPEN_AMA_VERSION__: JSON.stringify(version) },
  };
}
