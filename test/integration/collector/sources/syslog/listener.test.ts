// The syslog listener over real sockets: both TCP framings on one connection, split packets, the 64 KiB
// limit, UDP, a unix socket, abrupt disconnects, back-pressure with a slow sink (nothing lost), the
// connection limit, the partial-frame and idle timeouts, UDP dropped (and counted) while paused, DCR
// filtering (counted as filtered, not dropped) and CEF routing per data source.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { SyslogSource } from '../../../../../agent/collector/sources/syslog/syslog-source.js';
import { startSource, waitFor } from './helpers.js';

const ALL = { key: 'all', facilities: ['*'], levels: ['*'] };
let source: SyslogSource | undefined;
afterEach(async () => {
  await source?.stop();
  source = undefined;
});

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

const octet = (s: string): string => `${Buffer.byteLength(s)} ${s}`;

describe('syslog listener', () => {
  test('TCP: LF and octet-counted messages on one connection, split into 1-byte packets, all arrive in order', async () => {
    const s = await startSource({ port: 0, filters: [ALL], streams: ['Microsoft-Syslog'] });
    source = s.source;
    expect(s.source.boundPort).toBeGreaterThan(0);
    const sock = await connect(s.source.boundPort);
    const data = Buffer.from(
      `<13>Nov 25 10:00:00 h a[1]: one\n${octet('<14>1 2026-11-25T10:00:00Z h b 2 - - two\nlines')}<15>Nov 25 10:00:00 h c: three\n`,
    );
    sock.setNoDelay(true);
    for (const b of data) {
      sock.write(Buffer.from([b]));
      await new Promise((r) => setImmediate(r));
    }
    sock.end();
    await waitFor(() => s.collected.count() === 3, 10_000, '3 records');
    expect(s.collected.all().map((r) => r.SyslogMessage)).toEqual(['one', 'two\nlines', 'three']);
    expect(s.collected.byStream.has('all|Microsoft-Syslog')).toBe(true);
  });

  test('a message over 64 KiB arrives truncated and is counted oversized; the next one is intact', async () => {
    const s = await startSource({ port: 0, filters: [ALL], streams: ['Microsoft-Syslog'] });
    source = s.source;
    const sock = await connect(s.source.boundPort);
    sock.end(`<13>Nov 25 10:00:00 h a: ${'x'.repeat(100_000)}\n<13>Nov 25 10:00:00 h a: after\n`);
    await waitFor(() => s.collected.count() === 2, 10_000, '2 records');
    const [big, after] = s.collected.all();
    expect(Buffer.byteLength(String(big!.SyslogMessage))).toBeLessThan(64 * 1024);
    expect(after!.SyslogMessage).toBe('after');
    expect(s.source.stats().oversized).toBe(1);
  });

  test('UDP datagrams and a unix stream socket are accepted when configured', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-syslog-unix-'));
    try {
      const unixPath = path.join(dir, 'syslog.sock');
      const s = await startSource({
        filters: [ALL],
        streams: ['Microsoft-Syslog'],
        listener: { tcp: { port: 0 }, udp: { port: 0 }, unixPath },
      });
      source = s.source;
      const udp = dgram.createSocket('udp4');
      await new Promise<void>((r) =>
        udp.send('<13>Nov 25 10:00:00 h a: via udp\n', s.source.listener.udpPort, '127.0.0.1', () => r()),
      );
      udp.close();
      const u = net.connect(unixPath);
      await new Promise<void>((r) => u.once('connect', () => r()));
      u.end('<13>Nov 25 10:00:00 h a: via unix\n');
      await waitFor(() => s.collected.count() === 2, 10_000, '2 records');
      expect(
        s.collected
          .all()
          .map((r) => r.SyslogMessage)
          .sort(),
      ).toEqual(['via udp', 'via unix']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('abrupt disconnects mid-message and garbage do not disturb other connections', async () => {
    const s = await startSource({ port: 0, filters: [ALL], streams: ['Microsoft-Syslog'] });
    source = s.source;
    for (let i = 0; i < 20; i++) {
      const bad = await connect(s.source.boundPort);
      bad.write(i % 2 ? Buffer.from([0xff, 0x00, 0x3c, 0x99, 0x0a, 0x0a]) : '4000 <13>partial octet frame');
      bad.resetAndDestroy();
    }
    const good = await connect(s.source.boundPort);
    good.end('<13>Nov 25 10:00:00 h a: still alive\n');
    await waitFor(() => s.collected.all().some((r) => r.SyslogMessage === 'still alive'), 10_000, 'the good message');
    await waitFor(() => s.source.stats().connections === 0, 10_000, 'connections closed');
  });

  test('a slow sink pauses reading (bounded memory) and every message still arrives once', async () => {
    const s = await startSource(
      { port: 0, filters: [ALL], streams: ['Microsoft-Syslog'], highWatermark: 1000, lowWatermark: 200 },
      { delayMs: 100 },
    );
    source = s.source;
    const sock = await connect(s.source.boundPort);
    const n = 20_000;
    let sawPause = false;
    const watch = setInterval(() => (sawPause ||= s.source.stats().paused), 5);
    for (let i = 0; i < n; i++) sock.write(`<13>Nov 25 10:00:00 h a: seq=${i}\n`);
    sock.end();
    await waitFor(() => s.collected.count() === n, 60_000, `${n} records`);
    clearInterval(watch);
    expect(sawPause).toBe(true);
    const seqs = s.collected.all().map((r) => Number(String(r.SyslogMessage).slice(4)));
    expect(seqs).toEqual([...Array(n).keys()]);
  }, 90_000);

  test('connections beyond maxConnections are refused; the listener keeps serving', async () => {
    const s = await startSource({
      filters: [ALL],
      streams: ['Microsoft-Syslog'],
      listener: { tcp: { port: 0 }, maxConnections: 2, evictMinIdleMs: 60_000 },
    });
    source = s.source;
    const a = await connect(s.source.boundPort);
    const b = await connect(s.source.boundPort);
    const c = await connect(s.source.boundPort);
    await new Promise<void>((r) => c.once('close', () => r()));
    expect(s.source.listener.refusedConnections).toBe(1);
    a.end('<13>Nov 25 10:00:00 h a: from a\n');
    b.end('<13>Nov 25 10:00:00 h a: from b\n');
    await waitFor(() => s.collected.count() === 2, 10_000, '2 records');
  });

  test('a partial frame stalls no other connection and is closed after the partial-frame timeout', async () => {
    const s = await startSource({
      filters: [ALL],
      streams: ['Microsoft-Syslog'],
      listener: { tcp: { port: 0 }, partialFrameTimeoutMs: 1500 },
    });
    source = s.source;
    const stalled = await connect(s.source.boundPort);
    const stalledClosed = new Promise<void>((r) => stalled.once('close', () => r()));
    stalled.on('error', () => undefined);
    stalled.write('<13>Nov 25 10:00:00 h a: first whole\n<13>Nov 25 10:00:00 h a: half a messa');
    const octetStalled = await connect(s.source.boundPort);
    octetStalled.on('error', () => undefined);
    const octetClosed = new Promise<void>((r) => octetStalled.once('close', () => r()));
    octetStalled.write('500 <13>Nov 25 10:00:00 h a: an octet frame that never ends');
    for (let i = 0; i < 5; i++) {
      const good = await connect(s.source.boundPort);
      good.end(`<13>Nov 25 10:00:00 h a: good ${i}\n`);
    }
    await waitFor(() => s.collected.count() === 6, 10_000, 'the whole messages of every connection');
    await Promise.all([stalledClosed, octetClosed]); // closed by the listener, not by us
    expect(s.source.stats().partialFrameTimeouts).toBe(2);
    expect(s.source.stats().discardedPartialFrames).toBe(2);
    expect(s.drops).toEqual([
      { reason: 'incomplete_frame', count: 1 },
      { reason: 'incomplete_frame', count: 1 },
    ]);
    expect(
      s.collected
        .all()
        .map((r) => r.SyslogMessage)
        .sort(),
    ).toEqual(['first whole', 'good 0', 'good 1', 'good 2', 'good 3', 'good 4']);
    await waitFor(() => s.source.stats().connections === 0, 10_000, 'no connection left');
  });

  test('a silent connection is closed after the idle timeout; one that keeps sending is not', async () => {
    const s = await startSource({
      filters: [ALL],
      streams: ['Microsoft-Syslog'],
      listener: { tcp: { port: 0 }, idleTimeoutMs: 2000 },
    });
    source = s.source;
    const silent = await connect(s.source.boundPort);
    const silentClosed = new Promise<void>((r) => silent.once('close', () => r()));
    const busy = await connect(s.source.boundPort);
    let busyClosed = false;
    busy.once('close', () => (busyClosed = true));
    let n = 0;
    const tick = setInterval(() => busy.write(`<13>Nov 25 10:00:00 h a: tick ${n++}\n`), 100);
    try {
      await silentClosed;
      expect(busyClosed).toBe(false);
      expect(s.source.stats().idleClosedConnections).toBe(1);
    } finally {
      clearInterval(tick);
      busy.destroy();
    }
    expect(s.drops).toEqual([]);
  });

  test('UDP datagrams arriving while paused are dropped and counted; after resume they are delivered', async () => {
    const s = await startSource({
      filters: [ALL],
      streams: ['Microsoft-Syslog'],
      listener: { tcp: false, udp: { port: 0 } },
    });
    source = s.source;
    const udp = dgram.createSocket('udp4');
    const send = (text: string): Promise<void> =>
      new Promise<void>((r) => udp.send(text, s.source.listener.udpPort, '127.0.0.1', () => r()));
    try {
      s.source.listener.pause();
      for (let i = 0; i < 5; i++) await send(`<13>Nov 25 10:00:00 h a: while paused ${i}`);
      await waitFor(() => s.source.stats().udpDroppedWhilePaused === 5, 10_000, '5 counted UDP drops');
      s.source.listener.resume();
      await send('<13>Nov 25 10:00:00 h a: after resume');
      await waitFor(() => s.collected.count() === 1, 10_000, 'the datagram sent after resume');
    } finally {
      udp.close();
    }
    expect(s.collected.all().map((r) => r.SyslogMessage)).toEqual(['after resume']);
    expect(s.source.stats().received).toBe(1);
    expect(s.drops).toEqual(Array.from({ length: 5 }, () => ({ reason: 'backpressure', count: 1 })));
  });

  test('set semantics per data source; unselected messages are counted filtered, not dropped', async () => {
    const a = { key: 'A', facilities: ['local4', 'auth'], levels: ['Warning', 'Error'] };
    const b = { key: 'B', facilities: ['nopri', 'daemon'], levels: ['Info'] };
    const s = await startSource({ port: 0, filters: [a, b], streams: ['Microsoft-Syslog'] });
    source = s.source;
    const sock = await connect(s.source.boundPort);
    // local4.warning (A), local4.crit (none: not in the set), auth.err (A), daemon.info (B), daemon.debug (none), no PRI = user.notice (none: B has nopri but only Info)
    sock.end(
      [
        '<164>Nov 25 10:00:00 h a: 1',
        '<162>Nov 25 10:00:00 h a: 2',
        '<35>Nov 25 10:00:00 h a: 3',
        '<30>Nov 25 10:00:00 h a: 4',
        '<31>Nov 25 10:00:00 h a: 5',
        'Nov 25 10:00:00 h a: 6',
        '',
      ].join('\n'),
    );
    await waitFor(() => s.source.stats().received === 6, 10_000, '6 messages');
    await s.source.flush();
    expect(s.collected.byStream.get('A|Microsoft-Syslog')!.map((r) => r.SyslogMessage)).toEqual(['1', '3']);
    expect(s.collected.byStream.get('B|Microsoft-Syslog')!.map((r) => r.SyslogMessage)).toEqual(['4']);
    expect(s.source.stats().filtered).toBe(3);
    expect(s.drops).toEqual([]);
  });

  test('CEF goes to CommonSecurityLog for data sources that ask for it, to Syslog (ProcessName CEF) otherwise', async () => {
    const cef = { key: 'C', facilities: ['*'], levels: ['*'], streams: ['Microsoft-CommonSecurityLog'] };
    const sys = { key: 'S', facilities: ['*'], levels: ['*'], streams: ['Microsoft-Syslog'] };
    const s = await startSource({ port: 0, filters: [cef, sys], streams: ['Microsoft-Syslog'] });
    source = s.source;
    const sock = await connect(s.source.boundPort);
    sock.end(
      '<134>Nov 25 10:00:00 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|src=10.1.1.1 spt=5555\n<13>Nov 25 10:00:00 h a: plain\n',
    );
    await waitFor(() => s.source.stats().received === 2, 10_000, '2 messages');
    await s.source.flush();
    expect(s.collected.byStream.get('C|Microsoft-CommonSecurityLog')).toEqual([
      expect.objectContaining({
        DeviceVendor: 'Palo Alto Networks',
        SourceIP: '10.1.1.1',
        SourcePort: 5555,
        Computer: 'fw1',
      }),
    ]);
    expect(s.collected.byStream.get('C|Microsoft-Syslog')).toBeUndefined();
    expect(s.collected.byStream.get('S|Microsoft-Syslog')!.map((r) => r.ProcessName)).toEqual(['CEF', 'a']);
  });
});
