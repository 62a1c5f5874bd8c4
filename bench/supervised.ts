// The agent as it runs in production, for the benchmark: the supervisor started detached by the handler's
// launcher (agent/supervisor/control/launcher.ts) with the chosen runtime (bench/runtime.ts), under a temp
// OPEN_AMA_ROOT holding an AgentConfig, told to apply it; the supervisor starts the collector with the
// product's node flags. Returns both pids; stop() stops it as disable does.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as path from 'node:path';
import { agentPaths, DEFAULT_RESOURCE_LIMITS, OPEN_AMA_VERSION, writeAgentConfig } from '../agent/config/index.js';
import { ensureSupervisorRunning, stopSupervisor, SupervisorClient } from '../agent/supervisor/control/index.js';
import { testAgentConfig } from '../test/support/agent-config.js';
import type { BenchRuntime } from './runtime.js';
import { descendants } from './proc-stats.js';

export interface SupervisedAgent {
  root: string;
  supervisorPid: number;
  collectorPid: number;
  stop(): Promise<void>;
}

export interface SupervisedOptions {
  /** Parent directory of the temp OPEN_AMA_ROOT. */
  dir: string;
  dataCollectionRules: unknown[];
  /** Extra environment for supervisor and collector (OPEN_AMA_*, NODE_EXTRA_CA_CERTS pass through). */
  env?: Record<string, string>;
}

export async function startSupervised(rt: BenchRuntime, o: SupervisedOptions): Promise<SupervisedAgent> {
  const root = mkdtempSync(path.join(o.dir, 'agent-'));
  const bin = path.join(root, 'opt/open-ama/bench/dist');
  mkdirSync(bin, { recursive: true });
  for (const f of ['supervisor.mjs', 'collector.mjs']) copyFileSync(path.join(rt.distDir, f), path.join(bin, f));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', OPEN_AMA_ROOT: root, ...o.env };
  const paths = agentPaths(env);
  mkdirSync(path.join(root, 'status'), { recursive: true });
  await writeAgentConfig(
    paths.agentConfigFile,
    testAgentConfig({
      writtenAt: new Date().toISOString(),
      dataCollectionRules: o.dataCollectionRules,
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
  const stop = async (): Promise<void> => void (await stopSupervisor(paths, { timeoutMs: 30_000 }));
  try {
    const sup = await ensureSupervisorRunning({
      paths,
      version: OPEN_AMA_VERSION,
      nodePath: rt.nodePath,
      supervisorScript: path.join(bin, 'supervisor.mjs'),
      resourceLimits: DEFAULT_RESOURCE_LIMITS,
      env,
      timeoutMs: 30_000,
    });
    const applied = await new SupervisorClient(paths.controlSocket).applyConfig(1, 30_000);
    if (!applied.ok) throw new Error(`the collector did not apply the bench config: ${applied.reason ?? ''}`);
    const collectorPid = descendants(sup.pid)[0];
    if (collectorPid === undefined) throw new Error('no collector process under the supervisor');
    return { root, supervisorPid: sup.pid, collectorPid, stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
