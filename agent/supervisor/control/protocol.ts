// Control socket protocol (unix socket, 0600, newline-delimited JSON): the client writes one request
// line, the supervisor answers one response line. Requests are parsed defensively (parseControlRequest)
// because the socket is a boundary. Old clients and servers keep working across an update: ops are only
// ever added, and "ping" and "stop" never change shape.
import type { CollectorHealth } from '../../collector/ipc.js';

export const MAX_LINE_BYTES = 64 * 1024;

export type ControlRequest =
  { op: 'ping' } | { op: 'apply-config'; configVersion: number; timeoutMs: number } | { op: 'status' } | { op: 'stop' };

export interface ApplyResult {
  ok: boolean;
  hot: boolean;
  configVersion: number;
  reason?: string;
  health?: CollectorHealth;
}

export type CollectorState = 'starting' | 'running' | 'backoff' | 'crash-looping' | 'stopped';

export interface CollectorStatus {
  state: CollectorState;
  pid?: number;
  restarts: number;
  /** e.g. "exited with code 1: boom: cannot bind 127.0.0.1:28330" or the watchdog's reason. */
  lastExit?: string;
  lastExitAt?: string;
  /** Redacted tail of the current (or last) run's stderr. */
  stderrTail?: string;
  /** When the next restart is due (state backoff / crash-looping). */
  nextRestartAt?: string;
  rssMB?: number;
}

export interface SupervisorStatus {
  version: string;
  pid: number;
  collector: CollectorStatus;
  appliedConfigVersion?: number;
  health?: CollectorHealth;
  /** True once a configuration was applied through the socket: the supervisor keeps the status file. */
  reportingStatus?: boolean;
}

export type ControlResponse =
  | { op: 'pong'; version: string; pid: number }
  | { op: 'apply-config'; result: ApplyResult }
  | { op: 'status'; status: SupervisorStatus }
  | { op: 'stop'; stopping: true; stopped?: boolean }
  | { op: 'error'; message: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

/** Parses one request line; returns a message saying what is wrong instead of throwing. */
export function parseControlRequest(line: string): ControlRequest | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return { error: 'request is not JSON' };
  }
  if (typeof v !== 'object' || v === null) return { error: 'request must be a JSON object' };
  const o = v as Record<string, unknown>;
  switch (o.op) {
    case 'ping':
    case 'status':
    case 'stop':
      return { op: o.op };
    case 'apply-config':
      if (!isInt(o.configVersion) || o.configVersion < 0)
        return { error: 'apply-config needs a non-negative integer configVersion' };
      if (!isInt(o.timeoutMs) || o.timeoutMs <= 0) return { error: 'apply-config needs a positive integer timeoutMs' };
      return { op: 'apply-config', configVersion: o.configVersion, timeoutMs: o.timeoutMs };
    default:
      return { error: `unknown op ${JSON.stringify(o.op)}` };
  }
}
