// Idle footprint of the agent: supervisor + collector started as the handler starts them (bench/supervised.ts,
// the chosen runtime) with an idle configuration (no DCRs, offline), left to settle, then sampled over the
// window: CPU time from /proc/<pid>/stat (% of one core over the window), RSS and PSS (bench/proc-stats.ts)
// of each process, mean and peak.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchRuntime } from './runtime.js';
import { startSupervised } from './supervised.js';
import { cpuSeconds, pssMB, rssMB } from './proc-stats.js';

export interface IdleFootprintOptions {
  runtime: BenchRuntime;
  /** Measuring window (default 30 s) after a settle time (default 5 s). */
  seconds?: number;
  settleSeconds?: number;
  /** RSS/PSS sampling period (default 5 s). */
  sampleEveryMs?: number;
}

export interface ProcessFootprint {
  pid: number;
  cpuPercent: number;
  rssMB: number;
  peakRssMB: number;
  pssMB: number;
}

export interface IdleFootprint {
  /** Supervisor + collector together. */
  cpuPercent: number;
  rssMB: number;
  peakRssMB: number;
  pssMB: number;
  supervisor: ProcessFootprint;
  collector: ProcessFootprint;
  seconds: number;
  samples: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function safe(f: () => number): number {
  try {
    return f();
  } catch {
    return 0;
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function measureIdleFootprint(opts: IdleFootprintOptions): Promise<IdleFootprint> {
  const seconds = opts.seconds ?? 30;
  const sampleEveryMs = opts.sampleEveryMs ?? 5_000;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-idle-'));
  try {
    const agent = await startSupervised(opts.runtime, {
      dir,
      dataCollectionRules: [],
      env: { OPEN_AMA_OFFLINE: '1' },
    });
    try {
      await sleep((opts.settleSeconds ?? 5) * 1000);
      const pids = [agent.supervisorPid, agent.collectorPid];
      const cpu0 = pids.map((p) => safe(() => cpuSeconds(p)));
      const t0 = process.hrtime.bigint();
      const rss: number[][] = [[], []];
      const pss: number[][] = [[], []];
      const sample = (): void =>
        pids.forEach((p, i) => {
          rss[i]!.push(safe(() => rssMB(p)));
          pss[i]!.push(safe(() => pssMB(p)));
        });
      const until = Date.now() + seconds * 1000;
      while (Date.now() < until) {
        sample();
        await sleep(Math.min(sampleEveryMs, Math.max(0, until - Date.now())));
      }
      sample();
      const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
      const per = pids.map((pid, i): ProcessFootprint => ({
        pid,
        cpuPercent: +((100 * (safe(() => cpuSeconds(pid)) - cpu0[i]!)) / elapsed).toFixed(3),
        rssMB: +mean(rss[i]!).toFixed(1),
        peakRssMB: +Math.max(...rss[i]!).toFixed(1),
        pssMB: +mean(pss[i]!).toFixed(1),
      }));
      const [supervisor, collector] = per as [ProcessFootprint, ProcessFootprint];
      return {
        cpuPercent: +(supervisor.cpuPercent + collector.cpuPercent).toFixed(3),
        rssMB: +(supervisor.rssMB + collector.rssMB).toFixed(1),
        peakRssMB: +(supervisor.peakRssMB + collector.peakRssMB).toFixed(1),
        pssMB: +(supervisor.pssMB + collector.pssMB).toFixed(1),
        supervisor,
        collector,
        seconds: +elapsed.toFixed(1),
        samples: rss[0]!.length,
      };
    } finally {
      await agent.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
