// Which npm packages the shipped bundles contain, from esbuild's metafile of the real build
// (packaging/build.mjs, product entries, into a temp dir): prom-client is the collector's self-metrics
// library and must not be bundled into the handler or the supervisor, which never serve metrics; the
// collector still carries it (the check can see a package when it is there). And the two long-running
// bundles call no ICU-backed API: the first Intl, localeCompare, toLocale* or normalize call maps ICU's data
// into the process for good (+2.9 MB RSS for one localeCompare, +8.4 MB for Intl.DateTimeFormat on the
// bundled runtime, docs/performance.md). The supervisor does not load node:crypto either (OpenSSL's start-up:
// +3.6 MB RSS for an otherwise idle process; its random names come from /dev/urandom).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '../../../packaging/project-metadata.js';

const run = promisify(execFile);
const repoRoot = findRepoRoot(process.cwd());
let dir: string;
let packagesIn: (bundle: string) => Set<string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'oa-bundle-inputs-'));
  const metafile = path.join(dir, 'meta.json');
  await run(process.execPath, [path.join(repoRoot, 'packaging/build.mjs')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      OPEN_AMA_BUILD_OUTDIR: path.join(dir, 'dist'),
      OPEN_AMA_BUILD_ONLY: 'product',
      OPEN_AMA_BUILD_METAFILE: metafile,
    },
    maxBuffer: 16 * 1024 * 1024,
  });
  const meta = JSON.parse(await readFile(metafile, 'utf8')) as {
    outputs: Record<string, { entryPoint?: string; inputs: Record<string, unknown> }>;
  };
  packagesIn = (bundle) => {
    const out = Object.entries(meta.outputs).find(([file]) => path.basename(file) === bundle);
    if (!out) throw new Error(`no ${bundle} in the metafile`);
    const names = Object.keys(out[1].inputs)
      .map((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1])
      .filter((n): n is string => n !== undefined);
    return new Set(names);
  };
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('bundle inputs (esbuild metafile of the product build)', () => {
  test.each(['handler.mjs', 'supervisor.mjs'])('%s does not contain prom-client', (bundle) => {
    const packages = packagesIn(bundle);
    expect(packages.size).toBeGreaterThan(0); // execa, sonic-boom, … are there
    expect([...packages]).not.toContain('prom-client');
  });

  test('collector.mjs contains prom-client (its self-metrics)', () => {
    expect([...packagesIn('collector.mjs')]).toContain('prom-client');
  });

  test('supervisor.mjs does not import node:crypto', async () => {
    const code = await readFile(path.join(dir, 'dist', 'supervisor.mjs'), 'utf8');
    expect(code).toContain('"node:net"'); // the check sees built-in imports when they are there
    expect(code).not.toMatch(/["'](node:)?crypto["']/);
  });

  test.each(['supervisor.mjs', 'collector.mjs'])('%s calls no ICU-backed API', async (bundle) => {
    const code = await readFile(path.join(dir, 'dist', bundle), 'utf8');
    expect(code.length).toBeGreaterThan(10_000);
    expect(code.match(/\.localeCompare\(|\bIntl\.[A-Za-z]+|\.toLocale[A-Za-z]*\(|\.normalize\(/g) ?? []).toEqual([]);
  });
});
