// Idle footprint of the agent: starts supervisor + collector (detached, as the handler does) under a
// temp OPEN_AMA_ROOT with an idle configuration (no DCRs, offline), lets it settle, then samples
// /proc/<pid>/stat (utime+stime) and /proc/<pid>/status (VmRSS) of both processes over the window.
// CPU is the CPU time used during the window divided by its length (% of one core).
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths, DEFAULT_RESOURCE_LIMITS, OPEN_AMA_VERSION, writeAgentConfig } from '../agent/config/index.js';
import { testAgentConfig } from '../test/support/agent-config.js';
import { ensureSupervisorRunning, stopSupervisor, SupervisorClient } from '../agent/supervisor/control/index.js';
import { cpuSeconds, descendants, rssMB } from './proc-stats.js';

export interface IdleFootprintOptions {
  /** Directory holding supervisor.mjs and collector.mjs (default ./dist). */
  distDir?: string;
  /** Measuring window (default 30 s) after a settle time (default 5 s). */
  seconds?: number;
  settleSeconds?: number;
  /** RSS sampling period (default 5 s). */
  sampleEveryMs?: number;
  nodePath?: string;
}

export interface ProcessFootprint {
  pid: number;
  cpuPercent: number;
  rssMB: number;
  peakRssMB: number;
}

export interface IdleFootprint {
  /** Supervisor + collector together. */
  cpuPercent: number;
  rssMB: number;
  peakRssMB: number;
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

export async function measureIdleFootprint(opts: IdleFootprintOptions = {}): Promise<IdleFootprint> {
  const distDir = opts.distDir ?? path.join(process.cwd(), 'dist');
  const seconds = opts.seconds ?? 30;
  const sampleEveryMs = opts.sampleEveryMs ?? 5_000;
  const root = mkdtempSync(path.join(os.tmpdir(), 'oa-idle-'));
  const bin = path.join(root, 'opt/open-ama/bench/dist');
  mkdirSync(bin, { recursive: true });
  for (const f of ['supervisor.mjs', 'collector.mjs']) copyFileSync(path.join(distDir, f), path.join(bin, f));
  const env = { PATH: process.env.PATH, OPEN_AMA_ROOT: root, OPEN_AMA_OFFLINE: '1' };
  const paths = agentPaths(env);
  mkdirSync(path.join(root, 'status'), { recursive: true });
  await writeAgentConfig(
    paths.agentConfigFile,
    testAgentConfig({
      writtenAt: new Date().toISOString(),
      status: {
        handlerName: 'bench',
        extensionVersion: 'bench',
        statusFolder: path.join(root, 'status'),
        seq: 1,
        logFolder: path.join(root, 'log'),
        heartbeatFile: path.join(root, 'heartbeat.log'),
      },
    }),
  );

  try {
    const sup = await ensureSupervisorRunning({
      paths,
      version: OPEN_AMA_VERSION,
      nodePath: opts.nodePath ?? process.execPath,
      supervisorScript: path.join(bin, 'supervisor.mjs'),
      resourceLimits: DEFAULT_RESOURCE_LIMITS,
      env,
      timeoutMs: 20_000,
    });
    const applied = await new SupervisorClient(paths.controlSocket).applyConfig(1, 20_000);
    if (!applied.ok)
      throw new Error(`idle footprint: the collector did not apply the idle config: ${applied.reason ?? ''}`);
    await sleep((opts.settleSeconds ?? 5) * 1000);
    const col = descendants(sup.pid)[0];
    if (col === undefined) throw new Error('idle footprint: no collector process under the supervisor');
    const pids = [sup.pid, col];
    const cpu0 = pids.map((p) => safe(() => cpuSeconds(p)));
    const t0 = process.hrtime.bigint();
    const rss: number[][] = [[], []];
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) {
      pids.forEach((p, i) => rss[i]!.push(safe(() => rssMB(p))));
      await sleep(Math.min(sampleEveryMs, Math.max(0, until - Date.now())));
    }
    pids.forEach((p, i) => rss[i]!.push(safe(() => rssMB(p))));
    const elapsed = Number(process.hrtime.bigint() - t0) / 1e9;
    const per = pids.map((pid, i): ProcessFootprint => {
      const samples = rss[i]!;
      return {
        pid,
        cpuPercent: +((100 * (safe(() => cpuSeconds(pid)) - cpu0[i]!)) / elapsed).toFixed(3),
        rssMB: +(samples.reduce((a, b) => a + b, 0) / samples.length).toFixed(1),
        peakRssMB: +Math.max(...samples).toFixed(1),
      };
    });
    const [supervisor, collector] = per as [ProcessFootprint, ProcessFootprint];
    return {
      cpuPercent: +(supervisor.cpuPercent + collector.cpuPercent).toFixed(3),
      rssMB: +(supervisor.rssMB + collector.rssMB).toFixed(1),
      peakRssMB: +(supervisor.peakRssMB + collector.peakRssMB).toFixed(1),
      supervisor,
      collector,
      seconds: +elapsed.toFixed(1),
      samples: rss[0]!.length,
    };
  } finally {
    await stopSupervisor(paths, { timeoutMs: 30_000 });
    rmSync(root, { recursive: true, force: true });
  }
}
