// The developer tools are bundles too (dist/tools/*.mjs, built by packaging/build.mjs beside the product):
// each must load outside Jest and answer --help with exit 0. A tool bundle that imports test-only code
// (e.g. @jest/globals through a shared test helper) builds fine and then fails on its first line; this
// catches it, including `npm run bench`, which CI never runs.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { findRepoRoot } from '../../../packaging/project-metadata.js';

const run = promisify(execFile);
const repoRoot = findRepoRoot(process.cwd());
let dir: string;

beforeAll(async () => {
  // Inside the repository (under the ignored .cache/): the tools find the repository from their own path.
  await mkdir(path.join(repoRoot, '.cache'), { recursive: true });
  dir = await mkdtemp(path.join(repoRoot, '.cache', 'tool-bundles-'));
  await run(process.execPath, [path.join(repoRoot, 'packaging/build.mjs')], {
    cwd: repoRoot,
    env: { ...process.env, OPEN_AMA_BUILD_OUTDIR: path.join(dir, 'dist') },
    maxBuffer: 16 * 1024 * 1024,
  });
}, 120_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.each([
  ['bench.mjs', /usage: npm run bench -- \[--only=sustained,max,/],
  ['cli.mjs', /open-ama <command>/],
  ['package.mjs', /usage: package\.mjs/],
])('dist/tools/%s loads and answers --help', async (bundle, usage) => {
  const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'tools', bundle), '--help'], {
    cwd: repoRoot,
    timeout: 30_000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(stdout).toMatch(usage);
});

// bench/upper-bounds.mjs edits the collector's sources as it bundles them (docs/performance.md, the CPU upper
// bounds); it stops when a text it edits is no longer there exactly once. Run here, a change to that code
// shows up in CI instead of at the next measurement.
test('bench/upper-bounds.mjs builds its three measurement bundles from today’s sources', async () => {
  const out = path.join(dir, 'upper-bounds');
  const { stdout } = await run(process.execPath, [path.join(repoRoot, 'bench/upper-bounds.mjs'), out], {
    cwd: repoRoot,
    timeout: 60_000,
  });
  expect(stdout.trim().split('\n')).toHaveLength(3);
  const [a, b, c] = await Promise.all(['A', 'B', 'C'].map((n) => readFile(path.join(out, `${n}.mjs`), 'utf8')));
  for (const bundle of [a, b, c]) expect(bundle).toContain('__upperBoundTemplate');
  // B and C: parseMessage's fixed record around the line read as latin1 (nothing else in the collector reads latin1).
  expect(a).not.toContain('"latin1",');
  for (const bundle of [b, c]) expect(bundle).toContain('"latin1",');
  // The gzip level is a module constant; only C's is 0.
  const level = (bundle: string): string | undefined => /\{level:([\w$]+),strategy/.exec(bundle)?.[1];
  const value = (bundle: string): string | undefined =>
    new RegExp(`[\\s,;]${level(bundle)!.replace('$', '\\$')}=(\\d)[,;]`).exec(bundle)?.[1];
  expect([value(a), value(b), value(c)]).toEqual(['1', '1', '0']);
}, 90_000);
