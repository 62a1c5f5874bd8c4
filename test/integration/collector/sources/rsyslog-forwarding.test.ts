// A real rsyslogd (Debian package) with the drop-in open-ama generates (AMA's forwarding template,
// the DCR's facility × level sets as a RainerScript condition) forwards to our listener: every selected
// message arrives exactly once with the right columns; messages the DCR does not select never leave rsyslog.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { SyslogSource } from '../../../../agent/collector/sources/syslog/syslog-source.js';
import { syslogFilterKey } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { renderRsyslogDropIn } from '../../../../agent/collector/sources/syslog/daemon-config.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import type { LogRecord } from '../../../../agent/collector/pipeline/types.js';
import { freePort } from '../../../fakes/tinyproxy.js';
import { waitFor } from '../../../helpers/collector-process.js';

// rsyslogd lives in /usr/sbin, which is not on every user's PATH.
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;
let dir: string;
let rsyslog: ResultPromise;
let source: SyslogSource;
let inputPort: number;
const received = new Map<string, LogRecord[]>();

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-rsyslog-'));
  const listen = await freePort();
  inputPort = await freePort();
  const f = syslogFilterKey(['local4', 'auth'], ['Warning', 'Error', 'Critical', 'Alert', 'Emergency']);
  source = new SyslogSource(
    { id: 'syslog', port: listen, filters: [f], streams: ['Microsoft-Syslog'] },
    {
      logger: createNullLogger(),
      computer: 'collector',
      drops: { drop: () => undefined },
      checkpoints: { load: async () => undefined, save: async () => undefined },
      sink: {
        write: async (stream, records) => {
          received.set(stream, [...(received.get(stream) ?? []), ...records]);
        },
      },
    },
  );
  await source.start();
  const conf = path.join(dir, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${dir}")`,
      'module(load="imtcp")',
      `input(type="imtcp" port="${inputPort}" address="127.0.0.1")`,
      // exactly the drop-in the collector writes to /etc/rsyslog.d/10-open-ama.conf
      renderRsyslogDropIn([f], listen),
    ].join('\n') + '\n',
  );
  const check = await execa('rsyslogd', ['-N1', '-f', conf], { reject: false, env: { PATH: SBIN_PATH } });
  expect(check.exitCode).toBe(0);
  rsyslog = execa('rsyslogd', ['-n', '-f', conf, '-i', path.join(dir, 'rsyslogd.pid')], { reject: false, stdio: 'ignore', env: { PATH: SBIN_PATH } });
  await waitFor(() => new Promise((r) => net.connect(inputPort, '127.0.0.1').once('connect', function (this: net.Socket) { this.destroy(); r(true); }).once('error', () => r(false))), 15_000, 'rsyslog input');
}, 60_000);

afterAll(async () => {
  rsyslog?.kill('SIGTERM');
  await rsyslog;
  await source?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('real rsyslog forwarding', () => {
  test('selected messages arrive exactly once with correct columns; others are filtered by rsyslog', async () => {
    const sock = net.connect(inputPort, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const pri = (fac: number, sev: number): number => fac * 8 + sev;
    for (let i = 0; i < 600; i++) {
      const [fac, sev] = i % 3 === 0 ? [20, 4] : i % 3 === 1 ? [4, 3] : [3, 6]; // local4.warning, auth.err, daemon.info (filtered)
      sock.write(`<${pri(fac, sev)}>Nov 25 10:00:00 src-host myapp[${1000 + i}]: seq=${i} payload\n`);
    }
    await new Promise<void>((r) => sock.end(() => r()));
    await waitFor(() => (received.get(`${syslogFilterKey(['local4', 'auth'], ['Warning', 'Error', 'Critical', 'Alert', 'Emergency']).key}|Microsoft-Syslog`)?.length ?? 0) >= 400, 30_000, 'forwarded messages');
    await new Promise((r) => setTimeout(r, 1000)); // nothing more (no duplicates) arrives
    const records = [...received.values()].flat();
    const seqs = records.map((r) => Number(/seq=(\d+)/.exec(String(r.SyslogMessage))![1]));
    expect(seqs.length).toBe(400);
    expect(new Set(seqs).size).toBe(400);
    expect(seqs.every((s) => s % 3 !== 2)).toBe(true);
    const r0 = records.find((r) => String(r.SyslogMessage).startsWith('seq=0 '))!;
    expect(r0).toMatchObject({ Facility: 'local4', SeverityLevel: 'warning', HostName: 'src-host', ProcessName: 'myapp', ProcessID: 1000, SyslogMessage: 'seq=0 payload', Computer: 'collector' });
    const r1 = records.find((r) => String(r.SyslogMessage).startsWith('seq=1 '))!;
    expect(r1).toMatchObject({ Facility: 'auth', SeverityLevel: 'err' });
    expect(source.filtered).toBe(0); // rsyslog itself filtered them
  }, 60_000);

  test('applySyslogDaemonConfig writes a drop-in that rsyslogd -N1 accepts, and is idempotent', async () => {
    const { applySyslogDaemonConfig } = await import('../../../../agent/collector/sources/syslog/daemon-config.js');
    const { agentPaths } = await import('../../../../agent/config/index.js');
    const { readFileSync } = await import('node:fs');
    const paths = agentPaths({ OPEN_AMA_ROOT: path.join(dir, 'root') });
    const filters = [syslogFilterKey(['*'], ['Info', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency']), syslogFilterKey(['auth', 'authpriv'], ['*'])];
    const first = await applySyslogDaemonConfig({ filters, port: 28330, paths, logger: createNullLogger() });
    expect(first).toMatchObject({ daemon: 'rsyslog', changed: true });
    const text = readFileSync(paths.rsyslogDropInFile, 'utf8');
    expect(text).toMatch(/28330/);
    expect(text).toMatch(/authpriv/);
    expect(await applySyslogDaemonConfig({ filters, port: 28330, paths, logger: createNullLogger() })).toMatchObject({ daemon: 'rsyslog', changed: false });
  });
});
