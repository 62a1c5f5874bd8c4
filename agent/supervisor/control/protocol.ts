// Control socket protocol (unix socket, 0600): one JSON request line, one JSON response line.
import type { CollectorHealth } from '../../collector/ipc.js';

export type ControlRequest =
  | { op: 'ping' }
  | { op: 'apply-config'; configVersion: number; timeoutMs: number }
  | { op: 'status' }
  | { op: 'stop' };

export interface ApplyResult {
  ok: boolean;
  hot: boolean;
  configVersion: number;
  reason?: string;
  health?: CollectorHealth;
}

export type CollectorState = 'starting' | 'running' | 'backoff' | 'crash-looping' | 'stopped';

export interface SupervisorStatus {
  version: string;
  pid: number;
  collector: { state: CollectorState; pid?: number; restarts: number; lastExit?: string; stderrTail?: string };
  appliedConfigVersion?: number;
  health?: CollectorHealth;
}

export type ControlResponse =
  | { op: 'pong'; version: string; pid: number }
  | { op: 'apply-config'; result: ApplyResult }
  | { op: 'status'; status: SupervisorStatus }
  | { op: 'stop'; stopping: true }
  | { op: 'error'; message: string };
