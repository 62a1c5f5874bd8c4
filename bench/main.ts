// npm run bench: figures, never assertions. Runs every profile in turn and prints ONE table (targets
// marked met / NOT MET, rsyslog and syslog-ng side by side with ratios), then writes bench/results/latest.json
// and bench/results/latest.svg. The agent runs as it ships: the packaged ZIP's runtime and bundles,
// supervisor + collector (bench/runtime.ts, bench/supervised.ts); `--dev-node` runs the development Node
// and dist/ instead. Default ≤ 6 minutes; `--long` soaks (longer sustained run, bigger burst, longer idle
// window). `--only=sustained,max,...` runs a subset; `--cpu-prof` writes the collector's V8 CPU profile
// of the max-rate run to .cache/cpu-prof/ (git-ignored; open in Chrome DevTools); `--heap-promo` prints which
// functions allocate what survives a scavenge in that run, `--heap-alloc` which allocate at all
// (heap-profile.ts); `--baseline=<collector bundle>` adds to the max-rate profile rounds of that
// bundle and this one alternated (both alone, same runtime and flags) and their ratio against the ≥ 2×
// target (`--rounds=N`, default 3).
// Profiles live one per module: collector-load.ts (sustained / max / burst), rsyslog-relay.ts,
// syslog-ng-peer.ts, text-tail.ts, idle-footprint.ts, enable-time.ts, syslog-bench.ts; report.ts renders.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestCa, type TestCa } from '../test/fakes/test-ca.js';
import { FakeImdsServer } from '../test/fakes/imds-server.js';
import { REPO } from '../test/support/collector-process.js';
import { takeSample, computeValues } from '../agent/collector/sources/perf/index.js';
import { MIXED, SyslogCorpus } from './corpus.js';
import { runCollectorLoad, type LoadEnv, type LoadResult, type ProcLoad } from './collector-load.js';
import { locateSyslogNg, runSyslogNgPeer, type PeerResult } from './syslog-ng-peer.js';
import { benchRuntime } from './runtime.js';
import { runRsyslogRelay, type RelayResult } from './rsyslog-relay.js';
import { execa } from 'execa';
import { measureTextTail, type TailResult } from './text-tail.js';
import { measureIdleFootprint } from './idle-footprint.js';
import { measureEnableTime } from './enable-time.js';
import { runSyslogBench } from './syslog-bench.js';
import { heapProfilePreload, summarizeHeapProfile } from './heap-profile.js';
import { renderTable, writeReport, type BenchEnv, type Row, type Target } from './report.js';

const args = process.argv.slice(2);
/** The value of `--<name>=<value>`, or undefined when the option is absent. */
const optionValue = (name: string): string | undefined =>
  args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const long = args.includes('--long');
const cpuProf = args.includes('--cpu-prof');
const heapKind = args.includes('--heap-alloc') ? 'allocated' : args.includes('--heap-promo') ? 'promoted' : undefined;
const only = optionValue('only')?.split(',');
const want = (p: string): boolean => !only || only.includes(p);
const baselineArg = optionValue('baseline');
const baseline = baselineArg === undefined ? undefined : path.resolve(baselineArg);
/** Node flags for the baseline's rounds only: an older bundle measured with the flags it shipped with. */
const baselineNodeArgsArg = optionValue('baseline-node-args');
const baselineNodeArgs = (baselineNodeArgsArg ?? '').split(' ').filter(Boolean);
const roundsArg = optionValue('rounds') ?? '3';
const rounds = Number(roundsArg);

const SUSTAINED_RATE = 10_000;
const P = {
  sustainedSeconds: long ? 300 : 20,
  peerSustainedSeconds: long ? 60 : 10,
  maxCount: long ? 2_000_000 : 300_000,
  largeCount: long ? 500_000 : 60_000,
  burstCount: 1_000_000,
  tailLines: long ? 2_000_000 : 400_000,
  idleSeconds: long ? 120 : 30,
};

const devNode = args.includes('--dev-node');
const rows: Row[] = [];
let syslogNgBin: string | undefined;
let peerDir = '';
let peerCa: TestCa | undefined;
const notes: string[] = [];
const add = (r: Row): void => void rows.push(r);
const pct = (cpu: number, secs: number): number => (100 * cpu) / secs;

async function step(name: string, fn: () => Promise<void>): Promise<void> {
  if (!want(name)) return;
  const t = performance.now();
  process.stderr.write(`bench: ${name} …`);
  try {
    await fn();
    process.stderr.write(` ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  } catch (err) {
    process.stderr.write(` failed: ${(err as Error).message}\n`);
    add({ profile: name, figure: 'skipped', value: NaN, unit: '', note: (err as Error).message.slice(0, 200) });
  }
}

/** "supervisor X + collector Y" (or "collector alone Y" when the collector was started directly). */
function split(r: LoadResult, f: (p: ProcLoad) => string): string {
  return r.supervisor
    ? `supervisor ${f(r.supervisor)} + collector ${f(r.collector)}`
    : `collector alone ${f(r.collector)}`;
}

/** Peak RSS (with its target) and PSS of the sum, and the supervisor's and collector's own peaks. */
function memoryRows(name: string, r: LoadResult, target: Target, rs?: RelayResult, ng?: PeerResult): void {
  add({
    profile: name,
    figure: 'peak RSS, supervisor + collector',
    value: r.peakRssMB,
    unit: 'MB',
    target,
    rsyslog: rs?.peakRssMB,
    syslogng: ng?.peakRssMB,
    note: `each process's own peak: ${split(r, (p) => `${p.peakRssMB.toFixed(1)} MB`)}`,
  });
  add({
    profile: name,
    figure: 'peak PSS, supervisor + collector',
    value: r.peakPssMB,
    unit: 'MB',
    syslogng: ng?.peakPssMB,
    note: split(r, (p) => `${p.peakPssMB.toFixed(1)} MB`),
  });
  if (r.supervisor) {
    add({
      profile: name,
      figure: 'peak RSS, supervisor',
      value: r.supervisor.peakRssMB,
      unit: 'MB',
      target: { kind: 'max', value: 35 },
    });
  }
  add({ profile: name, figure: 'peak RSS, collector', value: r.collector.peakRssMB, unit: 'MB' });
}

async function syslogNg(corpus: SyslogCorpus, count: number, rate?: number): Promise<PeerResult | undefined> {
  if (!syslogNgBin) return undefined;
  try {
    return await runSyslogNgPeer(syslogNgBin, peerDir, peerCa!, corpus, count, rate);
  } catch (err) {
    notes.push(`syslog-ng peer failed: ${(err as Error).message.slice(0, 300)}`);
    return undefined;
  }
}

async function rsyslog(
  dir: string,
  corpus: SyslogCorpus,
  count: number,
  rate?: number,
): Promise<RelayResult | undefined> {
  try {
    return await runRsyslogRelay(dir, corpus, count, rate);
  } catch (err) {
    notes.push(`rsyslog reference skipped: ${(err as Error).message}`);
    return undefined;
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/**
 * `--baseline`: the max-rate run of the baseline bundle and of this build's collector, alternated `rounds`
 * times (each alone, on the same runtime with the same flags, first one then the other first), so machine
 * noise hits both alike; the ratio of their medians against the issue's ≥ 2× target. `--baseline-node-args`
 * adds flags after the product's for the baseline's rounds only (the flags it shipped with: a later flag
 * wins, so `--initial-old-space-size=0` undoes today's).
 */
async function baselineRows(env: LoadEnv, corpus: SyslogCorpus, name: string): Promise<void> {
  const current = path.join(env.runtime.distDir, 'collector.mjs');
  const rate = { baseline: [] as number[], current: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    // ABBA: the order flips each round, so what changes over the sitting (caches, heat) favours neither.
    for (const which of i % 2 === 0 ? (['baseline', 'current'] as const) : (['current', 'baseline'] as const)) {
      const script = which === 'baseline' ? baseline! : current;
      const nodeArgs = which === 'baseline' ? baselineNodeArgs : [];
      const r = await runCollectorLoad(env, { corpus, count: P.maxCount, collectorScript: script, nodeArgs });
      rate[which].push(r.count / r.cpuSeconds);
    }
  }
  const fmt = (xs: number[]): string => xs.map((x) => Math.round(x).toLocaleString('en-US')).join(' / ');
  add({
    profile: name,
    figure: `records per CPU-second vs baseline (median of ${rounds} alternated)`,
    value: median(rate.current) / median(rate.baseline),
    unit: '×',
    target: { kind: 'min', value: 2 },
    note: `collector alone, rounds alternated: this build ${fmt(rate.current)}; baseline ${fmt(rate.baseline)} (${baseline!}${baselineNodeArgs.length > 0 ? `, with ${baselineNodeArgs.join(' ')}` : ", with today's flags"})`,
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-bench-'));
  let agentNode = process.version;
  const imds = new FakeImdsServer({ mode: 'imds' });
  const small = new SyslogCorpus(MIXED, 'small', 42);
  const large = new SyslogCorpus(MIXED, 'large', 42);
  notes.push(
    'corpus: seed 42, RFC 3164 / RFC 5424 / CEF cycled by seq, ~150 B ("small") or ~1 KB ("large") per line, LF framing over loopback TCP',
  );
  notes.push(
    'agent path: supervisor (started as the handler starts it) → collector (its node flags) ; syslog TCP → parse → router → durable disk queue (CRC frames, fsync every 1 s) → gzip → HTTPS to the loopback Logs Ingestion fake; ack after 2xx; CPU and memory of both processes',
  );
  try {
    const ca = await createTestCa(path.join(dir, 'ca'));
    await imds.start();
    const runtime = await benchRuntime(dir, devNode);
    agentNode = runtime.nodeVersion;
    notes.push(`agent runtime: ${runtime.describe}${devNode ? '' : ' (--dev-node: the development Node instead)'}`);
    const env: LoadEnv = { dir, ca, imds, runtime };
    peerDir = dir;
    peerCa = ca;
    if (want('sustained') || want('max')) {
      const found = await locateSyslogNg(dir);
      syslogNgBin = found.bin;
      if (found.absent) notes.push(`syslog-ng peer column empty: ${found.absent}`);
      else
        notes.push(
          'syslog-ng peer: TCP → syslog parse → reliable disk buffer → JSON per record → HTTPS POST of JSON-array batches (≤ 2000 records / 900 kB / 500 ms, no gzip) to the same Logs Ingestion fake',
        );
    }

    await step('sustained', async () => {
      const r = await runCollectorLoad(env, {
        corpus: small,
        count: SUSTAINED_RATE * P.sustainedSeconds,
        rate: SUSTAINED_RATE,
      });
      const peerCount = SUSTAINED_RATE * P.peerSustainedSeconds;
      const rs = await rsyslog(dir, small, peerCount, SUSTAINED_RATE);
      const ng = await syslogNg(small, peerCount, SUSTAINED_RATE);
      const name = `agent at ${SUSTAINED_RATE / 1000}k EPS, ${P.sustainedSeconds} s`;
      add({
        profile: name,
        figure: 'CPU, supervisor + collector',
        value: pct(r.cpuSeconds, r.wallSeconds),
        unit: '% of one core',
        target: { kind: 'max', value: 7 },
        rsyslog: rs && pct(rs.cpuSeconds, rs.wallSeconds),
        syslogng: ng && pct(ng.cpuSeconds, ng.wallSeconds),
        note: split(r, (p) => `${pct(p.cpuSeconds, r.wallSeconds).toFixed(2)} %`),
      });
      memoryRows(name, r, { kind: 'max', value: 120 }, rs, ng);
      add({ profile: name, figure: 'latency p50 (send → accepted)', value: r.latencyMs.p50, unit: 'ms' });
      add({
        profile: name,
        figure: 'latency p99 (send → accepted)',
        value: r.latencyMs.p99,
        unit: 'ms',
        note: `max ${r.latencyMs.max.toFixed(0)} ms; includes the 50 ms syslog batch window`,
      });
    });

    await step('max', async () => {
      const profDir = path.join(REPO, '.cache/cpu-prof');
      const nodeArgs = cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [];
      if (cpuProf) {
        mkdirSync(profDir, { recursive: true });
        notes.push(`collector CPU profile of the max-rate run written to ${profDir} (collector started alone)`);
      }
      const heapFile = path.join(dir, 'heap-profile.json');
      if (heapKind) nodeArgs.push(...heapProfilePreload(dir, heapFile, heapKind));
      const r = await runCollectorLoad(env, { corpus: small, count: P.maxCount, nodeArgs });
      if (heapKind) {
        const summary = summarizeHeapProfile(heapFile, P.maxCount, heapKind);
        console.log(summary.join('\n'));
        notes.push(`heap profile (collector started alone): ${summary[0]} ${summary[1]?.trim() ?? ''}`);
      }
      const rs = await rsyslog(dir, small, P.maxCount);
      const ng = await syslogNg(small, P.maxCount);
      const name = `agent max rate, ~150 B lines, ${P.maxCount / 1000}k records`;
      add({
        profile: name,
        figure: 'records per CPU-second',
        value: r.count / r.cpuSeconds,
        unit: 'records/CPU-s',
        rsyslog: rs && P.maxCount / Math.max(rs.cpuSeconds, 0.01),
        syslogng: ng && P.maxCount / Math.max(ng.cpuSeconds, 0.01),
        note: `${r.cpuSeconds.toFixed(2)} CPU-s over ${r.wallSeconds.toFixed(2)} s wall (${pct(r.cpuSeconds, r.wallSeconds).toFixed(0)} % of a core); ${split(r, (p) => `${p.cpuSeconds.toFixed(2)} CPU-s`)}${baseline ? '' : '; the ≥ 2× target is measured with --baseline=<bundle> (docs/performance.md)'}`,
      });
      if (baseline) await baselineRows(env, small, name);
      add({
        profile: name,
        figure: 'wall rate',
        value: r.count / r.wallSeconds,
        unit: 'records/s',
        rsyslog: rs && P.maxCount / rs.wallSeconds,
        syslogng: ng && P.maxCount / ng.wallSeconds,
      });
      memoryRows(name, r, { kind: 'max', value: 160 }, rs, ng);
    });

    await step('max-large', async () => {
      const r = await runCollectorLoad(env, { corpus: large, count: P.largeCount });
      const name = `collector max rate, ~1 KB lines, ${P.largeCount / 1000}k records`;
      add({ profile: name, figure: 'records per CPU-second', value: r.count / r.cpuSeconds, unit: 'records/CPU-s' });
      add({
        profile: name,
        figure: 'input MiB per CPU-second',
        value: r.bytesSent / 1048576 / r.cpuSeconds,
        unit: 'MiB/CPU-s',
      });
      add({ profile: name, figure: 'peak RSS', value: r.peakRssMB, unit: 'MB' });
    });

    await step('burst', async () => {
      const r = await runCollectorLoad(env, { corpus: small, count: P.burstCount });
      const name = `burst of ${P.burstCount / 1e6}M records (~150 B) as fast as TCP takes them`;
      add({ profile: name, figure: 'time to all accepted', value: r.wallSeconds, unit: 's' });
      add({ profile: name, figure: 'wall rate', value: r.count / r.wallSeconds, unit: 'records/s' });
      add({
        profile: name,
        figure: 'records per CPU-second',
        value: r.count / r.cpuSeconds,
        unit: 'records/CPU-s',
        target: { kind: 'min', value: 150_000 },
      });
      add({ profile: name, figure: 'peak RSS', value: r.peakRssMB, unit: 'MB' });
    });

    await step('text-tail', async () => {
      // On the agent's runtime: this bundle run again by that node, measuring in its own process.
      const t =
        env.runtime.kind === 'dev'
          ? await measureTextTail(dir, P.tailLines)
          : (JSON.parse(
              (
                await execa(env.runtime.nodePath, [process.argv[1]!, `--text-tail-child=${P.tailLines}`, dir], {
                  stderr: 'inherit',
                })
              ).stdout,
            ) as TailResult);
      add({
        profile: 'text-log tail → records (JSON-serialised)',
        figure: 'throughput',
        value: t.mibPerSec,
        unit: 'MiB/s',
        target: { kind: 'min', value: 80 },
        note: `${P.tailLines} lines of ~150 B, ${t.mib.toFixed(0)} MiB in ${t.seconds.toFixed(2)} s; file written before the clock starts; TextLogSource on ${env.runtime.nodeVersion}`,
      });
    });

    await step('idle', async () => {
      const f = await measureIdleFootprint({ runtime: env.runtime, seconds: P.idleSeconds });
      const name = `idle: supervisor + collector, ${P.idleSeconds} s window`;
      add({
        profile: name,
        figure: 'CPU',
        value: f.cpuPercent,
        unit: '% of one core',
        target: { kind: 'max', value: 0.2 },
        note: `supervisor ${f.supervisor.cpuPercent.toFixed(3)} % + collector ${f.collector.cpuPercent.toFixed(3)} %`,
      });
      add({
        profile: name,
        figure: 'RSS (mean), sum',
        value: f.rssMB,
        unit: 'MB',
        target: { kind: 'max', value: 90 },
        note: `supervisor ${f.supervisor.rssMB.toFixed(1)} MB + collector ${f.collector.rssMB.toFixed(1)} MB`,
      });
      add({
        profile: name,
        figure: 'PSS (mean), sum',
        value: f.pssMB,
        unit: 'MB',
        note: `supervisor ${f.supervisor.pssMB.toFixed(1)} MB + collector ${f.collector.pssMB.toFixed(1)} MB`,
      });
      add({
        profile: name,
        figure: 'RSS (mean), supervisor',
        value: f.supervisor.rssMB,
        unit: 'MB',
        target: { kind: 'max', value: 35 },
      });
      add({ profile: name, figure: 'RSS (mean), collector', value: f.collector.rssMB, unit: 'MB' });
    });

    await step('enable', async () => {
      const e = await measureEnableTime();
      add({
        profile: 'enable → Enable/success (packaged ZIP, guest-agent sim)',
        figure: 'time',
        value: e.enableToSuccessSeconds,
        unit: 's',
        note: `enable command itself ${e.enableCommandSeconds.toFixed(2)} s; harness default DCR (perf + syslog + text logs → file)`,
      });
    });

    await step('perf', async () => {
      const n = 30;
      let prev = await takeSample('/proc', true);
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < n; i++) {
        const cur = await takeSample('/proc', true);
        computeValues(prev, cur);
        prev = cur;
      }
      const used = process.cpuUsage(cpu0);
      const perSampleMs = (used.user + used.system) / 1000 / n;
      add({
        profile: 'perf counters, full set incl. per-process',
        figure: 'CPU per sample',
        value: perSampleMs,
        unit: 'ms',
      });
      add({
        profile: 'perf counters, one sample every 10 s',
        figure: 'CPU',
        value: (perSampleMs / 10_000) * 100,
        unit: '% of one core',
        target: { kind: 'max', value: 0.2 },
      });
    });

    await step('syslog', async () => {
      for (const r of await runSyslogBench({
        parseSeconds: long ? 5 : 1.5,
        listenerMessages: long ? 500_000 : 150_000,
      })) {
        add({ profile: r.benchmark, figure: r.figure, value: r.value, unit: r.unit, note: r.note });
      }
    });
  } finally {
    await imds.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
  const env: BenchEnv = {
    cpus: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? '',
    node: agentNode,
    date: new Date().toISOString(),
    mode: long ? 'long' : 'default',
    durationSeconds: (performance.now() - started) / 1000,
    notes,
  };
  if (P.burstCount < 1_000_000) notes.push(`burst is ${P.burstCount} records in the default run (1M with --long)`);
  console.log(renderTable(rows, env));
  if (!only) {
    const out = writeReport(REPO, rows, env);
    console.log(`\nwritten: ${path.relative(REPO, out.json)}, ${path.relative(REPO, out.svg)}`);
  } else {
    console.log('\n(--only: bench/results/latest.* not rewritten)');
  }
  process.exit(0);
}

/** `bench.mjs --text-tail-child=<lines> <dir>`: the text-tail profile alone, its result as JSON on stdout. */
async function textTailChild(lines: number, dir: string): Promise<void> {
  console.log(JSON.stringify(await measureTextTail(dir, lines)));
  process.exit(0);
}

const PROFILES = ['sustained', 'max', 'max-large', 'burst', 'text-tail', 'idle', 'enable', 'perf', 'syslog'];
const USAGE = `usage: npm run bench -- [--only=${PROFILES.join(',')}] [--long] [--dev-node] [--cpu-prof] [--heap-promo | --heap-alloc]
                      [--baseline=<collector bundle> [--rounds=N] [--baseline-node-args="<flags>"]]
  (docs/performance.md; OPEN_AMA_BENCH_COLLECTOR / OPEN_AMA_BENCH_NODE_ARGS run another collector bundle or V8 flags)`;

const tailChild = args.find((a) => a.startsWith('--text-tail-child='));
const unknownProfile = only?.find((p) => !PROFILES.includes(p));
if (args.includes('--help') || args.includes('-h')) console.log(USAGE);
else if (unknownProfile !== undefined) {
  console.error(`unknown profile "${unknownProfile}"\n${USAGE}`);
  process.exitCode = 2;
} else if (baseline !== undefined && !existsSync(baseline)) {
  console.error(`--baseline: no such file: ${baseline}\n${USAGE}`);
  process.exitCode = 2;
} else if (baselineNodeArgsArg !== undefined && baseline === undefined) {
  console.error(`--baseline-node-args: only with --baseline=<collector bundle>\n${USAGE}`);
  process.exitCode = 2;
} else if (!(Number.isInteger(rounds) && rounds >= 1)) {
  console.error(`--rounds: a whole number ≥ 1, not "${roundsArg}"\n${USAGE}`);
  process.exitCode = 2;
} else if (tailChild) void textTailChild(Number(tailChild.slice(18)), args[args.indexOf(tailChild) + 1]!);
else void main();
