// Secrets across the whole lifecycle of the packaged extension: install → enable (authenticated tinyproxy,
// sentinel credentials in protectedSettings.proxy) → new settings (AMA's next-generation shape,
// protectedSettings.azureMonitorConfiguration.proxy, a second proxy) → a wrong password → disable →
// uninstall, with the real collector uploading through the proxy to the loopback fakes. At every step every
// file under the temp root and the cmdline + environ of every process are searched for each sentinel in
// plain, base64 (all three alignments, so "user:password" Basic headers count) and URL-encoded form; only
// the 0600 agent config may hold them. A leak fails with the file (or process) and the byte offset.
import type { Operation } from '../../harness/command-runner.js';
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';

import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { packagedZip } from '../support/packaged-zip.js';

import {
  encrypt,
  installPackage,
  makeCertificate,
  runOp,
  writeSettings,
  type ExtensionLayout,
} from '../support/guest-agent.js';

import { syslogToLaDcr } from '../support/collector-process.js';
import { createTestCa, type TestCa } from '../fakes/test-ca.js';

import { FakeIngestionServer } from '../fakes/ingestion-server.js';

import { FakeImdsServer } from '../fakes/imds-server.js';

import { startTinyproxy, type TinyproxyHandle } from '../fakes/tinyproxy.js';
import { describeWhenInstalled, OPENSSL, TINYPROXY } from '../support/os-requirements.js';
import { freePort, waitFor } from '../support/net.js';

// tinyproxy's BasicAuth accepts [-a-z0-9._] only; the wrong password (never configured there) has the
// characters URL and base64 encodings change.
const USER_A = 'sentinel-user-a7q';
const PASS_A = 'sentinel.pw-a.K9x2Lm';
const USER_B = 'sentinel-user-b3z';
const PASS_B = 'sentinel.pw-b.Q4t8Wn';
const BAD_PASS = 'Sentinel Bad/Pw@%:+7e';
const SENTINELS = [USER_A, PASS_A, USER_B, PASS_B, BAD_PASS];
const DCR_ID = 'dcr-5ec2e75ec2e75ec2e75ec2e75ec2e75e';
const AGENT_CONFIG = 'etc/opt/open-ama/agent-config.json';

let fakesDir: string; // CA + tinyproxy configs (which hold the passwords) live outside the scanned root
let root: string;
let ca: TestCa;
let ingestion: FakeIngestionServer;
let imds: FakeImdsServer;
let proxyA: TinyproxyHandle;
let proxyB: TinyproxyHandle;
let zip: string;

beforeAll(async () => {
  zip = await packagedZip();
  fakesDir = mkdtempSync(path.join(os.tmpdir(), 'oa-secrets-fakes-'));
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-secrets-'));
  ca = await createTestCa(path.join(fakesDir, 'ca'));
  ingestion = new FakeIngestionServer(ca);
  await ingestion.start();
  imds = new FakeImdsServer({ mode: 'imds' });
  await imds.start();
  proxyA = await startTinyproxy(path.join(fakesDir, 'proxy-a'), { user: USER_A, password: PASS_A });
  proxyB = await startTinyproxy(path.join(fakesDir, 'proxy-b'), { user: USER_B, password: PASS_B });
}, 600_000);

afterAll(async () => {
  for (const pid of extensionPids()) process.kill(pid, 'SIGKILL'); // only after a failed step
  await proxyA?.stop();
  await proxyB?.stop();
  await ingestion?.stop();
  await imds?.stop();
  rmSync(root, { recursive: true, force: true });
  rmSync(fakesDir, { recursive: true, force: true });
});

/** Every byte form a sentinel could take: plain, URL-encoded, and base64 at each of the 3 alignments. */
function needles(): { name: string; bytes: Buffer }[] {
  const out: { name: string; bytes: Buffer }[] = [];
  for (const s of SENTINELS) {
    const forms = new Map<string, string>([
      [`"${s}"`, s],
      [`url("${s}")`, encodeURIComponent(s)],
      [`form("${s}")`, new URLSearchParams({ x: s }).toString().slice(2)],
    ]);
    for (let k = 0; k < 3; k++) {
      // Encode behind k filler bytes; keep only the characters that depend on the sentinel alone.
      const b64 = Buffer.concat([Buffer.alloc(k), Buffer.from(s)]).toString('base64');
      const start = Math.ceil((k * 4) / 3);
      const end = Math.floor(((k + s.length) * 4) / 3);
      forms.set(`base64@${k}("${s}")`, b64.slice(start, end));
    }
    for (const [name, text] of forms) out.push({ name, bytes: Buffer.from(text) });
  }
  return out;
}

function leaksIn(where: string, data: Buffer): string[] {
  const found: string[] = [];
  for (const n of needles()) {
    const at = data.indexOf(n.bytes);
    if (at >= 0) found.push(`${where} @ offset ${at}: ${n.name}`);
  }
  return found;
}

function allFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (ifPresent(() => readdirSync(dir, { withFileTypes: true })) ?? []).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return allFiles(p);
    return e.isFile() ? [p] : [];
  });
}

/**
 * `read()`, or null when its file vanished meanwhile (ENOENT): the running agent writes `*.tmp` files and
 * renames them into place, and removes lanes' directories, so a scan can list an entry that is gone a moment
 * later. What a temp file held lives on in the renamed file, which the scan reads.
 */
function ifPresent<T>(read: () => T): T | null {
  try {
    return read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Processes the extension started: they carry our temp root in their command line or environment. */
function extensionPids(): number[] {
  if (!root) return [];
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid)
    .filter((pid) => {
      try {
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(root) ||
          readFileSync(`/proc/${pid}/environ`, 'utf8').includes(root)
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Leaks in every file under the root (except the 0600 agent config) and in every readable process. */
function scan(step: string): {
  leaks: string[];
  filesScanned: number;
  processesScanned: number;
  secretFiles: string[];
} {
  const leaks: string[] = [];
  const secretFiles: string[] = [];
  const files = allFiles(root);
  for (const f of files) {
    const rel = path.relative(root, f);
    const data = ifPresent(() => readFileSync(f));
    if (data === null) continue;
    const found = leaksIn(`${step}: file ${rel}`, data);
    if (found.length === 0) continue;
    if (rel === AGENT_CONFIG || rel.startsWith(`${AGENT_CONFIG}.`)) {
      // The mode read now may belong to the file's renamed successor; a temp file gone meanwhile is
      // judged by the file it became, which this scan or the next reads.
      const st = ifPresent(() => lstatSync(f));
      if (st === null) continue;
      secretFiles.push(rel);
      const mode = st.mode & 0o777;
      if (mode !== 0o600) leaks.push(`${step}: ${rel} holds a secret with mode ${mode.toString(8)} (must be 600)`);
    } else leaks.push(...found);
  }
  let processesScanned = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    for (const part of ['cmdline', 'environ']) {
      try {
        const data = readFileSync(`/proc/${pid}/${part}`);
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 120);
        leaks.push(...leaksIn(`${step}: /proc/${pid}/${part} (${cmd})`, data));
        processesScanned++;
      } catch {
        // gone, or not ours to read
      }
    }
  }
  return { leaks, filesScanned: files.length, processesScanned, secretFiles };
}

function expectNoLeak(step: string): void {
  const r = scan(step);
  expect(r.leaks).toEqual([]);
  expect(r.filesScanned).toBeGreaterThan(0);
  expect(r.processesScanned).toBeGreaterThan(0);
}

async function sendSyslog(port: number, text: string): Promise<void> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('error', reject);
  });
  await new Promise<void>((resolve) => s.end(`<14>Nov 25 10:00:00 host app: ${text}\n`, () => resolve()));
}

function statusOf(
  ext: ExtensionLayout,
  seq: number,
): {
  status: string;
  formattedMessage: { message: string };
  substatus?: { name: string; status: string; formattedMessage: { message: string } }[];
} {
  return (JSON.parse(readFileSync(path.join(ext.statusFolder, `${seq}.status`), 'utf8')) as { status: never }[])[0]!
    .status;
}

describeWhenInstalled('secrets test', [TINYPROXY, OPENSSL])(
  'secrets across the lifecycle of the packaged extension',
  () => {
    test('the scanner sees a Basic proxy header, a proxy URL with credentials and a form body', () => {
      const basic = Buffer.from(
        `Proxy-Authorization: Basic ${Buffer.from(`${USER_B}:${BAD_PASS}`).toString('base64')}`,
      );
      expect(leaksIn('header', basic).map((l) => l.replace(/.*: /, ''))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^base64@\d\("sentinel-user-b3z"\)$/),
          expect.stringMatching(/^base64@\d\("Sentinel Bad/),
        ]),
      );
      expect(leaksIn('url', Buffer.from(`http://${USER_A}:${encodeURIComponent(BAD_PASS)}@127.0.0.1:3128`))).toEqual(
        expect.arrayContaining([
          'url @ offset 7: "sentinel-user-a7q"',
          'url @ offset 25: url("Sentinel Bad/Pw@%:+7e")',
        ]),
      );
      expect(leaksIn('form', Buffer.from(new URLSearchParams({ p: BAD_PASS }).toString()))).toEqual([
        'form @ offset 2: form("Sentinel Bad/Pw@%:+7e")',
      ]);
      expect(leaksIn('clean', Buffer.from('sentinel-user sentinel.pw Sentinel Bad'))).toEqual([]);
    });

    test('no proxy credential (plain, base64, URL-encoded) outside the 0600 agent config, in any file or process, at any step; a wrong password is never quoted', async () => {
      const ext = await installPackage(root, zip, '0.1.0');
      const thumb = await makeCertificate(ext.libDir);
      const syslogPort = await freePort();
      const env = {
        NODE_EXTRA_CA_CERTS: ca.caCertPath,
        OPEN_AMA_IMDS_URL: imds.base,
        OPEN_AMA_SYSLOG_PORT: String(syslogPort),
      };
      const dcrs = [syslogToLaDcr(DCR_ID, ingestion.url)];
      const outputs: string[] = [];
      const op = async (name: Operation, seq: number): Promise<number | null> => {
        const r = await runOp(ext, name, seq, env);
        outputs.push(`${r.stdout}\n${r.stderr}`);
        return r.exitCode;
      };
      // Records arrive, and the proxy of the current settings tunnelled to the ingestion fake.
      const uploadedThrough = async (proxy: TinyproxyHandle, text: string): Promise<void> => {
        const before = ingestion.records().length;
        await waitFor(
          async () => {
            await sendSyslog(syslogPort, text).catch(() => undefined);
            return ingestion.records().length > before && (await proxy.connectCount()) > 0;
          },
          60_000,
          `an upload through ${proxy.url}`,
        );
      };

      // 1. install + enable: legacy shape, proxy A with basic auth; debug logging, the likeliest to leak.
      writeSettings(
        ext,
        0,
        {
          proxy: { mode: 'application', address: proxyA.url, auth: true },
          logLevel: 'debug',
          dataCollectionRules: dcrs,
        },
        await encrypt(ext.libDir, thumb, { proxy: { username: USER_A, password: PASS_A } }, 'aes256'),
        thumb,
      );
      expect(await op('install', 0)).toBe(0);
      expectNoLeak('install');
      expect(await op('enable', 0)).toBe(0);
      expect(statSync(path.join(root, AGENT_CONFIG)).mode & 0o777).toBe(0o600);
      expect(extensionPids().length).toBeGreaterThan(0);
      await uploadedThrough(proxyA, 'first through proxy A');
      expectNoLeak('enable 0, uploading through proxy A');
      expect(scan('enable 0').secretFiles).toEqual([AGENT_CONFIG]);

      // 2. new settings: AMA's next-generation shape, the other protected field, proxy B.
      const pub1 = {
        azureMonitorConfiguration: {
          enable: true,
          configuration: { proxy: { mode: 'application', address: proxyB.url, auth: 'true' } },
        },
        dataCollectionRules: dcrs,
      };
      writeSettings(
        ext,
        1,
        pub1,
        await encrypt(
          ext.libDir,
          thumb,
          { azureMonitorConfiguration: { proxy: { username: USER_B, password: PASS_B } } },
          'des3',
        ),
        thumb,
      );
      expect(await op('enable', 1)).toBe(0);
      expect(statusOf(ext, 1).status).toBe('success');
      await uploadedThrough(proxyB, 'then through proxy B');
      expectNoLeak('enable 1, uploading through proxy B');

      // 3. a wrong password: uploads fail with the proxy's 401/407, and nothing quotes the password.
      writeSettings(
        ext,
        2,
        {
          proxy: { mode: 'application', address: proxyB.url, auth: true },
          logLevel: 'debug',
          dataCollectionRules: dcrs,
        },
        await encrypt(ext.libDir, thumb, { proxy: { username: USER_B, password: BAD_PASS } }, 'aes256'),
        thumb,
      );
      expect(await op('enable', 2)).toBe(0);
      await waitFor(
        async () => {
          await sendSyslog(syslogPort, 'refused by the proxy').catch(() => undefined);
          const st = statusOf(ext, 2);
          return (st.substatus ?? []).some(
            (s) => s.status !== 'success' && /40[17]|proxy/i.test(s.formattedMessage.message),
          );
        },
        90_000,
        'the status to report the proxy refusing the credentials',
      );
      expect(JSON.stringify(statusOf(ext, 2))).not.toContain(BAD_PASS);
      expectNoLeak('enable 2, wrong proxy password');

      // 4. disable + uninstall: nothing running, nothing left that holds a secret (logs and status stay).
      expect(await op('disable', 2)).toBe(0);
      expect(extensionPids()).toEqual([]);
      expectNoLeak('disable');
      expect(await op('uninstall', 2)).toBe(0);
      expect(extensionPids()).toEqual([]);
      expectNoLeak('uninstall');
      expect(scan('uninstall').secretFiles).toEqual([]);
      expect(leaksIn('handler stdout/stderr', Buffer.from(outputs.join('\n')))).toEqual([]);
    }, 420_000);
  },
);
