// The standalone shim driven exactly as the VM Application manager drives it: the packaged ZIP and the
// settings file are dropped into the application's directory under the version's file names, and the
// install / update / remove command lines of deploy/vmapp-commands.ts run there through /bin/sh as child
// processes. Checks: install → enable → data on every default stream (harness file destination), status
// readable where the agent keeps it, protected settings decrypted by the handler and never in plain text
// on disk or in output, update 0.1.0 → 0.1.1 in the guest agent's order, remove leaving no process and no
// rsyslog drop-in behind. Bad settings files are refused with exit 2 before anything is laid out, and an
// install beside the extension the guest agent runs is refused.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { agentPaths } from '../../../agent/config/index.js';
import { vmAppCommands } from '../../../deploy/vmapp-commands.js';
import { DEFAULT_STREAMS, defaultPublicSettings } from '../../../harness/default-settings.js';
import { processesUnder } from '../../../harness/leak-check.js';
import { readStatusLikeAgent } from '../../../harness/status-reader.js';
import { outputSamples, TrafficGenerator } from '../../../harness/traffic.js';
import { HANDLER_NAME, STANDALONE_LIB_SUBDIR } from '../../../standalone/driver.js';
import { REPO } from '../../support/collector-process.js';
import { freePort, waitFor } from '../../support/net.js';
import { packagedZip } from '../../support/packaged-zip.js';

const SECRET = 'Standalone-Secret-4242';
let dir: string;
let root: string;
let zipA: string;
let zipB: string;

beforeAll(async () => {
  zipA = await packagedZip();
  zipB = await packagedZip({ version: '0.1.1' });
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-standalone-'));
  root = path.join(dir, 'root');
}, 900_000);

afterAll(() => {
  for (const p of processesUnder(root)) process.kill(p.pid, 'SIGKILL'); // only after a failed assertion
  rmSync(dir, { recursive: true, force: true });
});

/** The VM Application manager's download directory for one version, holding the package and its config. */
function appDir(version: string, zip: string, settings: unknown): string {
  const d = path.join(root, 'var/lib/waagent/Microsoft.CPlat.Core.VMApplicationManagerLinux/open-ama', version);
  mkdirSync(d, { recursive: true });
  copyFileSync(zip, path.join(d, 'open-ama.zip'));
  writeFileSync(path.join(d, 'open-ama-settings.json'), JSON.stringify(settings), { mode: 0o644 });
  return d;
}

async function runLine(cwd: string, line: string, env: Record<string, string>) {
  return execa('/bin/sh', ['-c', line], {
    cwd,
    reject: false,
    timeout: 240_000,
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', ...env },
    extendEnv: false,
    all: true,
  });
}

describe('open-ama-standalone as a VM Application', () => {
  test('install → collect → update 0.1.0 → 0.1.1 → remove, like the VM Application manager', async () => {
    const syslogPort = await freePort();
    const env = { OPEN_AMA_ROOT: root, OPEN_AMA_SYSLOG_PORT: String(syslogPort), OPEN_AMA_TIME_SCALE: '0.2' };
    const paths = agentPaths({ OPEN_AMA_ROOT: root });
    // A machine with rsyslog: the collector writes its drop-in, remove must take it away again.
    mkdirSync(paths.rsyslogDropInDir, { recursive: true });
    writeFileSync(path.join(root, 'etc/rsyslog.conf'), `include(file="${paths.rsyslogDropInDir}/*.conf")\n`);
    const protectedFile = path.join(root, 'etc/open-ama/protected-settings.json');
    mkdirSync(path.dirname(protectedFile), { recursive: true });
    writeFileSync(protectedFile, JSON.stringify({ proxy: { username: 'u', password: SECRET } }), { mode: 0o600 });
    const cmds = vmAppCommands({
      packageFileName: 'open-ama.zip',
      configFileName: 'open-ama-settings.json',
      protectedSettingsFile: protectedFile,
    });
    const settings = defaultPublicSettings(root);

    const a = appDir('0.1.0', zipA, settings);
    const installed = await runLine(a, cmds.install, env);
    expect({ exit: installed.exitCode, out: installed.all }).toMatchObject({ exit: 0 });
    expect(installed.stdout).toMatch(
      /install 0\.1\.0: ok[\s\S]*enable 0\.1\.0: ok[\s\S]*status 0\.1\.0 seq 0: success/,
    );
    expect(existsSync(path.join(a, 'open-ama-pkg'))).toBe(false); // the unpacked copy is cleaned up
    const extA = path.join(root, STANDALONE_LIB_SUBDIR, `${HANDLER_NAME}-0.1.0`);
    expect(JSON.parse(readFileSync(path.join(extA, 'HandlerEnvironment.json'), 'utf8'))).toMatchObject([
      { handlerEnvironment: { configFolder: path.join(extA, 'config'), statusFolder: path.join(extA, 'status') } },
    ]);
    expect((await readStatusLikeAgent(path.join(extA, 'status'), 0, HANDLER_NAME)).status).toBe('success');
    const settingsFile = JSON.parse(readFileSync(path.join(extA, 'config/0.settings'), 'utf8')) as {
      runtimeSettings: { handlerSettings: { protectedSettings: string; protectedSettingsCertThumbprint: string } }[];
    };
    expect(settingsFile.runtimeSettings[0]!.handlerSettings.protectedSettingsCertThumbprint).toMatch(/^[0-9A-F]{40}$/);

    // open-ama doctor finds the status through the agent config the handler wrote (its `status` target).
    expect(JSON.parse(readFileSync(paths.agentConfigFile, 'utf8'))).toMatchObject({
      status: { statusFolder: path.join(extA, 'status'), seq: 0, extensionVersion: '0.1.0' },
    });
    await waitFor(() => existsSync(paths.rsyslogDropInFile), 30_000, 'the rsyslog drop-in');
    const traffic = new TrafficGenerator(root, syslogPort);
    traffic.start();
    try {
      await waitFor(
        async () => {
          const samples = await outputSamples(root, 0);
          return DEFAULT_STREAMS.every((s) => (samples.get(s)?.count ?? 0) > 0);
        },
        90_000,
        'records on every default stream',
        1000,
      );
    } finally {
      traffic.stop();
    }

    const status = await execa(process.execPath, [path.join(REPO, 'dist/standalone.mjs'), 'status'], {
      reject: false,
      env: { ...env, PATH: process.env.PATH },
    });
    expect(JSON.parse(status.stdout)).toMatchObject({
      version: '0.1.0',
      handlerState: 'Enabled',
      status: { status: 'success' },
    });

    const b = appDir('0.1.1', zipB, settings);
    const updated = await runLine(b, cmds.update, env);
    expect({ exit: updated.exitCode, out: updated.all }).toMatchObject({ exit: 0 });
    const order = [...updated.stdout.matchAll(/: (\w+) (0\.1\.[01]): ok/g)].map((m) => `${m[1]}@${m[2]}`);
    expect(order).toEqual(['disable@0.1.0', 'update@0.1.1', 'uninstall@0.1.0', 'install@0.1.1', 'enable@0.1.1']);
    expect(existsSync(extA)).toBe(false);
    expect(updated.stdout).toMatch(/status 0\.1\.1 seq 1: success/);
    await waitFor(() => existsSync(paths.rsyslogDropInFile), 30_000, 'the rsyslog drop-in after the update');

    const removed = await runLine(b, cmds.remove, env);
    expect({ exit: removed.exitCode, out: removed.all }).toMatchObject({ exit: 0 });
    expect(removed.stdout).toMatch(/disable 0\.1\.1: ok[\s\S]*uninstall 0\.1\.1: ok/);
    await waitFor(() => processesUnder(root).length === 0, 20_000, 'no process left under the root');
    expect(existsSync(paths.rsyslogDropInFile)).toBe(false);
    expect(readdirSync(path.join(root, STANDALONE_LIB_SUBDIR)).filter((f) => f !== 'state.json')).toEqual([]);

    // The secret is nowhere in plain text but in the operator's own file.
    const grep = await execa('grep', ['-rl', '--exclude=protected-settings.json', SECRET, root], { reject: false });
    expect(grep.stdout).toBe('');
    for (const out of [installed.all, updated.all, removed.all]) expect(out).not.toContain(SECRET);
  }, 600_000);
});

describe('settings files the shim refuses (exit 2, nothing laid out)', () => {
  const shim = (args: string[], r: string) =>
    execa(process.execPath, [path.join(REPO, 'dist/standalone.mjs'), ...args], {
      reject: false,
      env: { PATH: process.env.PATH, OPEN_AMA_ROOT: r },
      extendEnv: false,
    });

  test.each([
    ['protected settings readable by others', 0o644, false, /mode 644; it must be readable by its owner only/],
    ['protected settings behind a symlink', 0o600, true, /is a symbolic link/],
  ])('%s', async (_what, mode, viaLink, message) => {
    const r = mkdtempSync(path.join(dir, 'bad-'));
    const pub = path.join(r, 'settings.json');
    writeFileSync(pub, '{}', { mode: 0o644 });
    const real = path.join(r, 'protected.json');
    writeFileSync(real, JSON.stringify({ secret: SECRET }));
    chmodSync(real, mode);
    const prot = viaLink ? path.join(r, 'link.json') : real;
    if (viaLink) symlinkSync(real, prot);
    const res = await shim(['install', '--settings', pub, '--protected-settings', prot], r);
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr + res.stdout).not.toContain(SECRET);
    expect(existsSync(path.join(r, STANDALONE_LIB_SUBDIR))).toBe(false);
  });

  test('refuses to install beside the open-ama extension the guest agent runs (exit 1, nothing placed)', async () => {
    const r = mkdtempSync(path.join(dir, 'beside-'));
    mkdirSync(path.join(r, 'var/lib/waagent', `${HANDLER_NAME}-0.1.0`), { recursive: true });
    writeFileSync(path.join(r, 's.json'), '{}');
    const res = await shim(['install', '--settings', path.join(r, 's.json'), '--package', zipA], r);
    expect(res.exitCode).toBe(1);
    expect(res.stderr).toMatch(/already installed by the guest agent .*remove the extension first/);
    expect(readdirSync(path.join(r, STANDALONE_LIB_SUBDIR)).filter((f) => f.startsWith(HANDLER_NAME))).toEqual([]);
  });

  test('protected settings that are not JSON: the error gives a position, never the text', async () => {
    const r = mkdtempSync(path.join(dir, 'bad-'));
    writeFileSync(path.join(r, 's.json'), '{}');
    writeFileSync(path.join(r, 'p.json'), `{"password": ${SECRET}}`, { mode: 0o600 });
    const res = await shim(
      ['install', '--settings', path.join(r, 's.json'), '--protected-settings', path.join(r, 'p.json')],
      r,
    );
    expect(res.exitCode).toBe(2);
    expect(res.stderr).toMatch(/protected settings file .* is not valid JSON/);
    expect(res.stderr).not.toContain(SECRET);
  });
});
