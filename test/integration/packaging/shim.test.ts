// bin/open-ama-handler as the guest agent runs it: unpacked with modes dropped + chmod u+x, through
// `/bin/sh -c` (and dash/bash) with a minimal environment. Proves the shim picks runtime/linux-<arch>/node by
// `uname -m` (a `uname` on PATH saying aarch64 makes it pick the arm64 runtime), that the bundled runtime runs
// without a system Node on PATH, and that a missing, damaged or foreign-CPU runtime exits 52/51 with an error status.
// bin/open-ama-doctor runs the shipped doctor bundle the same way from the unpacked package.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { runtimeEntry } from '../../../packaging/build-package.js';
import { ELF_MACHINE } from '../../../packaging/elf.js';
import { findRepoRoot, hostArch, readProjectMetadata } from '../../../packaging/project-metadata.js';
import { packagedZip } from '../../support/packaged-zip.js';
import { runThroughShell, unpackLikeGuestAgent } from './run-like-agent.js';

const meta = readProjectMetadata(findRepoRoot(process.cwd()));
const SHELLS = [
  ...new Map(['/bin/sh', '/bin/dash', '/bin/bash'].filter(existsSync).map((s) => [realpathSync(s), s])).values(),
];

let work: string;
let extDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'open-ama-shim-'));
  extDir = path.join(work, 'OpenAma.Monitor.OpenAmaLinuxAgent-1.0.0');
  await unpackLikeGuestAgent(await packagedZip(), extDir);
}, 600_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const HOST_RUNTIME = runtimeEntry(hostArch());
const OTHER_ARCH = hostArch() === 'x64' ? 'arm64' : 'x64';

/**
 * A copy of the unpacked package with this CPU's runtime replaced (or removed when `runtime` is undefined);
 * `dropOther` also removes the other architecture's runtime (a package without any runtime).
 */
async function brokenCopy(name: string, runtime: Buffer | undefined, dropOther = false): Promise<string> {
  const dir = path.join(work, name);
  const skip = [path.join(extDir, HOST_RUNTIME), ...(dropOther ? [path.join(extDir, runtimeEntry(OTHER_ARCH))] : [])];
  await cp(extDir, dir, { recursive: true, filter: (src) => !skip.includes(src) });
  if (runtime) await writeFile(path.join(dir, HOST_RUNTIME), runtime, { mode: 0o744 });
  return dir;
}

/** HandlerEnvironment.json as WALinuxAgent writes it (json.dumps: one line). */
async function writeHandlerEnvironment(dir: string): Promise<string> {
  const statusFolder = path.join(dir, 'status');
  const env = [
    {
      name: 'OpenAma.Monitor.OpenAmaLinuxAgent',
      version: 1.0,
      handlerEnvironment: {
        logFolder: path.join(work, 'log'),
        configFolder: path.join(dir, 'config'),
        statusFolder,
        heartbeatFile: path.join(dir, 'heartbeat.log'),
        eventsFolder: path.join(work, 'log', 'events'),
      },
    },
  ];
  await writeFile(
    path.join(dir, 'HandlerEnvironment.json'),
    JSON.stringify(env).replace(/":/g, '": ').replace(/,"/g, ', "'),
  );
  await mkdir(statusFolder, { recursive: true });
  return statusFolder;
}

/** A 64-byte ELF header for the other CPU: execve fails with ENOEXEC on this host. */
function foreignElfHeader(): Buffer {
  const header = Buffer.alloc(64);
  header.write('\x7fELF', 0, 'latin1');
  header.set([2, 1, 1], 4);
  header.writeUInt16LE(2, 16);
  header.writeUInt16LE(hostArch() === 'x64' ? ELF_MACHINE.arm64 : ELF_MACHINE.x64, 18);
  return header;
}

async function readStatus(
  file: string,
): Promise<
  { status: { status: string; code: number; operation: string; formattedMessage: { lang: string; message: string } } }[]
> {
  return JSON.parse(await readFile(file, 'utf8'));
}

describe('the bundled runtime', () => {
  it('runs after unzip + chmod u+x with an empty environment and reports the pinned Node version', async () => {
    const { stdout } = await promisify(execFile)(path.join(extDir, HOST_RUNTIME), ['--version'], { env: {} });
    expect(stdout.trim()).toBe(`v${meta.runtimeNodeVersion}`);
  });
});

describe('bin/open-ama-doctor', () => {
  it('runs the shipped doctor bundle on runtime/linux-<host arch>/node from the extension directory, without PATH', async () => {
    const help = await runThroughShell('/bin/sh', `${extDir}/bin/open-ama-doctor --help`, extDir, {});
    expect(help.stdout).toContain('usage: open-ama-doctor [--json] [--bundle FILE]');
    expect(help.code).toBe(0);
    const bad = await runThroughShell('/bin/sh', `${extDir}/bin/open-ama-doctor --no-such-option`, extDir, {});
    expect(bad.stderr).toContain("Unknown option '--no-such-option'");
    expect(bad.code).toBe(2);
  });
});

describe('bin/open-ama-handler', () => {
  it.each(SHELLS)(
    'runs dist/handler.mjs on runtime/linux-<host arch>/node with the operation arguments, without PATH (%s)',
    async (shell) => {
      const probeDir = await brokenCopy(
        `probe-${path.basename(shell)}`,
        await readFile(path.join(extDir, HOST_RUNTIME)),
      );
      await writeFile(
        path.join(probeDir, 'dist', 'handler.mjs'),
        'console.log(JSON.stringify({ version: process.version, execPath: process.execPath, argv: process.argv.slice(2), cwd: process.cwd() })); process.exit(7);\n',
      );
      const result = await runThroughShell(shell, `${probeDir}/bin/open-ama-handler enable 'two words'`, probeDir, {
        ConfigSequenceNumber: '0',
      });
      expect(result.code).toBe(7);
      expect(JSON.parse(result.stdout)).toEqual({
        version: `v${meta.runtimeNodeVersion}`,
        execPath: path.join(probeDir, HOST_RUNTIME),
        argv: ['enable', 'two words'],
        cwd: probeDir,
      });
    },
  );

  it('reaches the shipped handler bundle, which rejects an unknown operation with its usage line and exit 1', async () => {
    const result = await runThroughShell('/bin/sh', `${extDir}/bin/open-ama-handler no-such-op`, extDir, {});
    expect(result.stderr).toContain('usage: open-ama-handler install|enable|disable|update|uninstall');
    expect(result.code).toBe(1);
  });

  it.each(SHELLS)(
    'exits 52 and writes an error status when the runtime is not an ELF executable (%s)',
    async (shell) => {
      const dir = await brokenCopy(
        `not-elf-${path.basename(shell)}`,
        Buffer.from('#!/bin/sh\necho this must never run\n'),
      );
      const statusFolder = await writeHandlerEnvironment(dir);
      const result = await runThroughShell(shell, `${dir}/bin/open-ama-handler enable`, dir, {
        ConfigSequenceNumber: '7',
      });
      expect(result.code).toBe(52);
      expect(result.stdout).not.toContain('must never run');
      expect(result.stderr).toContain('runtime is damaged');
      const [status] = await readStatus(path.join(statusFolder, '7.status'));
      expect(status!.status).toMatchObject({
        status: 'error',
        code: 52,
        operation: 'Enable',
        formattedMessage: { lang: 'en-US' },
      });
      expect(status!.status.formattedMessage.message).toContain('remove and re-add the extension');
    },
  );

  it.each(SHELLS)(
    'exits 51 and writes an error status naming both CPUs when the runtime is for another architecture (%s)',
    async (shell) => {
      const dir = await brokenCopy(`foreign-${path.basename(shell)}`, foreignElfHeader());
      const statusFolder = await writeHandlerEnvironment(dir);
      const result = await runThroughShell(shell, `${dir}/bin/open-ama-handler -install`, dir, {
        ConfigSequenceNumber: '3',
      });
      expect(result.code).toBe(51);
      const [status] = await readStatus(path.join(statusFolder, '3.status'));
      expect(status!.status).toMatchObject({ status: 'error', code: 51, operation: 'Install' });
      expect(status!.status.formattedMessage.message).toMatch(
        /unsupported CPU architecture: this package's runtime is for \S+ .* but this machine is \S+/,
      );
    },
  );

  it('exits 51 naming the runtimes it carries when the package has none for this CPU', async () => {
    const dir = await brokenCopy('other-only', undefined);
    const statusFolder = await writeHandlerEnvironment(dir);
    const result = await runThroughShell('/bin/sh', `${dir}/bin/open-ama-handler install`, dir, {
      ConfigSequenceNumber: '4',
    });
    expect(result.code).toBe(51);
    const [status] = await readStatus(path.join(statusFolder, '4.status'));
    expect(status!.status.formattedMessage.message).toMatch(
      new RegExp(`this package carries runtimes for linux-${OTHER_ARCH} but this machine is \\S+`),
    );
  });

  it('picks the arm64 runtime on aarch64 and the x64 one on x86_64 (uname -m decides)', async () => {
    const dir = await brokenCopy('pick', undefined);
    // With no runtime in the package, the shim's "missing" message names the slot it chose.
    const fakeBin = path.join(work, 'fake-uname');
    await mkdir(fakeBin, { recursive: true });
    for (const [machine, slot] of [
      ['aarch64', 'linux-arm64'],
      ['x86_64', 'linux-x64'],
    ] as const) {
      await writeFile(path.join(fakeBin, 'uname'), `#!/bin/sh\necho ${machine}\n`, { mode: 0o755 });
      await rm(path.join(dir, 'runtime'), { recursive: true, force: true });
      const result = await runThroughShell('/bin/sh', `${dir}/bin/open-ama-handler enable`, dir, {
        PATH: `${fakeBin}:/usr/bin:/bin`,
        ConfigSequenceNumber: '0',
      });
      expect(result.code).toBe(52);
      expect(result.stderr).toContain(`the bundled Node runtime is missing (${dir}/runtime/${slot}/node)`);
    }
    await writeFile(path.join(fakeBin, 'uname'), '#!/bin/sh\necho riscv64\n', { mode: 0o755 });
    const riscv = await runThroughShell('/bin/sh', `${dir}/bin/open-ama-handler enable`, dir, {
      PATH: `${fakeBin}:/usr/bin:/bin`,
      ConfigSequenceNumber: '0',
    });
    expect(riscv.code).toBe(51);
    expect(riscv.stderr).toContain(
      'this machine is riscv64; open-ama runs on x86_64 (linux-x64) and aarch64 (linux-arm64)',
    );
  });

  it('exits 52 when the runtime is missing, writing the status into <ext>/status when HandlerEnvironment.json is absent', async () => {
    const dir = await brokenCopy('missing', undefined, true);
    const result = await runThroughShell('/bin/sh', `${dir}/bin/open-ama-handler disable`, dir, {
      ConfigSequenceNumber: '12',
    });
    expect(result.code).toBe(52);
    expect(result.stderr).toContain('runtime is missing');
    const [status] = await readStatus(path.join(dir, 'status', '12.status'));
    expect(status!.status).toMatchObject({ status: 'error', code: 52, operation: 'Disable' });
  });

  it('without ConfigSequenceNumber, writes the status for the most recently modified settings file', async () => {
    const dir = await brokenCopy('seq-fallback', undefined, true);
    const statusFolder = await writeHandlerEnvironment(dir);
    await mkdir(path.join(dir, 'config'), { recursive: true });
    await writeFile(path.join(dir, 'config', '10.settings'), '');
    await writeFile(path.join(dir, 'config', '2.settings'), '');
    await utimes(path.join(dir, 'config', '10.settings'), new Date(2020, 0, 1), new Date(2020, 0, 1));
    const result = await runThroughShell('/bin/sh', `${dir}/bin/open-ama-handler enable`, dir, {});
    expect(result.code).toBe(52);
    expect(existsSync(path.join(statusFolder, '2.status'))).toBe(true);
    expect(existsSync(path.join(statusFolder, '10.status'))).toBe(false);
  });
});
