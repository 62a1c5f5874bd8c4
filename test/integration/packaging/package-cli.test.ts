// dist/tools/package.mjs as a release engineer runs it: `--version 9.9.9 --out DIR` rebuilds the bundles
// with that stamp and packages them with production settings; an invalid version is refused up front.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { extensionImageFileName } from '../../../packaging/extension-image.js';
import { runtimeEntry } from '../../../packaging/build-package.js';
import { ARCHES, findRepoRoot } from '../../../packaging/project-metadata.js';
import { listZipEntries, readZipEntry } from '../../../packaging/zip-contents.js';

const run = promisify(execFile);
const repoRoot = findRepoRoot(process.cwd());
const packageTool = path.join(repoRoot, 'dist', 'tools', 'package.mjs');
let out: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'open-ama-package-cli-'));
  if (!existsSync(packageTool))
    await run(process.execPath, [path.join(repoRoot, 'packaging', 'build.mjs')], { cwd: repoRoot });
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('package.mjs --version', () => {
  it('stamps 9.9.9 into VERSION, the bundles and ExtensionImage.xml, and reports the ZIP and part sizes', async () => {
    const { stdout } = await run(process.execPath, [packageTool, '--version', '9.9.9', '--out', out], {
      cwd: repoRoot,
      maxBuffer: 16 * 1024 * 1024,
    });
    const zip = path.join(out, 'open-ama-9.9.9-linux.zip');
    expect((await readZipEntry(zip, 'VERSION')).toString()).toBe('9.9.9\n');
    expect((await readZipEntry(zip, 'dist/handler.mjs')).toString()).toContain('"9.9.9"');
    expect(await readFile(path.join(out, extensionImageFileName('9.9.9')), 'utf8')).toContain(
      '<Version>9.9.9</Version>',
    );
    expect(stdout).toMatch(/ZIP \d+\.\d MiB \(\d+ bytes\)/);
    for (const part of [
      'runtime/linux-x64/node',
      'runtime/linux-arm64/node',
      'dist/handler.mjs',
      'dist/*.mjs.map',
      'settings-schemas/*.json',
    ])
      expect(stdout).toContain(part);
    // Production settings: the runtimes are deflated (not stored) and the entries match the test-helper ZIP layout.
    for (const arch of ARCHES) {
      const runtime = (await listZipEntries(zip)).find((e) => e.path === runtimeEntry(arch))!;
      expect(runtime.compressedSize).toBeLessThan(runtime.uncompressedSize * 0.5);
    }
  }, 600_000);

  it('refuses a version the guest agent cannot use in a directory name, before building anything', async () => {
    const failure = await run(process.execPath, [packageTool, '--version', '1.0.0-beta', '--out', out], {
      cwd: repoRoot,
    }).then(
      () => undefined,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('is not an extension version');
    expect(existsSync(path.join(out, 'open-ama-1.0.0-beta-linux.zip'))).toBe(false);
  });
});
