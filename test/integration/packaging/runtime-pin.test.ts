// The bundled Node runtime is checked against the sha256 pinned in packaging/runtime-pins.ts at every
// build, a cached copy included: the real runtime (downloaded once into the repo's .cache) passes; a copy
// of that cache with one byte of bin/node changed (ELF header intact) fails the package build with an
// error naming the expected and the actual hash, and no ZIP is written.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
  closeSync,
  statSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPackage, zipFileName } from '../../../packaging/build-package.js';
import { findRepoRoot, hostArch, readProjectMetadata } from '../../../packaging/project-metadata.js';
import { runtimePin } from '../../../packaging/runtime-pins.js';
import { obtainNodeRuntime, runtimeCacheDir } from '../../../packaging/runtime.js';

const repoRoot = findRepoRoot(process.cwd());
const meta = readProjectMetadata(repoRoot);
const arch = hostArch();
const pin = runtimePin(meta.runtimeNodeVersion, arch);
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-runtime-pin-'));
  // Fills <repo>/.cache once (npm pack); later runs reuse it.
  const rt = await obtainNodeRuntime({
    arch,
    version: meta.runtimeNodeVersion,
    cacheRoot: path.join(repoRoot, '.cache'),
  });
  await rt.dispose();
}, 600_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cacheCopy(name: string): string {
  const cacheRoot = path.join(dir, name);
  cpSync(
    runtimeCacheDir(path.join(repoRoot, '.cache'), arch, meta.runtimeNodeVersion),
    runtimeCacheDir(cacheRoot, arch, meta.runtimeNodeVersion),
    { recursive: true },
  );
  return cacheRoot;
}

describe('runtime pinned by sha256', () => {
  test('the cached runtime matches the pin; the shipped copy lives in a private per-build dir', async () => {
    const cacheRoot = cacheCopy('good');
    const cached = path.join(runtimeCacheDir(cacheRoot, arch, meta.runtimeNodeVersion), 'node.npm');
    expect(createHash('sha256').update(readFileSync(cached)).digest('hex')).toBe(pin.nodeSha256);
    const rt = await obtainNodeRuntime({ arch, version: meta.runtimeNodeVersion, cacheRoot });
    expect(path.dirname(rt.nodePath).startsWith(os.tmpdir())).toBe(true);
    expect(statSync(path.dirname(rt.nodePath)).mode & 0o777).toBe(0o700);
    await rt.dispose();
    expect(existsSync(rt.nodePath)).toBe(false);
  }, 120_000);

  test('a tampered cached binary fails the build, naming expected and actual sha256; no ZIP is written', async () => {
    const cacheRoot = cacheCopy('tampered');
    const cached = path.join(runtimeCacheDir(cacheRoot, arch, meta.runtimeNodeVersion), 'node.npm');
    const size = statSync(cached).size;
    const fd = openSync(cached, 'r+');
    writeSync(fd, Buffer.from([0x90]), 0, 1, size - 1); // last byte: the ELF header still checks out
    closeSync(fd);
    const actual = createHash('sha256').update(readFileSync(cached)).digest('hex');
    expect(actual).not.toBe(pin.nodeSha256);
    const outDir = path.join(dir, 'out');
    await expect(
      buildPackage({ repoRoot, arch, outDir, cacheRoot, runtimeCompressionLevel: 1, log: () => undefined }),
    ).rejects.toThrow(`bin/node sha256 is ${actual}, expected ${pin.nodeSha256} (pinned in packaging/runtime-pins.ts)`);
    expect(existsSync(path.join(outDir, zipFileName(meta.version, arch)))).toBe(false);
  }, 120_000);
});
