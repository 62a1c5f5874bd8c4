// A real syslog-ng, started unprivileged in a temp root (own config, pidfile, persist and control files),
// with a TCP network() source standing in for the system source and OUR open-ama.conf as
// applySyslogDaemonConfig writes it (source name read from the main config, validated with
// --syntax-only): selected messages arrive exactly once with their columns, the others never do.
// Skipped, saying why, when no syslog-ng binary is available (see findSyslogNg).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import {
  applySyslogDaemonConfig,
  installSyslogDaemonFile,
} from '../../../../../agent/collector/sources/syslog/daemon-config/index.js';
import type { SyslogSource } from '../../../../../agent/collector/sources/syslog/syslog-source.js';
import { agentPaths } from '../../../../../agent/config/paths.js';
import { createNullLogger } from '../../../../../agent/telemetry/index.js';
import {
  canConnect,
  COMBOS,
  findSyslogNg,
  freePort,
  PER_COMBO,
  SELECTION_A,
  SELECTION_B,
  sendWithLogger,
  startSource,
  waitFor,
  type Collected,
} from './helpers.js';
import { skippedDescribe } from '../../../../support/os-requirements.js';

const A = SELECTION_A;
const B = SELECTION_B;

const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-syslog-ng-'));
const syslogNg = await findSyslogNg(dir);
const describeIf = syslogNg
  ? describe
  : skippedDescribe(
      'real syslog-ng',
      'no syslog-ng on PATH, and OPEN_AMA_TEST_SYSLOG_NG_ROOT names no unpacked syslog-ng-core ' +
        '(apt-get install -y syslog-ng-core; beside rsyslog, which conflicts as a package: ' +
        'apt-get download syslog-ng-core && dpkg -x syslog-ng-core_*.deb ROOT, then OPEN_AMA_TEST_SYSLOG_NG_ROOT=ROOT, as .ci/run does)',
    );

let daemon: ResultPromise | undefined;
let source: SyslogSource;
let collected: Collected;
let inputPort: number;
const paths = agentPaths({ OPEN_AMA_ROOT: path.join(dir, 'root') });
const tools = { syslogNg: syslogNg ?? 'syslog-ng', pidFile: path.join(dir, 'syslog-ng.pid') };
const mainConfig = path.join(paths.root, 'etc/syslog-ng/syslog-ng.conf');

beforeAll(async () => {
  if (!syslogNg) return;
  const s = await startSource({ port: 0, filters: [A, B], streams: ['Microsoft-Syslog'] });
  source = s.source;
  collected = s.collected;
  inputPort = await freePort();
  mkdirSync(paths.syslogNgDropInDir, { recursive: true });
  writeFileSync(
    mainConfig,
    [
      '@version: 3.38',
      'options { keep-hostname(yes); use-dns(no); chain-hostnames(no); };',
      `source s_src { network(ip("127.0.0.1") port(${inputPort}) transport("tcp")); };`,
      `@include "${paths.syslogNgDropInDir}/*.conf"`,
      '',
    ].join('\n'),
  );
  const applied = await applySyslogDaemonConfig({
    selectors: [A, B],
    port: source.boundPort,
    paths,
    logger: createNullLogger(),
    tools,
  });
  expect(applied).toEqual({ daemon: 'syslog-ng', changed: true, file: paths.syslogNgDropInFile });
  daemon = execa(
    syslogNg,
    ['-F', '-f', mainConfig, '-p', tools.pidFile, '-R', path.join(dir, 'persist'), '-c', path.join(dir, 'ctl')],
    { reject: false, stdio: 'ignore' },
  );
  await waitFor(() => canConnect(inputPort), 15_000, 'syslog-ng network source');
}, 60_000);

afterAll(async () => {
  daemon?.kill('SIGTERM');
  await daemon;
  await source?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeIf('real syslog-ng with the generated configuration', () => {
  test('the configuration uses the main config source and filters the union', () => {
    const text = readFileSync(paths.syslogNgDropInFile, 'utf8');
    expect(text).toContain('log { source(s_src); filter(f_open_ama); destination(d_open_ama); flags(flow-control); };');
    expect(text).toContain(
      '(facility(daemon) and level(err, info)) or (facility(auth, local4) and level(emerg..warning))',
    );
  });

  test('1,000 messages from logger: every selected one arrives exactly once with its columns, none of the others', async () => {
    const lines: string[] = [];
    COMBOS.forEach(([fac, sev], c) => {
      for (let i = 0; i < PER_COMBO; i++) lines.push(`<${fac * 8 + sev}>seq=${c * PER_COMBO + i} combo=${c}`);
    });
    await sendWithLogger(inputPort, lines, { rfc: '3164', tag: 'ngapp', id: 4343 });
    const expected = COMBOS.filter((c) => c[2]).length * PER_COMBO;
    await waitFor(() => collected.count() >= expected, 30_000, `${expected} forwarded messages`);
    await new Promise((r) => setTimeout(r, 1000));
    const records = collected.all();
    expect(records.length).toBe(expected);
    const seqs = new Set(records.map((r) => Number(/^seq=(\d+)/.exec(String(r.SyslogMessage))![1])));
    expect(seqs.size).toBe(expected);
    const SEV = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
    const FAC: Record<number, string> = { 20: 'local4', 4: 'auth', 3: 'daemon' };
    for (const r of records) {
      const seq = Number(/^seq=(\d+)/.exec(String(r.SyslogMessage))![1]);
      const [fac, sev, selected] = COMBOS[Math.floor(seq / PER_COMBO)]!;
      expect(selected).toBe(true);
      expect(r).toMatchObject({
        Facility: FAC[fac],
        SeverityLevel: SEV[sev],
        HostName: os.hostname(),
        ProcessName: 'ngapp',
        ProcessID: 4343,
        SyslogMessage: `seq=${seq} combo=${Math.floor(seq / PER_COMBO)}`,
      });
    }
  }, 60_000);

  test('syslog-ng --syntax-only rejects a broken file: the previous one is restored', async () => {
    const before = readFileSync(paths.syslogNgDropInFile, 'utf8');
    const r = await installSyslogDaemonFile({
      daemon: 'syslog-ng',
      text: 'filter f_open_ama { level(warning..; };\n',
      paths,
      logger: createNullLogger(),
      tools,
    });
    expect(r).toMatchObject({ changed: false, warning: expect.stringMatching(/syslog-ng rejected the configuration/) });
    expect(readFileSync(paths.syslogNgDropInFile, 'utf8')).toBe(before);
  });
});
