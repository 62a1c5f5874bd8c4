// Obtains the Node runtime shipped in the ZIP: `npm pack node-linux-<arch>@<version>` (its integrity must
// be the pinned one, runtime-pins.ts), then `tar` extracts only bin/node and LICENSE into the cache
// <cacheRoot>/runtime/<arch>-<version>/ (no other network use). Every build copies the cached binary,
// checks the copy's sha256 against the pin (a mismatch is a build error naming both), the ELF machine and,
// when the host can run it, `node --version`; strips debug sections only when the stripped binary is
// verified to run and is smaller.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { assertElfForArch } from './elf.js';
import type { Arch } from './project-metadata.js';
import { runtimePin, type RuntimePin } from './runtime-pins.js';

const run = promisify(execFile);

export interface NodeRuntime {
  arch: Arch;
  version: string;
  /** The executable to ship as runtime/node. */
  nodePath: string;
  /** Node's LICENSE (the binary bundles third-party code; its licence travels with it). */
  licensePath: string;
  info: RuntimeInfo;
  /** Removes the per-build copy at nodePath (call once the ZIP is written). */
  dispose(): Promise<void>;
}

/** The cached, pinned binary exactly as in the npm tarball (what ships is derived from it per build). */
const PINNED_NAME = 'node.npm';

/** runtime.json in the cache dir: where the pinned binary came from. */
type FetchInfo = Pick<RuntimeInfo, 'npmPackage' | 'integrity'>;

/** Where the binary came from and what this build did to it. */
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
  const pin = runtimePin(opts.version, opts.arch);
  const dir = runtimeCacheDir(opts.cacheRoot, opts.arch, opts.version);
  let fetched: FetchInfo;
  if (existsSync(path.join(dir, 'runtime.json')) && existsSync(path.join(dir, PINNED_NAME))) {
    fetched = JSON.parse(await readFile(path.join(dir, 'runtime.json'), 'utf8')) as FetchInfo;
    log(`runtime: using cached ${fetched.npmPackage} (${dir})`);
  } else {
    const staging = `${dir}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    try {
      fetched = await fetchInto(staging, opts, pin, log);
      await writeFile(path.join(staging, 'runtime.json'), `${JSON.stringify(fetched, null, 2)}\n`);
      await rm(dir, { recursive: true, force: true });
      await rename(staging, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  // Every build: copy the cached binary into a private dir, check the copy against the pin (so nothing can
  // change it between the check and the ZIP), then derive what ships from it.
  const work = await mkdtemp(path.join(tmpdir(), 'open-ama-runtime-'));
  try {
    const node = path.join(work, 'node');
    await copyFile(path.join(dir, PINNED_NAME), node);
    await chmod(node, 0o755);
    await assertPinned(node, pin, `${fetched.npmPackage} (${path.join(dir, PINNED_NAME)})`);
    log(`runtime: bin/node sha256 ${pin.nodeSha256} matches the pin in packaging/runtime-pins.ts`);
    await assertElfForArch(node, opts.arch);
    const canRun = opts.arch === process.arch;
    if (canRun) await assertVersion(node, opts.version);
    log(
      `runtime: bin/node is ELF for ${opts.arch}${canRun ? `, runs as v${opts.version}` : ' (not runnable on this host; ELF header checked)'}`,
    );
    const unstrippedBytes = (await stat(node)).size;
    const strip = await stripDebug(node, opts, canRun);
    log(`runtime: ${strip.note}`);
    const info: RuntimeInfo = {
      ...fetched,
      unstrippedBytes,
      bytes: (await stat(node)).size,
      strippedDebug: strip.stripped,
      stripNote: strip.note,
    };
    return {
      arch: opts.arch,
      version: opts.version,
      nodePath: node,
      licensePath: path.join(dir, 'LICENSE'),
      info,
      dispose: () => rm(work, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** The sha256 of `file` must be the pinned one; the error names both. */
export async function assertPinned(file: string, pin: RuntimePin, what: string): Promise<void> {
  const actual = await sha256File(file);
  if (actual !== pin.nodeSha256)
    throw new Error(
      `runtime ${what}: bin/node sha256 is ${actual}, expected ${pin.nodeSha256} (pinned in packaging/runtime-pins.ts); refusing to package it — delete the cached copy to download it again, or check where it came from`,
    );
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fetchInto(
  staging: string,
  opts: ObtainRuntimeOptions,
  pin: RuntimePin,
  log: (line: string) => void,
): Promise<FetchInfo> {
  const npmPackage = `node-linux-${opts.arch}@${opts.version}`;
  log(`runtime: npm pack ${npmPackage} (integrity checked by npm, then against the pin)`);
  const packed = await npm(['pack', npmPackage, '--pack-destination', staging, '--json']);
  const [entry] = JSON.parse(packed) as { filename: string; integrity: string }[];
  if (!entry) throw new Error(`npm pack ${npmPackage} reported nothing`);
  if (entry.integrity !== pin.npmIntegrity)
    throw new Error(
      `npm pack ${npmPackage}: tarball integrity ${entry.integrity}, expected ${pin.npmIntegrity} (pinned in packaging/runtime-pins.ts); refusing it`,
    );
  const tgz = path.join(staging, entry.filename);
  await run('tar', ['-xzf', tgz, '-C', staging, 'package/bin/node', 'package/LICENSE']);
  await rm(tgz);
  const node = path.join(staging, PINNED_NAME);
  await rename(path.join(staging, 'package', 'bin', 'node'), node);
  await rename(path.join(staging, 'package', 'LICENSE'), path.join(staging, 'LICENSE'));
  await rm(path.join(staging, 'package'), { recursive: true });
  await assertPinned(node, pin, `${npmPackage} (downloaded)`);
  return { npmPackage, integrity: entry.integrity };
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
