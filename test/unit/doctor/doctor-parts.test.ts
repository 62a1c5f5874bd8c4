// The doctor's pure parts and its /proc reader: the drop-in port parser (rsyslog and syslog-ng forms), the
// listening-socket owner found through /proc for a real listener of this process (IPv4 and IPv6), who an
// owner is (us, Microsoft's agent, someone else), the verdict arithmetic and exit code, the colour switch,
// and the configuration as the support bundle carries it (proxy credentials out).
import { describe, expect, test } from '@jest/globals';
import * as net from 'node:net';
import { classifyOwner } from '../../../agent/doctor/checks/listener.js';
import { decodeAddress, portOwner } from '../../../agent/doctor/checks/port-owner.js';
import { dropInPort } from '../../../agent/doctor/checks/syslog.js';
import { sanitizedConfig } from '../../../agent/doctor/bundle.js';
import { wantsColor } from '../../../agent/doctor/command.js';
import { exitCodeOf, makeReport, renderHuman, worst, type CheckResult } from '../../../agent/doctor/report.js';
import {
  renderRsyslogConfig,
  renderSyslogNgConfig,
  unionOf,
} from '../../../agent/collector/sources/syslog/daemon-config/index.js';

const listen = (host: string): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => resolve(s));
  });

describe('dropInPort', () => {
  test('reads the port from the drop-ins the collector writes', () => {
    const u = unionOf([{ facilities: ['*'], levels: ['*'] }]);
    expect(dropInPort(renderRsyslogConfig(u, 28330))).toBe(28330);
    expect(dropInPort(renderSyslogNgConfig(u, 41234, 's_src'))).toBe(41234);
    expect(dropInPort('# nothing here\n')).toBeUndefined();
  });
});

describe('portOwner', () => {
  test.each(['127.0.0.1', '::1'])('finds this process holding a port on %s', async (host) => {
    const server = await listen(host);
    try {
      const port = (server.address() as net.AddressInfo).port;
      const owner = await portOwner(port);
      expect(owner?.pid).toBe(process.pid);
      expect(owner?.addresses).toEqual([host === '::1' ? `[::1]:${port}` : `127.0.0.1:${port}`]);
      expect(owner?.cmdline).toContain('jest');
    } finally {
      server.close();
    }
  });

  test('undefined for a port nobody listens on', async () => {
    const server = await listen('127.0.0.1');
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((r) => server.close(r));
    expect(await portOwner(port)).toBeUndefined();
  });

  test('decodes /proc/net addresses', () => {
    expect(decodeAddress('0100007F:6EAA', false)).toBe('127.0.0.1:28330');
    expect(decodeAddress('00000000:6EAA', false)).toBe('0.0.0.0:28330');
    expect(decodeAddress('00000000000000000000000000000000:6EAA', true)).toBe('[::]:28330');
  });
});

describe('classifyOwner', () => {
  test.each([
    [
      { pid: 1, comm: 'node', cmdline: '/opt/open-ama/1.0.0/runtime/node /opt/open-ama/1.0.0/dist/collector.mjs' },
      'us',
    ],
    [{ pid: 1, comm: 'mdsd', cmdline: '/opt/microsoft/azuremonitoragent/bin/mdsd -A -c …' }, 'ama'],
    [{ pid: 1, comm: 'node', cmdline: '/opt/microsoft/azuremonitoragent/bin/amacoreagent' }, 'ama'],
    [{ pid: 1, comm: 'nc', cmdline: 'nc -l 28330' }, 'other'],
    [{}, 'unknown'],
  ])('%j → %s', (o, kind) => {
    expect(classifyOwner({ addresses: ['127.0.0.1:28330'], ...o })).toBe(kind);
  });
});

describe('report', () => {
  const c = (id: string, verdict: CheckResult['verdict']): CheckResult => ({
    id,
    title: id,
    verdict,
    cause: `${id} cause`,
    fix: verdict === 'ok' ? '' : `${id} fix`,
  });

  test('the overall verdict is the worst; warnings exit 0, a failure exits 1', () => {
    expect(worst([])).toBe('ok');
    expect(worst(['ok', 'warn', 'ok'])).toBe('warn');
    expect(worst(['warn', 'fail', 'ok'])).toBe('fail');
    expect(exitCodeOf(makeReport('1', [c('a', 'ok'), c('b', 'warn')]))).toBe(0);
    expect(exitCodeOf(makeReport('1', [c('a', 'ok'), c('b', 'fail')]))).toBe(1);
  });

  test('human output: one line per check, the fix under a problem only, the overall count', () => {
    const text = renderHuman(makeReport('1.2.3', [c('alpha', 'ok'), c('beta', 'fail')]), { color: false });
    expect(text).toMatch(/^ok {4}alpha {7}alpha cause$/m);
    expect(text).toMatch(/^FAIL {2}beta {8}beta cause$/m);
    expect(text).toContain('fix: beta fix');
    expect(text).not.toContain('fix: alpha');
    expect(text).toContain('overall: FAIL (1 failed, 0 warning(s), 1 ok)');
    expect(text).not.toContain('\u001b[');
    expect(renderHuman(makeReport('1', [c('a', 'fail')]), { color: true })).toContain('\u001b[31mFAIL\u001b[0m');
  });

  test('a URL with credentials in a cause is scrubbed', () => {
    const r = makeReport('1', [{ ...c('p', 'fail'), cause: 'via http://user:Hunter2Pass@proxy:3128 failed' }]);
    expect(r.checks[0]!.cause).not.toContain('Hunter2Pass');
  });
});

describe('wantsColor', () => {
  test.each<[Record<string, string>, boolean, boolean]>([
    [{}, true, true],
    [{}, false, false],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{ FORCE_COLOR: '1' }, false, true],
    [{ FORCE_COLOR: '0' }, true, false],
    [{ NO_COLOR: '1', FORCE_COLOR: '1' }, true, false],
  ])('%j on a tty=%s → %s', (env, tty, expected) => {
    expect(wantsColor(env, tty)).toBe(expected);
  });
});

describe('sanitizedConfig', () => {
  test('takes the proxy credentials out and masks secret keys anywhere', () => {
    const out = sanitizedConfig({
      proxy: {
        mode: 'application',
        address: 'http://proxy:3128',
        username: 'alice',
        password: 'Pw-0123456789',
        bypass: [],
      },
      extra: { clientSecret: 'abc-secret-value' },
    }) as { proxy: Record<string, unknown>; extra: Record<string, unknown> };
    expect(out.proxy).toMatchObject({ address: 'http://proxy:3128', username: '(removed from the support bundle)' });
    expect(JSON.stringify(out)).not.toContain('Pw-0123456789');
    expect(JSON.stringify(out)).not.toContain('abc-secret-value');
  });
});
