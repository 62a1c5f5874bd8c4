// Drives the real collector process (dist/collector.mjs, started with the supervisor's node flags)
// with the seeded syslog corpus over loopback TCP, through durable queue → gzip → HTTPS into the
// Logs Ingestion fake, and measures: wall time until the fake accepted every record, the collector's
// CPU seconds and peak RSS, and end-to-end latency (send time per seq vs the fake's arrival time).
// Used by the sustained-rate, max-rate and burst profiles. Figures, never assertions.
import { mkdtempSync } from 'node:fs';

import * as net from 'node:net';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';

import type { TestCa } from '../test/fakes/test-ca.js';
import { FakeIngestionServer } from '../test/fakes/ingestion-server.js';

import type { FakeImdsServer } from '../test/fakes/imds-server.js';
import { syslogToLaDcr, writeConfig, REPO } from '../test/support/collector-process.js';
import { collectorNodeFlags } from '../agent/supervisor/node-flags.js';

import { seqOf, type SyslogCorpus } from './corpus.js';

import { cpuSeconds, rssMB } from './proc-stats.js';
import { freePort, waitFor } from '../test/support/net.js';

export interface LoadEnv {
  dir: string;
  ca: TestCa;
  imds: FakeImdsServer;
}

export interface LoadOptions {
  corpus: SyslogCorpus;
  count: number;
  /** Messages per second; unthrottled when absent. */
  rate?: number;
  /** Extra node arguments for the collector (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface LoadResult {
  count: number;
  accepted: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMB: number;
  bytesSent: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => s.once('connect', () => r()).once('error', j));
  return s;
}

/** Sends corpus lines 0..count-1 (LF framing), throttled to `rate`/s in 10 ms ticks; stamps send times. */
export async function send(
  port: number,
  corpus: SyslogCorpus,
  count: number,
  rate: number | undefined,
  sentAt?: Float64Array,
): Promise<number> {
  const sock = await connect(port);
  const started = performance.now();
  let bytes = 0;
  let i = 0;
  while (i < count) {
    let n = 500;
    if (rate) {
      const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
      n = due - i;
      if (n <= 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
    }
    n = Math.min(n, count - i);
    const text = corpus.chunk(i, n);
    const now = performance.timeOrigin + performance.now();
    if (sentAt) sentAt.fill(now, i, i + n);
    i += n;
    bytes += text.length;
    if (!sock.write(text)) await new Promise((r) => sock.once('drain', r));
  }
  await new Promise<void>((r) => sock.end(() => r()));
  return bytes;
}

/** Like waitFor, polling every 10 ms (wall-time figures must not carry a 200 ms granularity). */
export async function waitFine(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * OPEN_AMA_BENCH_COLLECTOR points at another collector bundle (e.g. an unminified one for --cpu-prof);
 * OPEN_AMA_BENCH_NODE_ARGS adds node flags after the supervisor's (A/B of V8 flags).
 */
export function startBenchCollector(root: string, env: Record<string, string>, nodeArgs: string[] = []): ResultPromise {
  const script = process.env.OPEN_AMA_BENCH_COLLECTOR ?? path.join(REPO, 'dist', 'collector.mjs');
  const extra = (process.env.OPEN_AMA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return execa(process.execPath, [...collectorNodeFlags(), ...extra, ...nodeArgs, script], {
    env: { ...process.env, OPEN_AMA_ROOT: root, ...env },
    reject: false,
    stdio: 'ignore',
  });
}

export async function runCollectorLoad(e: LoadEnv, o: LoadOptions): Promise<LoadResult> {
  const sentAt = new Float64Array(o.count);
  const latency = new Float64Array(o.count).fill(-1);
  let accepted = 0;
  const ingestion = new FakeIngestionServer(e.ca, {
    retainRecords: false,
    onAccepted: (req, at) => {
      for (const r of req.records) {
        const seq = seqOf(String(r.SyslogMessage ?? ''));
        if (seq < 0 || seq >= o.count || latency[seq]! >= 0) continue; // duplicates (at-least-once) count once
        latency[seq] = at - sentAt[seq]!;
        accepted++;
      }
    },
  });
  await ingestion.start();
  const root = mkdtempSync(path.join(e.dir, 'c-'));
  const port = await freePort();
  writeConfig(root, [syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', ingestion.url)]);
  const child = startBenchCollector(
    root,
    { NODE_EXTRA_CA_CERTS: e.ca.caCertPath, OPEN_AMA_IMDS_URL: e.imds.base, OPEN_AMA_SYSLOG_PORT: String(port) },
    o.nodeArgs,
  );
  try {
    await waitFor(
      async () =>
        connect(port)
          .then((s) => (s.destroy(), true))
          .catch(() => false),
      15_000,
      'listener',
    );
    const pid = child.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    let peakRss = rssMB(pid);
    const rssTimer = setInterval(() => {
      try {
        peakRss = Math.max(peakRss, rssMB(pid));
      } catch {
        // exited
      }
    }, 100);
    const bytesSent = await send(port, o.corpus, o.count, o.rate, sentAt);
    await waitFine(
      () => accepted >= o.count,
      300_000,
      () => `all ${o.count} records accepted (${accepted} so far)`,
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    clearInterval(rssTimer);
    const sorted = latency.filter((x) => x >= 0).sort();
    return {
      count: o.count,
      accepted,
      wallSeconds,
      cpuSeconds: cpu,
      peakRssMB: peakRss,
      bytesSent,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
    };
  } finally {
    child.kill('SIGTERM');
    await child;
    await ingestion.stop();
  }
}
