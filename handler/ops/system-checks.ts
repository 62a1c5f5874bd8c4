// Pre-flight checks shared by install/enable/update: OS, CPU architecture, glibc for the bundled
// runtime, free disk for the queue (nearest existing ancestor, like AMA), and openssl when needed.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { HandlerError } from '../errors.js';

/** Node 24 official Linux builds need glibc ≥ 2.28. */
export const MIN_GLIBC = [2, 28] as const;
export const SUPPORTED_ARCHES = ['x64', 'arm64'] as const;
/** Default minimum free space under the state dir; OPEN_AMA_MIN_FREE_MB overrides (documented). */
export const DEFAULT_MIN_FREE_MB = 500;

export interface PlatformFacts {
  platform: NodeJS.Platform;
  arch: string;
  glibcVersion?: string;
}

export function currentPlatform(): PlatformFacts {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return { platform: process.platform, arch: process.arch, glibcVersion: header?.glibcVersionRuntime };
}

export function checkPlatform(facts: PlatformFacts): void {
  if (facts.platform !== 'linux') {
    throw new HandlerError('UNSUPPORTED_OS', `open-ama runs on Linux only; this machine reports "${facts.platform}"`);
  }
  if (!(SUPPORTED_ARCHES as readonly string[]).includes(facts.arch)) {
    throw new HandlerError(
      'UNSUPPORTED_ARCH',
      `CPU architecture "${facts.arch}" is not supported; open-ama supports x86_64 (x64) and aarch64 (arm64)`,
    );
  }
  if (facts.glibcVersion) {
    const [major = 0, minor = 0] = facts.glibcVersion.split('.').map(Number);
    if (major < MIN_GLIBC[0] || (major === MIN_GLIBC[0] && minor < MIN_GLIBC[1])) {
      throw new HandlerError(
        'UNSUPPORTED_OS',
        `glibc ${facts.glibcVersion} is too old for the bundled Node.js runtime (needs ≥ ${MIN_GLIBC.join('.')})`,
      );
    }
  }
}

export async function checkFreeDisk(dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const minMB = Number(env.OPEN_AMA_MIN_FREE_MB ?? DEFAULT_MIN_FREE_MB);
  const existing = await nearestExistingAncestor(dir);
  const st = await fs.statfs(existing);
  const freeMB = Math.floor((Number(st.bavail) * Number(st.bsize)) / (1024 * 1024));
  if (freeMB < minMB) {
    throw new HandlerError(
      'LOW_DISK_SPACE',
      `only ${freeMB} MB free on the file system holding ${existing}; open-ama needs at least ${minMB} MB for its queue and state — free some space and retry`,
    );
  }
}

async function nearestExistingAncestor(dir: string): Promise<string> {
  let current = path.resolve(dir);
  for (;;) {
    try {
      await fs.access(current);
      return current;
    } catch {
      const parent = path.dirname(current);
      if (parent === current) return current;
      current = parent;
    }
  }
}

export async function checkOpensslPresent(env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await execa('openssl', ['version'], { env, extendEnv: false, timeout: 10_000 });
  } catch {
    throw new HandlerError(
      'OPENSSL_MISSING',
      'protected settings are present but the openssl command is not installed; install the "openssl" package and retry',
    );
  }
}
