// Syslog source benchmark (figures, never assertions): parse throughput per CPU-second for RFC 3164, RFC 5424
// and CEF corpora (the real lines of test/fixtures/syslog, varied by sequence number), and the listener
// path TCP → framing → parse → filter → batch → a counting sink, with LF and octet-counted framing.
// Run alone: node --experimental-strip-types bench/syslog-bench.ts, or import runSyslogBench.
import * as net from 'node:net';
import * as os from 'node:os';
import { parseMessage, SyslogSource } from '../agent/collector/sources/syslog/index.js';
import { createNullLogger } from '../agent/telemetry/index.js';
import { CEF_CASES, RFC3164_CASES, RFC5424_CASES } from '../test/fixtures/syslog/parser-cases.js';

export interface SyslogBenchOptions {
  /** Seconds per parse corpus (default 2). */
  parseSeconds?: number;
  /** Messages sent through the listener per framing (default 200,000). */
  listenerMessages?: number;
}

export interface SyslogBenchRow {
  benchmark: string;
  figure: string;
  value: number;
  unit: string;
  note?: string;
}

function corpus(lines: string[], n = 2000): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < n; i++) out.push(Buffer.from(lines[i % lines.length]!.replace(/\r?\n$/, '') + ` seq=${i}`));
  return out;
}

function parseRate(bufs: Buffer[], seconds: number): { rate: number; mbps: number } {
  const ctx = { computer: 'bench', now: new Date() };
  for (let i = 0; i < 20_000; i++) parseMessage(bufs[i % bufs.length]!, ctx); // warm-up (JIT)
  let n = 0;
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < deadline) {
    for (let i = 0; i < 1000; i++) {
      const b = bufs[(n + i) % bufs.length]!;
      parseMessage(b, ctx);
      bytes += b.length;
    }
    n += 1000;
  }
  // Per CPU-second of this process (not wall): steadier on a shared machine.
  const used = process.cpuUsage(cpu0);
  const secs = Math.max(1e-6, (used.user + used.system) / 1e6);
  return { rate: n / secs, mbps: bytes / secs / 1e6 };
}

async function listenerRate(count: number, framing: 'lf' | 'octet'): Promise<{ rate: number; written: number }> {
  let written = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => (resolveDone = r));
  const source = new SyslogSource(
    { id: 'bench', port: 0, streams: ['Microsoft-Syslog'], filters: [{ key: 'k', facilities: ['*'], levels: ['*'] }] },
    {
      logger: createNullLogger(),
      computer: 'bench',
      drops: { drop: () => undefined },
      checkpoints: { load: async () => undefined, save: async () => undefined },
      sink: {
        write: async (_s, records) => {
          written += records.length;
          if (written >= count) resolveDone();
        },
      },
    },
  );
  await source.start();
  const sock = net.connect(source.boundPort, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i += 500) {
    let text = '';
    for (let j = i; j < Math.min(count, i + 500); j++) {
      const m = `<134>Nov 25 10:00:00 bench-host app[42]: seq=${j} GET /index.html 200 1234 "Mozilla/5.0"`;
      text += framing === 'lf' ? `${m}\n` : `${Buffer.byteLength(m)} ${m}`;
    }
    if (!sock.write(text)) await new Promise((r) => sock.once('drain', r));
  }
  sock.end();
  await done;
  const secs = Number(process.hrtime.bigint() - start) / 1e9;
  await source.stop();
  return { rate: count / secs, written };
}

export async function runSyslogBench(opts: SyslogBenchOptions = {}): Promise<SyslogBenchRow[]> {
  const seconds = opts.parseSeconds ?? 2;
  const rows: SyslogBenchRow[] = [];
  const corpora: [string, string[]][] = [
    ['RFC 3164', RFC3164_CASES.map((c) => c.line)],
    ['RFC 5424', RFC5424_CASES.map((c) => c.line)],
    ['CEF (→ CommonSecurityLog)', CEF_CASES.map((c) => c.line)],
  ];
  for (const [name, lines] of corpora) {
    const r = parseRate(corpus(lines), seconds);
    rows.push({
      benchmark: 'syslog parse (1 core)',
      figure: name,
      value: Math.round(r.rate),
      unit: 'lines/CPU-s',
      note: `${r.mbps.toFixed(1)} MB per CPU-second`,
    });
  }
  const n = opts.listenerMessages ?? 200_000;
  for (const framing of ['lf', 'octet'] as const) {
    const r = await listenerRate(n, framing);
    rows.push({
      benchmark: 'syslog listener TCP→parse→sink',
      figure: framing === 'lf' ? 'LF framing' : 'octet counting',
      value: Math.round(r.rate),
      unit: 'msg/s',
      note: `${r.written} records, counting sink`,
    });
  }
  return rows;
}

if (/syslog-bench\.[jt]s$/.test(process.argv[1] ?? '')) {
  const rows = await runSyslogBench();
  console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`);
  console.table(rows);
}
