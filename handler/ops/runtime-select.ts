// Chooses the bundled Node runtime that install copies into place (docs/packaging.md "One package for x64 and
// arm64"): the package carries runtime/linux-x64/node and runtime/linux-arm64/node; the one for this machine's
// architecture (process.arch, injectable for tests) is checked by its ELF header and is the only one copied.
// A package with no per-architecture runtimes (a development layout) falls back to the runtime running us.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { ELF_MACHINE, readElfIdentity } from '../../packaging/elf.js';
import type { PackageLayout } from '../context.js';
import { HandlerError } from '../errors.js';

const RUNTIME_DIRS: Readonly<Record<string, 'x64' | 'arm64'>> = { x64: 'x64', arm64: 'arm64' };

/** `linux-x64` / `linux-arm64` for a Node `process.arch`, undefined for any other CPU. */
export function runtimeDirFor(arch: string): string | undefined {
  const a = RUNTIME_DIRS[arch];
  return a ? `linux-${a}` : undefined;
}

/** The runtime to install for `arch`; throws UNSUPPORTED_ARCH (51) or INTERNAL when the package lacks a sound one. */
export async function chooseRuntime(layout: PackageLayout, arch: string = process.arch): Promise<string> {
  const runtimeRoot = path.join(path.dirname(layout.distDir), 'runtime');
  const carried = existsSync(runtimeRoot)
    ? readdirSync(runtimeRoot).filter((d) => d.startsWith('linux-') && existsSync(path.join(runtimeRoot, d, 'node')))
    : [];
  if (carried.length === 0) return layout.nodePath;
  const dir = runtimeDirFor(arch);
  if (!dir || !carried.includes(dir))
    throw new HandlerError(
      'UNSUPPORTED_ARCH',
      `unsupported CPU architecture ${arch}: this package carries runtimes for ${carried.sort().join(', ')}; open-ama runs on x64 and arm64`,
    );
  const node = path.join(runtimeRoot, dir, 'node');
  const elf = await readElfIdentity(node);
  const want = ELF_MACHINE[RUNTIME_DIRS[arch]!];
  if (!elf || !elf.is64Bit || !elf.littleEndian || elf.machine !== want)
    throw new HandlerError(
      'INTERNAL',
      `the bundled runtime ${node} is not a 64-bit ELF executable for ${arch} (ELF machine ${elf?.machine ?? 'none'}, expected ${want}); remove and re-add the extension`,
    );
  return node;
}
