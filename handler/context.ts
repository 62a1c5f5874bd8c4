// What every operation receives: the guest agent's environment resolved once by the driver
// (HandlerEnvironment, seq, versions, our paths, logger, events, the supervisor). Operations never read
// process.env, hard-coded paths or the supervisor's control functions themselves, so they can run
// against a temp dir and a fake supervisor in tests.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentPaths } from '../agent/config/index.js';
import type { Logger } from '../agent/telemetry/index.js';
import type { HandlerEnvironment, EventWriter } from './guest-agent/index.js';
import type { SupervisorControl } from './supervisor.js';

export type OperationName = 'install' | 'enable' | 'disable' | 'update' | 'uninstall';

export interface PackageLayout {
  /** <ExtDir>: the unzipped package (cwd of every command). */
  extDir: string;
  /** The bundled Node runtime running us (<ExtDir>/runtime/node in the ZIP). */
  nodePath: string;
  /** <ExtDir>/dist: supervisor.mjs, collector.mjs. */
  distDir: string;
}

export interface OperationContext {
  operation: OperationName;
  version: string;
  env: NodeJS.ProcessEnv;
  handlerEnv: HandlerEnvironment;
  seq: number;
  /** Set when ConfigSequenceNumber was present but unusable and the fallback rule picked seq. */
  seqWarning?: string;
  paths: AgentPaths;
  layout: PackageLayout;
  logger: Logger;
  events: EventWriter;
  /** The supervisor daemon (processSupervisor(paths) in production). */
  supervisor: SupervisorControl;
  /** Absolute deadline (ms since epoch) well inside the guest agent's timeout. */
  deadline: number;
}

/** The outcome an operation reports; the driver turns it into the status file and exit code. */
export interface OperationResult {
  message: string;
  substatus?: {
    name: string;
    status: 'success' | 'warning' | 'error' | 'transitioning';
    code: number;
    message: string;
  }[];
  configurationAppliedTime?: string;
}

/** <ExtDir> is the cwd the guest agent gives us; the bundles sit next to the running handler bundle. */
export function packageLayoutFromBundle(moduleUrl: string, execPath: string, cwd: string): PackageLayout {
  const distDir = path.dirname(fileURLToPath(moduleUrl));
  return { extDir: cwd, nodePath: execPath, distDir };
}

export function remainingMs(ctx: OperationContext): number {
  return Math.max(0, ctx.deadline - Date.now());
}
