// Obtains the Node runtime shipped in the ZIP: `npm pack node-linux-<arch>@<version>` (npm checks the
// registry's integrity hash), then `tar` extracts only bin/node and LICENSE. Checks the ELF machine and,
// when the host can run it, `node --version`; strips debug sections only when the stripped binary is
// verified to run and is smaller. Cached in <cacheRoot>/runtime/<arch>-<version>/; no other network use.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assertElfForArch } from './elf.js';
import type { Arch } from './project-metadata.js';

const run = promisify(execFile);

export interface NodeRuntime {
  arch: Arch;
  version: string;
  /** The executable to ship as runtime/node. */
  nodePath: string;
  /** Node's LICENSE (the binary bundles third-party code; its licence travels with it). */
  licensePath: string;
  info: RuntimeInfo;
}

/** runtime.json in the cache dir: where the binary came from and what was done to it. */
export interface RuntimeInfo {
  npmPackage: string;
  integrity: string;
  unstrippedBytes: number;
  bytes: number;
  strippedDebug: boolean;
  stripNote: string;
}

export interface ObtainRuntimeOptions {
  arch: Arch;
  version: string;
  cacheRoot: string;
  log?: (line: string) => void;
}

export function runtimeCacheDir(cacheRoot: string, arch: Arch, version: string): string {
  return path.join(cacheRoot, 'runtime', `${arch}-${version}`);
}

export async function obtainNodeRuntime(opts: ObtainRuntimeOptions): Promise<NodeRuntime> {
  const log = opts.log ?? (() => undefined);
  const dir = runtimeCacheDir(opts.cacheRoot, opts.arch, opts.version);
  const runtime = (info: RuntimeInfo): NodeRuntime => ({
    arch: opts.arch,
    version: opts.version,
    nodePath: path.join(dir, 'node'),
    licensePath: path.join(dir, 'LICENSE'),
    info,
  });
  if (existsSync(path.join(dir, 'runtime.json'))) {
    const info = JSON.parse(await readFile(path.join(dir, 'runtime.json'), 'utf8')) as RuntimeInfo;
    await assertElfForArch(path.join(dir, 'node'), opts.arch);
    log(`runtime: using cached ${info.npmPackage} (${dir})`);
    return runtime(info);
  }
  const staging = `${dir}.tmp-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const info = await fetchInto(staging, opts, log);
    await writeFile(path.join(staging, 'runtime.json'), `${JSON.stringify(info, null, 2)}\n`);
    await rm(dir, { recursive: true, force: true });
    await rename(staging, dir);
    return runtime(info);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

async function fetchInto(
  staging: string,
  opts: ObtainRuntimeOptions,
  log: (line: string) => void,
): Promise<RuntimeInfo> {
  const npmPackage = `node-linux-${opts.arch}@${opts.version}`;
  log(`runtime: npm pack ${npmPackage} (integrity checked by npm)`);
  const packed = await npm(['pack', npmPackage, '--pack-destination', staging, '--json']);
  const [entry] = JSON.parse(packed) as { filename: string; integrity: string }[];
  if (!entry) throw new Error(`npm pack ${npmPackage} reported nothing`);
  const tgz = path.join(staging, entry.filename);
  await run('tar', ['-xzf', tgz, '-C', staging, 'package/bin/node', 'package/LICENSE']);
  await rm(tgz);
  const node = path.join(staging, 'node');
  await rename(path.join(staging, 'package', 'bin', 'node'), node);
  await rename(path.join(staging, 'package', 'LICENSE'), path.join(staging, 'LICENSE'));
  await rm(path.join(staging, 'package'), { recursive: true });
  await assertElfForArch(node, opts.arch);
  const canRun = opts.arch === process.arch;
  if (canRun) await assertVersion(node, opts.version);
  log(
    `runtime: bin/node is ELF for ${opts.arch}${canRun ? `, runs as v${opts.version}` : ' (not runnable on this host; ELF header checked)'}`,
  );
  const unstrippedBytes = (await stat(node)).size;
  const strip = await stripDebug(node, opts, canRun);
  log(`runtime: ${strip.note}`);
  return {
    npmPackage,
    integrity: entry.integrity,
    unstrippedBytes,
    bytes: (await stat(node)).size,
    strippedDebug: strip.stripped,
    stripNote: strip.note,
  };
}

/** `strip --strip-debug` into a copy; keep it only if it still runs as the right version and is smaller. */
async function stripDebug(
  node: string,
  opts: ObtainRuntimeOptions,
  canRun: boolean,
): Promise<{ stripped: boolean; note: string }> {
  if (!canRun)
    return { stripped: false, note: 'not stripped: the stripped binary could not be run on this host to verify it' };
  const candidate = `${node}.stripped`;
  try {
    await copyFile(node, candidate);
    await run('strip', ['--strip-debug', candidate]);
    await assertElfForArch(candidate, opts.arch);
    await assertVersion(candidate, opts.version);
    const [before, after] = [(await stat(node)).size, (await stat(candidate)).size];
    if (after >= before) return { stripped: false, note: 'not stripped: strip --strip-debug saved nothing' };
    await rename(candidate, node);
    return { stripped: true, note: `strip --strip-debug: ${mib(before)} → ${mib(after)} (verified to run)` };
  } catch (err) {
    return { stripped: false, note: `not stripped: ${(err as Error).message.split('\n')[0]}` };
  } finally {
    await rm(candidate, { force: true });
  }
}

async function assertVersion(node: string, version: string): Promise<void> {
  const { stdout } = await run(node, ['--version'], { env: {}, timeout: 30_000 });
  if (stdout.trim() !== `v${version}`)
    throw new Error(`${node} --version printed ${JSON.stringify(stdout.trim())}, expected v${version}`);
}

/** npm from the running npm (npm_execpath under `npm run`) or from PATH. */
async function npm(args: string[]): Promise<string> {
  const execPath = process.env.npm_execpath;
  const [file, argv] = execPath && execPath.endsWith('.js') ? [process.execPath, [execPath, ...args]] : ['npm', args];
  const { stdout } = await run(file, argv, { maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 });
  return stdout;
}

export function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}
