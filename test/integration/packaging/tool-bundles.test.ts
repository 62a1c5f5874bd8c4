// The developer tools are bundles too (dist/tools/*.mjs, built by packaging/build.mjs beside the product):
// each must load outside Jest and answer --help with exit 0. A tool bundle that imports test-only code
// (e.g. @jest/globals through a shared test helper) builds fine and then fails on its first line; this
// catches it, including `npm run bench`, which CI never runs.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
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
