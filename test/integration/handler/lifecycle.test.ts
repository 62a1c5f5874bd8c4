// The packaged ZIP driven like the guest agent (docs/guest-agent-protocol.md): install → enable → enable with a new seq
// and changed settings → disable → uninstall, with protected settings encrypted by real openssl (DES-EDE3
// and AES-256); status files valid at every step; no process left; no secret anywhere we wrote.
import { describe, expect, test } from '@jest/globals';
import { readFileSync, readdirSync, rmSync, existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { packagedZip } from '../../support/packaged-zip.js';
import {
  encrypt,
  installPackage,
  makeCertificate,
  processesMentioning,
  runOp,
  writeSettings,
  type ExtensionLayout,
} from '../../support/guest-agent.js';
import { usePackagedExtension } from '../../support/packaged-extension.js';

const SECRET = 'Sentinel-Proxy-Pw-4471';
const SECRET2 = 'Sentinel-Proxy-Pw-9902';
const pkg = usePackagedExtension('oa-life-');
const newRoot = pkg.newRoot;

function status(
  ext: ExtensionLayout,
  seq: number,
): {
  operation: string;
  status: string;
  code: number;
  formattedMessage: { lang: string; message: string };
  substatus: { status: string; formattedMessage: { lang: string; message: string } }[];
} {
  const doc = JSON.parse(readFileSync(path.join(ext.statusFolder, `${seq}.status`), 'utf8')) as { status: never }[];
  expect(Array.isArray(doc)).toBe(true);
  const st = doc[0]!.status as ReturnType<typeof status>;
  // The agent's parsing rules (docs/guest-agent-protocol.md §6.1): lower-case status, formattedMessage with lang+message.
  expect(['transitioning', 'warning', 'error', 'success']).toContain(st.status);
  expect(st.formattedMessage).toEqual({ lang: 'en-US', message: expect.any(String) });
  for (const s of st.substatus ?? []) {
    expect(['transitioning', 'warning', 'error', 'success']).toContain(s.status);
    expect(Object.keys(s.formattedMessage).sort()).toEqual(['lang', 'message']);
  }
  return st;
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory()
      ? allFiles(p)
      : e.isFile() && statSync(p).size < 50 * 1024 * 1024 && !p.includes('/runtime/')
        ? [p]
        : [];
  });
}

const dcr = (root: string) => ({
  immutableId: 'dcr-0123456789abcdef0123456789abcdef',
  dataSources: {
    performanceCounters: [
      {
        name: 'perf',
        streams: ['Microsoft-Perf'],
        samplingFrequencyInSeconds: 5,
        counterSpecifiers: ['Memory(*)\\% Used Memory'],
      },
    ],
    logFiles: [{ name: 'app', streams: ['Custom-App'], filePatterns: [`${root}/app/*.log`], format: 'text' }],
  },
  streamDeclarations: {
    'Custom-App': {
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'RawData', type: 'string' },
      ],
    },
  },
  destinations: { openAmaFile: [{ name: 'local-file' }] },
  dataFlows: [{ streams: ['Microsoft-Perf', 'Custom-App'], destinations: ['local-file'] }],
});

describe('handler lifecycle from the packaged ZIP', () => {
  test('install → enable → new settings → disable → uninstall, both content ciphers, nothing left behind, no secret leaked', async () => {
    const root = newRoot();
    const ext = await installPackage(root, pkg.zip(), '0.1.0');
    const thumb = await makeCertificate(ext.libDir);
    const pub0 = {
      proxy: { mode: 'application', address: 'http://127.0.0.1:3128', auth: true },
      dataCollectionRules: [dcr(root)],
    };
    writeSettings(
      ext,
      0,
      pub0,
      await encrypt(ext.libDir, thumb, { proxy: { username: 'alice', password: SECRET } }, 'des3'),
      thumb,
    );

    const install = await runOp(ext, 'install', 0);
    expect(install.exitCode).toBe(0);
    expect(status(ext, 0)).toMatchObject({ operation: 'Install', status: 'success' });

    const enable0 = await runOp(ext, 'enable', 0);
    expect(enable0.exitCode).toBe(0);
    expect(status(ext, 0)).toMatchObject({ operation: 'Enable', status: 'success' });
    expect(readFileSync(path.join(ext.extDir, 'mrseq'), 'utf8')).toBe('0');
    const cfg = path.join(root, 'etc/opt/open-ama/agent-config.json');
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(cfg, 'utf8'))).toMatchObject({
      configVersion: 0,
      proxy: { username: 'alice', password: SECRET },
    });
    expect(processesMentioning(root).filter((p) => p.includes('supervisor.mjs'))).toHaveLength(1);
    expect(processesMentioning(root).filter((p) => p.includes('collector.mjs'))).toHaveLength(1);
    // No secret in any process argument on the machine.
    expect(processesMentioning(SECRET).filter((p) => !p.includes('jest'))).toEqual([]);
    const heartbeat = JSON.parse(readFileSync(path.join(ext.extDir, 'heartbeat.log'), 'utf8')) as {
      heartbeat: { status: string };
    }[];
    expect(heartbeat[0]!.heartbeat.status).toBe('Ready');

    // The installed version carries the operator's doctor, run on the bundled runtime (docs/troubleshooting.md).
    const doctor = await execa(
      path.join(root, 'opt/open-ama/0.1.0/bin/open-ama-doctor'),
      ['--json', '--timeout', '2'],
      {
        env: { PATH: '/usr/bin:/bin', OPEN_AMA_ROOT: root, OPEN_AMA_IMDS_URL: 'http://127.0.0.1:9' },
        extendEnv: false,
        reject: false,
      },
    );
    const report = JSON.parse(doctor.stdout) as { checks: { id: string; verdict: string }[] };
    const verdict = (id: string): string | undefined => report.checks.find((c) => c.id === id)?.verdict;
    expect({ config: verdict('config'), dcr: verdict('dcr'), agent: verdict('agent') }).toEqual({
      config: 'ok',
      dcr: 'ok',
      agent: 'ok',
    });
    expect(verdict('identity')).toBe('fail'); // no IMDS here: exit 1
    expect(doctor.exitCode).toBe(1);
    expect(`${doctor.stdout}${doctor.stderr}`).not.toContain(SECRET);

    // Re-running enable with the same seq is a no-op that rewrites success.
    const again = await runOp(ext, 'enable', 0);
    expect(again.exitCode).toBe(0);
    expect(status(ext, 0).formattedMessage.message).toMatch(/unchanged/);

    // New seq, changed settings, AES-256 protected settings.
    const pub1 = { ...pub0, logLevel: 'debug' };
    writeSettings(
      ext,
      1,
      pub1,
      await encrypt(ext.libDir, thumb, { proxy: { username: 'bob', password: SECRET2 } }, 'aes256'),
      thumb,
    );
    const enable1 = await runOp(ext, 'enable', 1);
    expect(enable1.exitCode).toBe(0);
    expect(status(ext, 1)).toMatchObject({ operation: 'Enable', status: 'success' });
    expect(JSON.parse(readFileSync(cfg, 'utf8'))).toMatchObject({
      configVersion: 1,
      logLevel: 'debug',
      proxy: { username: 'bob', password: SECRET2 },
    });

    const disable = await runOp(ext, 'disable', 1);
    expect(disable.exitCode).toBe(0);
    expect(status(ext, 1)).toMatchObject({ operation: 'Disable', status: 'success' });
    expect(processesMentioning(root)).toEqual([]);
    expect(existsSync(path.join(root, 'var/opt/open-ama'))).toBe(true); // state survives disable

    const uninstall = await runOp(ext, 'uninstall', 1);
    expect(uninstall.exitCode).toBe(0);
    expect(processesMentioning(root)).toEqual([]);
    expect(existsSync(path.join(root, 'var/opt/open-ama'))).toBe(false);
    expect(existsSync(path.join(root, 'etc/opt/open-ama'))).toBe(false);
    expect(existsSync(path.join(root, 'opt/open-ama'))).toBe(false);
    expect(readdirSync(ext.logFolder).some((f) => f.startsWith('handler.log'))).toBe(true); // logs stay

    // Secrets: nowhere in logs, status files, events, heartbeat, or command output.
    const outputs = [install, enable0, again, enable1, disable, uninstall]
      .map((r) => `${r.stdout}${r.stderr}`)
      .join('\n');
    expect(outputs).not.toContain(SECRET);
    for (const f of [
      ...allFiles(ext.logFolder),
      ...allFiles(ext.statusFolder),
      path.join(ext.extDir, 'heartbeat.log'),
    ]) {
      const text = readFileSync(f, 'utf8');
      expect({ f, leaked: text.includes(SECRET) || text.includes(SECRET2) }).toEqual({ f, leaked: false });
    }
  }, 180_000);

  test('update A→B follows the agent order and ends with B running, A gone, state kept', async () => {
    const root = newRoot();
    const zipB = await packagedZip({ version: '0.1.1' });
    const a = await installPackage(root, pkg.zip(), '0.1.0');
    writeSettings(a, 3, { dataCollectionRules: [dcr(root)] });
    expect((await runOp(a, 'install', 3)).exitCode).toBe(0);
    expect((await runOp(a, 'enable', 3)).exitCode).toBe(0);
    const supA = processesMentioning(root).filter((p) => p.includes('supervisor.mjs'));
    expect(supA).toHaveLength(1);

    // Step 1: B unpacked, settings written for the goal state's seq.
    const b = await installPackage(root, zipB, '0.1.1');
    writeSettings(b, 4, { dataCollectionRules: [dcr(root)] });
    // Step 2: A disable (no settings file for seq 4 in A).
    expect((await runOp(a, 'disable', 4)).exitCode).toBe(0);
    expect(processesMentioning(root)).toEqual([]);
    // Step 3: the agent copies mrseq and status files A → B (simulated by the harness in its own tests).
    // Step 4: B update.
    const upd = await runOp(b, 'update', 4, {
      VERSION: '0.1.1',
      AZURE_GUEST_AGENT_UPDATING_FROM_VERSION: '0.1.0',
      AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE: '0',
    });
    expect(upd.exitCode).toBe(0);
    // Step 5: A uninstall must keep the shared state for B.
    expect((await runOp(a, 'uninstall', 4)).exitCode).toBe(0);
    expect(existsSync(path.join(root, 'var/opt/open-ama/queue'))).toBe(true);
    expect(existsSync(path.join(root, 'etc/opt/open-ama/agent-config.json'))).toBe(true);
    rmSync(a.extDir, { recursive: true, force: true }); // step 6
    // Steps 7–8: B install and enable.
    expect((await runOp(b, 'install', 4, { AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: '0' })).exitCode).toBe(0);
    const en = await runOp(b, 'enable', 4, { AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: '0' });
    expect(en.exitCode).toBe(0);
    expect(status(b, 4)).toMatchObject({
      operation: 'Enable',
      status: 'success',
      formattedMessage: { message: expect.stringContaining('0.1.1') },
    });
    const procs = processesMentioning(root);
    expect(procs.filter((p) => p.includes('supervisor.mjs'))).toHaveLength(1);
    expect(procs.every((p) => !p.includes('/0.1.0/'))).toBe(true);
    expect(existsSync(path.join(root, 'opt/open-ama/0.1.0'))).toBe(false);
    expect((await runOp(b, 'disable', 4)).exitCode).toBe(0);
    expect((await runOp(b, 'uninstall', 4)).exitCode).toBe(0);
    expect(processesMentioning(root)).toEqual([]);
  }, 300_000);
});
