// The guest agent's update order (docs/guest-agent-protocol.md §5.5), written once for the harness's simulated
// agent and the standalone shim. A = the installed version, B = the new one, already placed with its
// <seq>.settings: A disable (if enabled; a failure stops here unless B's continueOnUpdateFailure) → A's status/*
// and mrseq copied into B → B update (A's updateCommand for a downgrade) → A uninstall → A's directory deleted →
// B install (updateMode UpdateWithInstall or absent) → B enable. The exit codes of A's disable and uninstall are
// passed on as the agent passes them (timeout → 1011, not run → None). Callers say how a command runs, how a
// handler state is persisted and how a step is shown; the order and its failure rules live only here.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { CommandResult, Operation } from './command-runner.js';
import { manifestBool, type ExtensionLayout, type HandlerManifest } from './layout.js';

export interface CommandOutcome {
  ok: boolean;
  /** Absent when the command could not be started (e.g. the manifest has no such command). */
  result?: CommandResult;
}

export interface UpdatePorts {
  run(l: ExtensionLayout, op: Operation, extraEnv?: Record<string, string>): Promise<CommandOutcome>;
  /** B enable and its terminal status. */
  enable(l: ExtensionLayout, extraEnv: Record<string, string>): Promise<boolean>;
  /** Persists which version is installed and in which handler state (both callers keep HandlerState files). */
  setState(version: string, handlerState: 'NotInstalled' | 'Installed'): Promise<void>;
  /** A step that is not a handler command (state copied, directory deleted), for the caller's record or log. */
  note(operation: 'copy-state' | 'delete-extdir', version: string, text: string): void;
}

export interface UpdatePlan {
  from: ExtensionLayout;
  to: ExtensionLayout;
  toManifest: HandlerManifest;
  /** Whether A is enabled now (only then is it disabled first). */
  enabled: boolean;
}

/** The exit code as the agent hands it to the next command: 1011 for a timeout, 1 when none is known. */
export function agentExitCodeText(o: CommandOutcome): string {
  return o.result?.timedOut ? '1011' : String(o.result?.exitCode ?? 1);
}

function installsOnUpdate(m: HandlerManifest): boolean {
  const mode = m.updateMode;
  return (
    mode === undefined || mode === null || (typeof mode === 'string' && mode.toLowerCase() === 'updatewithinstall')
  );
}

export async function runUpdateSequence(plan: UpdatePlan, p: UpdatePorts): Promise<boolean> {
  const { from: a, to: b, toManifest } = plan;
  const continueOnFailure = manifestBool(toManifest.continueOnUpdateFailure);
  let disableResult = 'None';
  if (plan.enabled) {
    const d = await p.run(a, 'disable');
    disableResult = agentExitCodeText(d);
    if (!d.ok && !continueOnFailure) return false;
    await p.setState(a.version, 'Installed');
  }
  // Best effort, as the agent: a missing status folder or mrseq (never enabled) is not an error.
  for (const f of await fs.readdir(a.statusFolder).catch(() => [] as string[]))
    await fs.copyFile(path.join(a.statusFolder, f), path.join(b.statusFolder, f)).catch(() => undefined);
  await fs.copyFile(path.join(a.extDir, 'mrseq'), path.join(b.extDir, 'mrseq')).catch(() => undefined);
  p.note('copy-state', b.version, 'copied mrseq and status/* from the old version');
  const downgrade = b.version.localeCompare(a.version, undefined, { numeric: true }) < 0;
  const upd = await p.run(downgrade ? a : b, 'update', {
    VERSION: b.version,
    AZURE_GUEST_AGENT_UPDATING_FROM_VERSION: downgrade ? b.version : a.version,
    AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE: disableResult,
  });
  if (!upd.ok) {
    // A stays installed (disabled); a later goal state retries the update.
    await fs.writeFile(path.join(b.configFolder, 'HandlerState'), 'FailedUpgrade').catch(() => undefined);
    await p.setState(a.version, 'Installed');
    return false;
  }
  const un = await p.run(a, 'uninstall');
  const uninstallResult = agentExitCodeText(un);
  if (!un.ok && !continueOnFailure) return false;
  await fs.rm(a.extDir, { recursive: true, force: true });
  p.note('delete-extdir', a.version, `deleted ${a.extDir}`);
  await p.setState(b.version, 'NotInstalled');
  const env = { AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: uninstallResult };
  if (installsOnUpdate(toManifest) && !(await p.run(b, 'install', env)).ok) return false;
  await p.setState(b.version, 'Installed');
  return p.enable(b, env);
}
