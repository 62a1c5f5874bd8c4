// The supervisor as operations see it (ctx.supervisor): start it, stop it, hand it a configuration,
// ask its status. The driver binds the real one (agent/supervisor/control) to our paths; tests pass a
// fake, so operations run against a temp dir without a package, a daemon or a control socket.
import type { AgentPaths } from '../agent/config/index.js';
import {
  ensureSupervisorRunning,
  stopSupervisor,
  SupervisorClient,
  type ApplyResult,
  type EnsureRunningOptions,
  type EnsureRunningResult,
  type SupervisorStatus,
} from '../agent/supervisor/control/index.js';

export interface SupervisorControl {
  /** Starts (or keeps) the supervisor of this version; resolves once its control socket answers. */
  ensureRunning(o: Omit<EnsureRunningOptions, 'paths'>): Promise<EnsureRunningResult>;
  /** Graceful stop, then signals; nothing of ours runs afterwards. */
  stop(o: { timeoutMs?: number; removeUnit?: boolean }): Promise<{ wasRunning: boolean }>;
  /** Asks the collector to load configuration `seq` from agent-config.json and waits for its answer. */
  applyConfig(seq: number, timeoutMs: number): Promise<ApplyResult>;
  /** The running supervisor's status; rejects when none answers. */
  status(): Promise<SupervisorStatus>;
}

export type SupervisorFactory = (paths: AgentPaths) => SupervisorControl;

/** The real supervisor: processes, systemd and the control socket under `paths`. */
export function processSupervisor(paths: AgentPaths): SupervisorControl {
  const client = new SupervisorClient(paths.controlSocket);
  return {
    ensureRunning: (o) => ensureSupervisorRunning({ ...o, paths }),
    stop: (o) => stopSupervisor(paths, o),
    applyConfig: (seq, timeoutMs) => client.applyConfig(seq, timeoutMs),
    status: () => client.status(),
  };
}
