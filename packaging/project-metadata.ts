// The facts packaging takes from package.json (publisher, type, version, bundled Node version) and the
// repository root. One reader, so the ZIP name, VERSION, ExtensionImage.xml and runtime all agree.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export type Arch = 'x64' | 'arm64';
export const ARCHES: readonly Arch[] = ['x64', 'arm64'];

export interface ProjectMetadata {
  repoRoot: string;
  version: string;
  description: string;
  license: string;
  homepage: string;
  publisher: string;
  type: string;
  runtimeNodeVersion: string;
}

/**
 * Guest agents split `<Name>-<version>` directory names on the last `-` and Azure's extension
 * versions are 2 to 4 dot-separated integers, so anything else (e.g. `1.0.0-beta`) is refused here.
 */
export const EXTENSION_VERSION = /^\d+\.\d+(\.\d+){0,2}$/;

export function assertExtensionVersion(version: string): void {
  if (!EXTENSION_VERSION.test(version)) {
    throw new Error(
      `version ${JSON.stringify(version)} is not an extension version (2 to 4 dot-separated integers, e.g. 1.2.3)`,
    );
  }
}

/** Walks up from `startDir` to the directory whose package.json is named "open-ama". */
export function findRepoRoot(startDir: string): string {
  for (let dir = path.resolve(startDir); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'open-ama')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no open-ama package.json above ${startDir}`);
  }
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`package.json: ${what} must be a non-empty string`);
  return value;
}

export function readProjectMetadata(repoRoot: string): ProjectMetadata {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as Record<string, unknown>;
  const openAma = (pkg.openAma ?? {}) as Record<string, unknown>;
  return {
    repoRoot,
    version: str(pkg.version, 'version'),
    description: typeof pkg.description === 'string' ? pkg.description : '',
    license: typeof pkg.license === 'string' ? pkg.license : '',
    homepage: typeof pkg.homepage === 'string' ? pkg.homepage : '',
    publisher: str(openAma.publisher, 'openAma.publisher'),
    type: str(openAma.type, 'openAma.type'),
    runtimeNodeVersion: str(openAma.runtimeNodeVersion, 'openAma.runtimeNodeVersion'),
  };
}

export function hostArch(): Arch {
  if (process.arch === 'x64' || process.arch === 'arm64') return process.arch;
  throw new Error(`host architecture ${process.arch} has no bundled runtime; pass --arch x64 or --arch arm64`);
}

export function parseArch(value: string): Arch {
  if ((ARCHES as readonly string[]).includes(value)) return value as Arch;
  throw new Error(`--arch must be one of ${ARCHES.join(', ')} (got ${JSON.stringify(value)})`);
}
