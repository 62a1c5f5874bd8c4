// The operations table (STYLE.md): op → function, status operation name, time budget.
// The guest agent's timeouts (docs/guest-agent-protocol.md §4.4) are hard SIGKILLs; our budget stops at ~80 % of
// them so an error status is always written before the agent kills us.
import type { OperationContext, OperationName, OperationResult } from './context.js';
import { install } from './ops/install.js';
import { enable } from './ops/enable.js';
import { disable } from './ops/disable.js';
import { update } from './ops/update.js';
import { uninstall } from './ops/uninstall.js';

export interface OperationSpec {
  run: (ctx: OperationContext) => Promise<OperationResult>;
  /** `status.operation` in the status file. */
  statusName: string;
  /** The guest agent's timeout for this command. */
  agentTimeoutMs: number;
  /** Whether the operation needs the settings of <seq> (disable/uninstall/update must not). */
  readsSettings: boolean;
}

export const OPERATIONS: Record<OperationName, OperationSpec> = {
  install: { run: install, statusName: 'Install', agentTimeoutMs: 900_000, readsSettings: false },
  enable: { run: enable, statusName: 'Enable', agentTimeoutMs: 300_000, readsSettings: true },
  disable: { run: disable, statusName: 'Disable', agentTimeoutMs: 900_000, readsSettings: false },
  update: { run: update, statusName: 'Update', agentTimeoutMs: 900_000, readsSettings: false },
  uninstall: { run: uninstall, statusName: 'Uninstall', agentTimeoutMs: 300_000, readsSettings: false },
};

export const BUDGET_FRACTION = 0.8;

/** AMA accepts `enable`, `-enable`, `--enable`, `/enable` (docs/guest-agent-protocol.md §1). */
export function parseOperation(arg: string | undefined): OperationName | undefined {
  const m = /^[-/]*(install|enable|disable|update|uninstall)$/i.exec(arg ?? '');
  return m ? (m[1]!.toLowerCase() as OperationName) : undefined;
}
