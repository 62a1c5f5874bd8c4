// Issue 13: idle loopback connections must not lock the real sender out. A real rsyslogd forwards with
// OUR drop-in (as applySyslogDaemonConfig writes it) to a listener whose 256 slots are held by 300 idle
// TCP connections: the connection idle longest is evicted for each newcomer, rsyslog gets through and
// every message arrives; the idle connections are then closed by the idle timeout.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import * as net from 'node:net';
import { DEFAULT_MAX_CONNECTIONS } from '../../../../../agent/collector/sources/syslog/listener.js';
import type { SyslogSource } from '../../../../../agent/collector/sources/syslog/syslog-source.js';
import {
  sendWithLogger,
  startLocalRsyslog,
  startSource,
  waitFor,
  type Collected,
  type LocalRsyslog,
} from './helpers.js';
import { describeWhenInstalled, RSYSLOGD } from '../../../../support/os-requirements.js';

const ALL = { key: 'all', facilities: ['local4'], levels: ['*'] };
const IDLE_TIMEOUT_MS = 6000;

let rsyslog: LocalRsyslog | undefined;
let source: SyslogSource;
let collected: Collected;
let inputPort: number;
const idle: net.Socket[] = [];

beforeAll(async () => {
  const s = await startSource({
    filters: [ALL],
    streams: ['Microsoft-Syslog'],
    listener: { tcp: { port: 0 }, idleTimeoutMs: IDLE_TIMEOUT_MS },
  });
  source = s.source;
  collected = s.collected;
  rsyslog = await startLocalRsyslog('oa-syslog-limits-', [ALL], source.boundPort);
  inputPort = rsyslog.inputPort;
}, 60_000);

afterAll(async () => {
  for (const s of idle) s.destroy();
  await rsyslog?.stop();
  await source?.stop();
});

/** Opens a connection that never sends; resolves with it once connected, or when refused. */
function openIdle(port: number): Promise<{ sock: net.Socket; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    sock.once('connect', () => resolve({ sock, closed }));
    sock.once('close', () => resolve({ sock, closed }));
  });
}

describeWhenInstalled('real rsyslog', [RSYSLOGD])('300 idle loopback connections and a real rsyslog', () => {
  test('rsyslog still gets every message through; the idle connections are evicted or time out', async () => {
    const opened = [];
    for (let i = 0; i < 300; i++) opened.push(await openIdle(source.boundPort));
    idle.push(...opened.map((o) => o.sock));
    // every slot is taken: the 44 beyond the limit were refused (none was idle long enough to evict)
    await waitFor(() => source.stats().connections === DEFAULT_MAX_CONNECTIONS, 10_000, 'a full listener');
    expect(source.stats().refusedConnections).toBe(300 - DEFAULT_MAX_CONNECTIONS);
    // the held slots are now idle for more than evictMinIdleMs (1 s): a newcomer may evict one
    await new Promise((r) => setTimeout(r, 1500));

    const lines = Array.from({ length: 200 }, (_, i) => `<${20 * 8 + 4}>through the crowd seq=${i}`);
    await sendWithLogger(inputPort, lines, { rfc: '3164', tag: 'crowdtest', id: 99 });
    await waitFor(() => collected.count() === 200, 30_000, '200 messages forwarded by rsyslog');
    const seqs = collected.all().map((r) => Number(/seq=(\d+)$/.exec(String(r.SyslogMessage))![1]));
    expect(seqs.sort((a, b) => a - b)).toEqual([...Array(200).keys()]);
    expect(collected.all()[0]).toMatchObject({ ProcessName: 'crowdtest', ProcessID: 99, Facility: 'local4' });
    expect(source.stats().evictedConnections).toBeGreaterThanOrEqual(1);

    // the idle ones do not stay: each is closed by the listener (evicted, or after the idle timeout)
    await Promise.all(opened.map((o) => o.closed));
    expect(source.stats().idleClosedConnections + source.stats().evictedConnections).toBeGreaterThanOrEqual(
      DEFAULT_MAX_CONNECTIONS,
    );
    expect(source.stats().discardedPartialFrames).toBe(0);
  }, 60_000);
});
