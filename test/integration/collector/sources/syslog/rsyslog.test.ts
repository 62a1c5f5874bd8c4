// A real rsyslogd, started unprivileged in a temp root with an imtcp input and OUR drop-in as
// applySyslogDaemonConfig writes it (validated with rsyslogd -N1 against that root's rsyslog.conf),
// forwards 1,000 `logger` messages across facilities and levels: every selected one arrives exactly once
// with the right columns, the others never leave rsyslog. A drop-in rsyslog rejects is backed out.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import {
  applySyslogDaemonConfig,
  installSyslogDaemonFile,
  removeSyslogDaemonConfig,
} from '../../../../../agent/collector/sources/syslog/daemon-config/index.js';
import type { SyslogSource } from '../../../../../agent/collector/sources/syslog/syslog-source.js';
import type { AgentPaths } from '../../../../../agent/config/paths.js';
import { createNullLogger } from '../../../../../agent/telemetry/index.js';
import {
  sendWithLogger,
  startLocalRsyslog,
  startSource,
  waitFor,
  type Collected,
  type LocalRsyslog,
  COMBOS,
  PER_COMBO,
  SELECTION_A,
  SELECTION_B,
} from './helpers.js';
import { describeWhenInstalled, RSYSLOGD } from '../../../../support/os-requirements.js';

const A = SELECTION_A;
const B = SELECTION_B;
const FACILITY = { 20: 'local4', 4: 'auth', 3: 'daemon', 1: 'user' } as Record<number, string>;
const SEVERITY = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

let rsyslog: LocalRsyslog | undefined;
let source: SyslogSource;
let collected: Collected;
let inputPort: number;
const paths = (): AgentPaths => rsyslog!.paths;

beforeAll(async () => {
  const s = await startSource({ port: 0, filters: [A, B], streams: ['Microsoft-Syslog'] });
  source = s.source;
  collected = s.collected;
  rsyslog = await startLocalRsyslog('oa-rsyslog-', [A, B], source.boundPort);
  inputPort = rsyslog.inputPort;
  expect(rsyslog.applied).toEqual({ daemon: 'rsyslog', changed: true, file: paths().rsyslogDropInFile });
}, 60_000);

afterAll(async () => {
  await rsyslog?.stop();
  await source?.stop();
});

describeWhenInstalled('real rsyslog', [RSYSLOGD])('real rsyslog with the generated drop-in', () => {
  test('the drop-in forwards exactly the union of the selections in rsyslog selector syntax', () => {
    const text = readFileSync(paths().rsyslogDropInFile, 'utf8');
    expect(text).toContain('daemon.=err;daemon.=info;auth,local4.warning action(type="omfwd"');
    expect(text).toContain(`port="${source.boundPort}"`);
  });

  test('1,000 messages from logger: every selected one arrives exactly once with its columns, none of the others', async () => {
    const lines = (rfcHalf: number): string[] => {
      const out: string[] = [];
      COMBOS.forEach(([fac, sev], c) => {
        for (let i = 0; i < PER_COMBO; i++)
          if (i % 2 === rfcHalf) out.push(`<${fac * 8 + sev}>seq=${c * PER_COMBO + i} combo=${c}`);
      });
      return out;
    };
    await sendWithLogger(inputPort, lines(0), { rfc: '3164', tag: 'myapp', id: 4242 });
    await sendWithLogger(inputPort, lines(1), { rfc: '5424', tag: 'other-app', id: 777 });
    const expected = COMBOS.filter((c) => c[2]).length * PER_COMBO;
    await waitFor(() => collected.count() >= expected, 30_000, `${expected} forwarded messages`);
    await new Promise((r) => setTimeout(r, 1000)); // duplicates or filtered ones would arrive by now
    const records = collected.all();
    const seqs = records.map((r) => Number(/^seq=(\d+)/.exec(String(r.SyslogMessage))![1]));
    expect(records.length).toBe(expected);
    expect(new Set(seqs).size).toBe(expected);
    for (const r of records) {
      const seq = Number(/^seq=(\d+)/.exec(String(r.SyslogMessage))![1]);
      const [fac, sev, selected] = COMBOS[Math.floor(seq / PER_COMBO)]!;
      expect(selected).toBe(true);
      const odd = (seq % PER_COMBO) % 2 === 1;
      expect(r).toMatchObject({
        Facility: FACILITY[fac],
        SeverityLevel: SEVERITY[sev],
        HostName: os.hostname(),
        Computer: 'collector',
        CollectorHostName: 'collector',
        HostIP: '',
        ProcessName: odd ? 'other-app' : 'myapp',
        ProcessID: odd ? 777 : 4242,
        SyslogMessage: `seq=${seq} combo=${Math.floor(seq / PER_COMBO)}`,
      });
    }
    // each record went to the data source whose set selects it
    expect(collected.byStream.get('A|Microsoft-Syslog')!.every((r) => r.Facility !== 'daemon')).toBe(true);
    expect(collected.byStream.get('B|Microsoft-Syslog')!.every((r) => r.Facility === 'daemon')).toBe(true);
    expect(source.stats().filtered).toBe(0); // rsyslog itself filtered
  }, 60_000);

  test('applying the same selections again changes nothing', async () => {
    expect(
      await applySyslogDaemonConfig({
        selectors: [B, A],
        port: source.boundPort,
        paths: paths(),
        logger: createNullLogger(),
      }),
    ).toEqual({ daemon: 'rsyslog', changed: false, file: paths().rsyslogDropInFile });
  });

  test('rsyslogd -N1 rejects a broken drop-in: the previous file is restored and a warning returned', async () => {
    const before = readFileSync(paths().rsyslogDropInFile, 'utf8');
    const r = await installSyslogDaemonFile({
      daemon: 'rsyslog',
      text: 'action(type="omfwd" target="127.0.0.1" port="1" protocol="tcp"\n',
      paths: paths(),
      logger: createNullLogger(),
    });
    expect(r.changed).toBe(false);
    expect(r.warning).toMatch(/rsyslog rejected the configuration/);
    expect(readFileSync(paths().rsyslogDropInFile, 'utf8')).toBe(before);
    const unknown = await installSyslogDaemonFile({
      daemon: 'rsyslog',
      text: 'auth.* action(type="omnosuchmodule")\n',
      paths: paths(),
      logger: createNullLogger(),
    });
    expect(unknown.warning).toMatch(/rejected/);
    expect(readFileSync(paths().rsyslogDropInFile, 'utf8')).toBe(before);
  });

  test('removing the configuration deletes the drop-in', async () => {
    const r = await removeSyslogDaemonConfig({ paths: paths(), logger: createNullLogger() });
    expect(r).toMatchObject({ daemon: 'rsyslog', changed: true });
    expect(() => readFileSync(paths().rsyslogDropInFile)).toThrow();
  });
});
