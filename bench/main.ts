// npm run bench: figures, never assertions. Runs the real collector process against loopback fakes
// and prints one table (also bench/results/latest.json): end-to-end syslog → durable queue → gzip →
// HTTPS Logs Ingestion fake at max rate and at 10k EPS, the same corpus relayed by rsyslog (TCP→TCP)
// side by side, idle footprint of supervisor + collector, perf sampling cost, text-log tail MB/s.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { createTestCa } from '../test/fakes/test-ca.js';
import { FakeIngestionServer } from '../test/fakes/ingestion-server.js';
import { FakeImdsServer } from '../test/fakes/imds-server.js';
import { freePort } from '../test/fakes/tinyproxy.js';
import { startCollector, syslogToLaDcr, waitFor, writeConfig, REPO } from '../test/helpers/collector-process.js';
import { cpuSeconds, rssMB } from './proc-stats.js';
import { takeSample, computeValues } from '../agent/collector/sources/perf/sampler.js';
import { TextLogSource } from '../agent/collector/sources/text-logs/text-log-source.js';
import { createNullLogger } from '../agent/telemetry/index.js';
import { measureIdleFootprint } from './idle-footprint.js';

type Row = { benchmark: string; figure: string; value: number; unit: string; note?: string };
const rows: Row[] = [];
const line = (i: number, pad: number): string => `<134>Nov 25 10:00:00 bench-host app[42]: seq=${i} ${'x'.repeat(pad)}\n`;

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => s.once('connect', () => r()).once('error', j));
  return s;
}

async function blast(port: number, count: number, pad: number, ratePerSec?: number): Promise<void> {
  const sock = await connect(port);
  const chunk = 500;
  const started = Date.now();
  for (let i = 0; i < count; i += chunk) {
    let text = '';
    for (let j = i; j < Math.min(count, i + chunk); j++) text += line(j, pad);
    if (!sock.write(text)) await new Promise((r) => sock.once('drain', r));
    if (ratePerSec) {
      const due = started + ((i + chunk) / ratePerSec) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }
  await new Promise<void>((r) => sock.end(() => r()));
}

async function collectorRun(dir: string, ca: Awaited<ReturnType<typeof createTestCa>>, imds: FakeImdsServer, count: number, rate?: number): Promise<void> {
  const ingestion = new FakeIngestionServer(ca);
  await ingestion.start();
  const root = mkdtempSync(path.join(dir, 'c-'));
  const port = await freePort();
  writeConfig(root, [syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', ingestion.url)]);
  const child: ResultPromise = startCollector(root, { NODE_EXTRA_CA_CERTS: ca.caCertPath, OPEN_AMA_IMDS_URL: imds.base, OPEN_AMA_SYSLOG_PORT: String(port) });
  await waitFor(async () => connect(port).then((s) => (s.destroy(), true)).catch(() => false), 15_000, 'listener');
  const pid = child.pid!;
  const cpu0 = cpuSeconds(pid);
  const t0 = Date.now();
  let peakRss = 0;
  const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, rssMB(pid))), 200);
  await blast(port, count, 150, rate);
  await waitFor(() => ingestion.records().length >= count, 300_000, 'all records accepted');
  const secs = (Date.now() - t0) / 1000;
  const cpu = cpuSeconds(pid) - cpu0;
  clearInterval(rssTimer);
  if (rate) {
    rows.push({ benchmark: `collector at ${rate} EPS (syslog→queue→gzip→HTTPS)`, figure: 'CPU', value: +((100 * cpu) / secs).toFixed(2), unit: '% of one core' });
    rows.push({ benchmark: `collector at ${rate} EPS`, figure: 'peak RSS', value: +peakRss.toFixed(1), unit: 'MB' });
  } else {
    rows.push({ benchmark: 'collector max rate (syslog→queue→gzip→HTTPS)', figure: 'throughput', value: Math.round(count / secs), unit: 'records/s', note: `${count} records of ~200 B in ${secs.toFixed(1)} s wall` });
    rows.push({ benchmark: 'collector max rate', figure: 'throughput per CPU second', value: Math.round(count / cpu), unit: 'records/CPU-s' });
    rows.push({ benchmark: 'collector max rate', figure: 'peak RSS', value: +peakRss.toFixed(1), unit: 'MB' });
  }
  child.kill('SIGTERM');
  await child;
  await ingestion.stop();
}

async function rsyslogRun(dir: string, count: number): Promise<void> {
  const sinkPort = await freePort();
  const inPort = await freePort();
  let received = 0;
  const sink = net.createServer((s) => s.on('data', (d: Buffer) => (received += d.toString('latin1').split('\n').length - 1)));
  await new Promise<void>((r) => sink.listen(sinkPort, '127.0.0.1', () => r()));
  const wd = mkdtempSync(path.join(dir, 'rs-'));
  const conf = path.join(wd, 'rsyslog.conf');
  writeFileSync(conf, [`global(workDirectory="${wd}")`, 'module(load="imtcp")', `input(type="imtcp" port="${inPort}" address="127.0.0.1")`, `*.* action(type="omfwd" target="127.0.0.1" port="${sinkPort}" protocol="tcp" queue.type="LinkedList" queue.filename="q" action.resumeRetryCount="-1")`].join('\n') + '\n');
  const rs = execa('rsyslogd', ['-n', '-f', conf, '-i', path.join(wd, 'pid')], { reject: false, stdio: 'ignore', env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  try {
    await waitFor(async () => connect(inPort).then((s) => (s.destroy(), true)).catch(() => false), 15_000, 'rsyslog');
    const pid = rs.pid!;
    const cpu0 = cpuSeconds(pid);
    const t0 = Date.now();
    await blast(inPort, count, 150);
    await waitFor(() => received >= count, 120_000, 'rsyslog relayed all');
    const secs = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    rows.push({ benchmark: 'rsyslog relay TCP→TCP (reference)', figure: 'throughput', value: Math.round(count / secs), unit: 'records/s' });
    rows.push({ benchmark: 'rsyslog relay TCP→TCP (reference)', figure: 'throughput per CPU second', value: Math.round(count / Math.max(cpu, 0.01)), unit: 'records/CPU-s', note: 'no durable queue, no gzip, no HTTPS' });
  } catch (err) {
    rows.push({ benchmark: 'rsyslog relay (reference)', figure: 'skipped', value: 0, unit: '', note: (err as Error).message });
  } finally {
    rs.kill('SIGTERM');
    await rs;
    sink.close();
  }
}

async function idleFootprint(seconds: number): Promise<void> {
  const f = await measureIdleFootprint({ distDir: path.join(REPO, 'dist'), seconds });
  rows.push({ benchmark: `idle footprint (supervisor + collector, ${seconds} s)`, figure: 'CPU', value: +f.cpuPercent.toFixed(3), unit: '% of one core' });
  rows.push({ benchmark: 'idle footprint', figure: 'RSS total', value: +f.rssMB.toFixed(1), unit: 'MB', note: `supervisor ${f.supervisor.rssMB.toFixed(0)} MB + collector ${f.collector.rssMB.toFixed(0)} MB` });
}

async function perfCost(): Promise<void> {
  const n = 50;
  let prev = await takeSample('/proc', true);
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const cur = await takeSample('/proc', true);
    computeValues(prev, cur);
    prev = cur;
  }
  const used = process.cpuUsage(cpu0);
  const perSampleMs = (used.user + used.system) / 1000 / n;
  rows.push({ benchmark: 'perf counters, full set incl. per-process', figure: 'CPU per sample', value: +perSampleMs.toFixed(2), unit: 'ms' });
  rows.push({ benchmark: 'perf counters, one sample every 10 s', figure: 'CPU', value: +((perSampleMs / 10_000) * 100).toFixed(3), unit: '% of one core' });
}

async function textTail(dir: string): Promise<void> {
  const d = mkdtempSync(path.join(dir, 'tail-'));
  const file = path.join(d, 'big.log');
  writeFileSync(file, '');
  let n = 0;
  const src = new TextLogSource(
    { id: 'bench', filePatterns: [file], format: 'text', stream: 'S', columns: ['TimeGenerated', 'RawData'], pollIntervalMs: 50 },
    { logger: createNullLogger(), computer: 'b', drops: { drop: () => undefined }, checkpoints: { load: async () => undefined, save: async () => undefined }, sink: { write: async (_s, r) => void (n += r.length, r.forEach((x) => JSON.stringify(x))) } },
  );
  await src.start();
  await new Promise((r) => setTimeout(r, 200));
  const lines = 400_000;
  const chunk = Array.from({ length: 10_000 }, (_, i) => `2026-11-25T10:00:00.000Z INFO worker-${i % 8} handled request ${i} in 12 ms status=200 path=/api/v1/items\n`).join('');
  const bytes = Buffer.byteLength(chunk) * (lines / 10_000);
  const t0 = Date.now();
  for (let i = 0; i < lines / 10_000; i++) appendFileSync(file, chunk);
  await waitFor(() => n >= lines, 120_000, 'tail');
  const secs = (Date.now() - t0) / 1000;
  await src.stop();
  rows.push({ benchmark: 'text-log tail → records (serialised)', figure: 'throughput', value: +((bytes / 1048576) / secs).toFixed(1), unit: 'MiB/s', note: `${lines} lines, ${(bytes / 1048576).toFixed(0)} MiB, includes the writer` });
}

async function main(): Promise<void> {
  const long = process.argv.includes('--long');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-bench-'));
  try {
    const ca = await createTestCa(path.join(dir, 'ca'));
    const imds = new FakeImdsServer({ mode: 'imds' });
    await imds.start();
    await collectorRun(dir, ca, imds, long ? 1_000_000 : 200_000);
    await collectorRun(dir, ca, imds, long ? 600_000 : 150_000, 10_000);
    await rsyslogRun(dir, long ? 1_000_000 : 200_000);
    await idleFootprint(long ? 120 : 30);
    await perfCost();
    await textTail(dir);
    await imds.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const env = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '', node: process.version, date: new Date().toISOString() };
  const w = [46, 26, 12, 14];
  console.log(`open-ama benchmarks — ${env.cpus} × ${env.cpu}, Node ${env.node}, ${env.date}`);
  console.log(['benchmark', 'figure', 'value', 'unit'].map((h, i) => h.padEnd(w[i]!)).join(' '));
  for (const r of rows) console.log([r.benchmark, r.figure, String(r.value), r.unit].map((c, i) => c.padEnd(w[i]!)).join(' ') + (r.note ? `  (${r.note})` : ''));
  mkdirSync(path.join(REPO, 'bench/results'), { recursive: true });
  writeFileSync(path.join(REPO, 'bench/results/latest.json'), JSON.stringify({ env, rows }, null, 2) + '\n');
  process.exit(0);
}

void main();
