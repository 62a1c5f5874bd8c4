// handler/ops/runtime-select.ts and installBinaries with an injected architecture: from a package carrying
// runtime/linux-x64/node and runtime/linux-arm64/node (ELF headers with the real machine numbers), arm64 is
// chosen on aarch64 and x64 on x86_64, only that runtime is copied into place, any other CPU is refused with
// UNSUPPORTED_ARCH (exit 51), a runtime whose ELF machine does not match its slot is refused, and a package
// without per-architecture runtimes (development layout) keeps the runtime running the handler.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths } from '../../../agent/config/index.js';
import type { PackageLayout } from '../../../handler/context.js';
import { HandlerError } from '../../../handler/errors.js';
import { installBinaries } from '../../../handler/ops/installed-binaries.js';
import { chooseRuntime, runtimeDirFor } from '../../../handler/ops/runtime-select.js';
import { ELF_MACHINE } from '../../../packaging/elf.js';

let dir: string;
let layout: PackageLayout;

function elf(machine: number, tag: string): Buffer {
  const head = Buffer.alloc(64);
  head.write('\x7fELF', 0, 'latin1');
  head.set([2, 1, 1], 4);
  head.writeUInt16LE(machine, 18);
  return Buffer.concat([head, Buffer.from(tag)]);
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-runtime-select-'));
  const ext = path.join(dir, 'ext');
  for (const [slot, machine] of [
    ['linux-x64', ELF_MACHINE.x64],
    ['linux-arm64', ELF_MACHINE.arm64],
  ] as const) {
    mkdirSync(path.join(ext, 'runtime', slot), { recursive: true });
    writeFileSync(path.join(ext, 'runtime', slot, 'node'), elf(machine, slot), { mode: 0o755 });
  }
  mkdirSync(path.join(ext, 'dist'));
  for (const b of ['supervisor.mjs', 'collector.mjs']) writeFileSync(path.join(ext, 'dist', b), `// ${b}\n`);
  layout = { extDir: ext, distDir: path.join(ext, 'dist'), nodePath: '/the/running/node' };
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runtime selection', () => {
  test('maps Node architectures to runtime directories', () => {
    expect(runtimeDirFor('x64')).toBe('linux-x64');
    expect(runtimeDirFor('arm64')).toBe('linux-arm64');
    expect(runtimeDirFor('ia32')).toBeUndefined();
    expect(runtimeDirFor('riscv64')).toBeUndefined();
  });

  test('chooses arm64 on aarch64 and x64 on x86_64', async () => {
    expect(await chooseRuntime(layout, 'arm64')).toBe(path.join(layout.extDir, 'runtime/linux-arm64/node'));
    expect(await chooseRuntime(layout, 'x64')).toBe(path.join(layout.extDir, 'runtime/linux-x64/node'));
  });

  test('refuses another CPU with UNSUPPORTED_ARCH (exit 51), naming what the package carries', async () => {
    const err = await chooseRuntime(layout, 'ppc64').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HandlerError);
    expect((err as HandlerError).exitCode).toBe(51);
    expect((err as Error).message).toMatch(
      /unsupported CPU architecture ppc64: this package carries runtimes for linux-arm64, linux-x64/,
    );
  });

  test('refuses a runtime whose ELF machine is not its slot', async () => {
    writeFileSync(path.join(layout.extDir, 'runtime/linux-arm64/node'), elf(ELF_MACHINE.x64, 'wrong'));
    await expect(chooseRuntime(layout, 'arm64')).rejects.toThrow(
      /not a 64-bit ELF executable for arm64 \(ELF machine 62, expected 183\)/,
    );
  });

  test('keeps the running runtime for a package without per-architecture runtimes', async () => {
    rmSync(path.join(layout.extDir, 'runtime'), { recursive: true });
    expect(await chooseRuntime(layout, 'arm64')).toBe('/the/running/node');
  });

  test('install copies only the chosen runtime into place', async () => {
    const paths = agentPaths({ OPEN_AMA_ROOT: path.join(dir, 'root') });
    const installed = await installBinaries(layout, paths, '1.2.3', 'arm64');
    expect(readFileSync(installed.nodePath).toString('latin1')).toContain('linux-arm64');
    expect(readdirSync(path.join(installed.dir, 'runtime'))).toEqual(['node']);
  });
});
