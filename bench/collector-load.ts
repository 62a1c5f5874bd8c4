// Drives the agent as it ships (bench/supervised.ts: supervisor + collector on the chosen runtime,
// bench/runtime.ts) with the seeded syslog corpus over loopback TCP, through durable queue → gzip → HTTPS
// into the Logs Ingestion fake, and measures: wall time until the fake accepted every record, CPU seconds,
// peak RSS and PSS of supervisor and collector (each, and the peak of their sum), and end-to-end latency
// (send time per seq vs the fake's arrival time).
// Used by the sustained-rate, max-rate and burst profiles. Figures, never assertions.
import { mkdtempSync } from 'node:fs';

import * as net from 'node:net';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';

import type { TestCa } from '../test/fakes/test-ca.js';
import { FakeIngestionServer } from '../test/fakes/ingestion-server.js';

import type { FakeImdsServer } from '../test/fakes/imds-server.js';
import { syslogToLaDcr, writeConfig } from '../test/support/collector-process.js';
import { collectorEnv, collectorNodeFlags } from '../agent/supervisor/node-flags.js';
import { DEFAULT_RESOURCE_LIMITS } from '../agent/config/index.js';

import { seqOf, type SyslogCorpus } from './corpus.js';

import { cpuSeconds, MemorySampler } from './proc-stats.js';
import type { BenchRuntime } from './runtime.js';
import { startSupervised } from './supervised.js';
import { freePort, waitFor } from '../test/support/net.js';

export interface LoadEnv {
  dir: string;
  ca: TestCa;
  imds: FakeImdsServer;
  runtime: BenchRuntime;
}

export interface LoadOptions {
  corpus: SyslogCorpus;
  count: number;
  /** Messages per second; unthrottled when absent. */
  rate?: number;
  /** Extra node arguments for the collector (e.g. --cpu-prof); the collector then runs alone (no supervisor). */
  nodeArgs?: string[];
  /** Another collector bundle to run (alone, on the same runtime and flags): the --baseline alternation. */
  collectorScript?: string;
}

export interface ProcLoad {
  cpuSeconds: number;
  peakRssMB: number;
  peakPssMB: number;
}

export interface LoadResult {
  count: number;
  accepted: number;
  wallSeconds: number;
  /** Supervisor + collector (collector alone when started directly). */
  cpuSeconds: number;
  /** Peak of the sum, sampled together every 100 ms (PSS every 500 ms). */
  peakRssMB: number;
  peakPssMB: number;
  /** Absent when the collector was started directly (--cpu-prof, OPEN_AMA_BENCH_* overrides). */
  supervisor?: ProcLoad;
  collector: ProcLoad;
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

/** Bench-only overrides: these start the collector alone (no supervisor), see startBenchCollector. */
export function directOverrides(): boolean {
  return Boolean(process.env.OPEN_AMA_BENCH_COLLECTOR || process.env.OPEN_AMA_BENCH_NODE_ARGS);
}

/**
 * The collector alone, as the supervisor would start it (the runtime's node, the product's node flags).
 * OPEN_AMA_BENCH_COLLECTOR points at another collector bundle (e.g. an unminified one for --cpu-prof, or
 * an older build for before/after); OPEN_AMA_BENCH_NODE_ARGS adds node flags after the product's (A/B of
 * V8 flags); OPEN_AMA_BENCH_COLLECTOR_STDOUT names a file for the collector's stdout (what --trace-gc prints).
 */
export function startBenchCollector(
  rt: BenchRuntime,
  root: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  script = process.env.OPEN_AMA_BENCH_COLLECTOR ?? path.join(rt.distDir, 'collector.mjs'),
): ResultPromise {
  const extra = (process.env.OPEN_AMA_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  return execa(
    rt.nodePath,
    [...collectorNodeFlags(DEFAULT_RESOURCE_LIMITS.memoryMaxMB), ...extra, ...nodeArgs, script],
    {
      env: collectorEnv({ ...process.env, OPEN_AMA_ROOT: root, ...env }),
      reject: false,
      stdin: 'ignore',
      stdout: process.env.OPEN_AMA_BENCH_COLLECTOR_STDOUT
        ? { file: process.env.OPEN_AMA_BENCH_COLLECTOR_STDOUT }
        : 'ignore',
      stderr: 'ignore',
    },
  );
}

interface Running {
  /** [supervisor, collector] when supervised; [collector] when direct. */
  pids: number[];
  stop(): Promise<void>;
}

async function startAgent(e: LoadEnv, o: LoadOptions, dcr: unknown, env: Record<string, string>): Promise<Running> {
  const direct = Boolean(o.nodeArgs?.length) || o.collectorScript !== undefined || directOverrides();
  if (!direct) {
    const agent = await startSupervised(e.runtime, { dir: e.dir, dataCollectionRules: [dcr], env });
    return { pids: [agent.supervisorPid, agent.collectorPid], stop: agent.stop };
  }
  const root = mkdtempSync(path.join(e.dir, 'c-'));
  writeConfig(root, [dcr]);
  const child = startBenchCollector(e.runtime, root, env, o.nodeArgs, o.collectorScript);
  return {
    pids: [child.pid!],
    stop: async () => {
      child.kill('SIGTERM');
      await child;
    },
  };
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
  const port = await freePort();
  let agent: Running | undefined;
  try {
    agent = await startAgent(e, o, syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', ingestion.url), {
      NODE_EXTRA_CA_CERTS: e.ca.caCertPath,
      OPEN_AMA_IMDS_URL: e.imds.base,
      OPEN_AMA_SYSLOG_PORT: String(port),
    });
    await waitFor(
      async () =>
        connect(port)
          .then((s) => (s.destroy(), true))
          .catch(() => false),
      15_000,
      'listener',
    );
    const pids = agent.pids;
    const cpu0 = pids.map(cpuSeconds);
    const t0 = performance.now();
    const mem = new MemorySampler(pids);
    const bytesSent = await send(port, o.corpus, o.count, o.rate, sentAt);
    await waitFine(
      () => accepted >= o.count,
      300_000,
      () => `all ${o.count} records accepted (${accepted} so far)`,
    );
    const wallSeconds = (performance.now() - t0) / 1000;
    const cpu = pids.map((p, i) => cpuSeconds(p) - cpu0[i]!);
    mem.stop();
    const sorted = latency.filter((x) => x >= 0).sort();
    const proc = (i: number): ProcLoad => ({
      cpuSeconds: cpu[i]!,
      peakRssMB: mem.peakRss[i]!,
      peakPssMB: mem.peakPss[i]!,
    });
    return {
      count: o.count,
      accepted,
      wallSeconds,
      cpuSeconds: cpu.reduce((a, b) => a + b, 0),
      peakRssMB: mem.peakRssSum,
      peakPssMB: mem.peakPssSum,
      supervisor: pids.length === 2 ? proc(0) : undefined,
      collector: proc(pids.length - 1),
      bytesSent,
      latencyMs: { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN },
    };
  } finally {
    await agent?.stop();
    await ingestion.stop();
  }
}
