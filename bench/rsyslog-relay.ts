// Reference: Debian's rsyslogd relaying the same seeded corpus TCP → TCP (imtcp → omfwd with a
// LinkedList action queue) into a counting loopback sink, at max rate and at a fixed rate. rsyslog does
// no durable queue, no JSON, no gzip and no HTTPS here, so it is the floor a syslog relay can reach on
// this machine, not a like-for-like product comparison. Skipped (with a note) when rsyslogd is missing.
import { mkdtempSync, writeFileSync } from 'node:fs';

import * as net from 'node:net';
import * as path from 'node:path';
import { execa } from 'execa';

import type { SyslogCorpus } from './corpus.js';
import { connect, send, waitFine } from './collector-load.js';

import { cpuSeconds, rssMB } from './proc-stats.js';
import { freePort, waitFor } from '../test/support/net.js';

export interface RelayResult {
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
}

export async function runRsyslogRelay(
  dir: string,
  corpus: SyslogCorpus,
  count: number,
  rate?: number,
): Promise<RelayResult> {
  const sinkPort = await freePort();
  const inPort = await freePort();
  let received = 0;
  const sink = net.createServer((s) =>
    s.on('data', (d: Buffer) => {
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) received++;
    }),
  );
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', () => r()));
  const wd = mkdtempSync(path.join(dir, 'rs-'));
  const conf = path.join(wd, 'rsyslog.conf');
  writeFileSync(
    conf,
    [
      `global(workDirectory="${wd}")`,
      'module(load="imtcp")',
      `input(type="imtcp" port="${inPort}" address="127.0.0.1")`,
      `*.* action(type="omfwd" target="127.0.0.1" port="${sinkPort}" protocol="tcp" queue.type="LinkedList" queue.filename="q" action.resumeRetryCount="-1")`,
    ].join('\n') + '\n',
  );
  const rs = execa('rsyslogd', ['-n', '-f', conf, '-i', path.join(wd, 'pid')], {
    reject: false,
    stdio: 'ignore',
    env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  });
  try {
    await waitFor(
      async () =>
        connect(inPort)
          .then((s) => (s.destroy(), true))
          .catch(() => false),
      15_000,
      'rsyslog listening',
    );
    const pid = rs.pid!;
    const cpu0 = cpuSeconds(pid);
    let peak = rssMB(pid);
    const t = setInterval(() => {
      try {
        peak = Math.max(peak, rssMB(pid));
      } catch {
        // exited
      }
    }, 100);
    const t0 = performance.now();
    await send(inPort, corpus, count, rate);
    await waitFine(
      () => received >= count,
      120_000,
      () => `rsyslog relayed all (${received}/${count})`,
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    clearInterval(t);
    return { wallSeconds, cpuSeconds: cpuSeconds(pid) - cpu0, peakRssMB: peak };
  } finally {
    rs.kill('SIGTERM');
    await rs;
    sink.close();
  }
}
