// Copies this machine's runtime (handler/ops/runtime-select.ts), the supervisor/collector/doctor bundles and
// bin/open-ama-doctor out of <ExtDir> into <installDir>/<version> (the operator runs
// <installDir>/<version>/bin/open-ama-doctor, docs/troubleshooting.md), because the guest agent may delete <ExtDir>
// without notice (docs/guest-agent-protocol.md §5.6) and services must not run from it. Copy is staged in a temp
// dir and renamed, so a half-copied version is never used.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AgentPaths } from '../../agent/config/index.js';
import type { PackageLayout } from '../context.js';
import { HandlerError } from '../errors.js';
import { chooseRuntime } from './runtime-select.js';

export const BUNDLES = ['supervisor.mjs', 'collector.mjs', 'doctor.mjs'] as const;
/** Operator scripts copied into <installDir>/<version>/bin (absent from an older package: skipped). */
export const SCRIPTS = ['open-ama-doctor'] as const;

async function isFile(p: string): Promise<boolean> {
  return fs.stat(p).then(
    (st) => st.isFile(),
    () => false,
  );
}

export interface InstalledVersion {
  dir: string;
  nodePath: string;
  supervisorScript: string;
}

export function installedVersion(paths: AgentPaths, version: string): InstalledVersion {
  const dir = path.join(paths.installDir, version);
  return {
    dir,
    nodePath: path.join(dir, 'runtime', 'node'),
    supervisorScript: path.join(dir, 'dist', 'supervisor.mjs'),
  };
}

export async function isInstalled(paths: AgentPaths, version: string): Promise<boolean> {
  const v = installedVersion(paths, version);
  try {
    await Promise.all([
      fs.access(v.nodePath),
      fs.access(v.supervisorScript),
      fs.access(path.join(v.dir, 'dist', 'collector.mjs')),
    ]);
    return true;
  } catch {
    return false;
  }
}

export async function installBinaries(
  layout: PackageLayout,
  paths: AgentPaths,
  version: string,
  arch: string = process.arch,
): Promise<InstalledVersion> {
  const target = installedVersion(paths, version);
  if (await isInstalled(paths, version)) return target;
  // Only this machine's runtime is copied out of a package carrying both (docs/packaging.md).
  const runtime = await chooseRuntime(layout, arch);
  await fs.mkdir(paths.installDir, { recursive: true, mode: 0o755 });
  const staging = `${target.dir}.staging-${process.pid}`;
  await fs.rm(staging, { recursive: true, force: true });
  try {
    await fs.mkdir(path.join(staging, 'runtime'), { recursive: true, mode: 0o755 });
    await fs.mkdir(path.join(staging, 'dist'), { recursive: true, mode: 0o755 });
    await fs.copyFile(runtime, path.join(staging, 'runtime', 'node'));
    await fs.chmod(path.join(staging, 'runtime', 'node'), 0o755);
    for (const script of SCRIPTS) {
      const from = path.join(layout.extDir, 'bin', script);
      if (!(await isFile(from))) continue;
      await fs.mkdir(path.join(staging, 'bin'), { recursive: true, mode: 0o755 });
      await fs.copyFile(from, path.join(staging, 'bin', script));
      await fs.chmod(path.join(staging, 'bin', script), 0o755);
    }
    for (const bundle of BUNDLES) {
      // A package built without the doctor still installs.
      if (bundle === 'doctor.mjs' && !(await isFile(path.join(layout.distDir, bundle)))) continue;
      await fs.copyFile(path.join(layout.distDir, bundle), path.join(staging, 'dist', bundle));
      await fs
        .copyFile(path.join(layout.distDir, `${bundle}.map`), path.join(staging, 'dist', `${bundle}.map`))
        .catch(() => undefined); // source maps are optional
    }
    await fs.rm(target.dir, { recursive: true, force: true });
    await fs.rename(staging, target.dir);
  } catch (err) {
    await fs.rm(staging, { recursive: true, force: true });
    throw new HandlerError(
      'INTERNAL',
      `could not install the agent binaries into ${target.dir}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return target;
}

/** Removes every installed version except `keep` (old versions left behind by updates). */
export async function removeInstalledVersions(paths: AgentPaths, keep?: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(paths.installDir);
  } catch {
    return;
  }
  await Promise.all(
    entries
      .filter((e) => e !== keep)
      .map((e) => fs.rm(path.join(paths.installDir, e), { recursive: true, force: true })),
  );
}
