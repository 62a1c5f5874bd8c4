// Runs one handler command the way the guest agent does (docs/guest-agent-protocol.md §4): `/bin/sh -c <ExtDir>/<cmd>`
// with cwd = ExtDir, a new session (own process group), stdout/stderr into temp files inside ExtDir,
// the agent's environment variables, its per-operation timeout (scalable) enforced by SIGKILL of the
// whole process group, and the agent's 3,200-character output capture and error codes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { constants as fsc, promises as fs, openSync, closeSync } from 'node:fs';
import * as path from 'node:path';
import { readManifest, type ExtensionLayout, type HandlerManifest } from './layout.js';

export type Operation = 'install' | 'enable' | 'disable' | 'update' | 'uninstall';

export const AGENT_TIMEOUTS_S: Record<Operation, number> = {
  install: 900,
  enable: 300,
  disable: 900,
  update: 900,
  uninstall: 300,
};
export const AGENT_ERROR_CODES: Record<Operation, number> = {
  install: 1007,
  enable: 1009,
  disable: 1010,
  update: 1008,
  uninstall: 1000,
};
export const TIMEOUT_ERROR_CODE = 1011;

export interface CommandResult {
  operation: Operation;
  command: string;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The agent's formatted capture: "[stdout]\n…\n\n[stderr]\n…", ≤ 3,200 characters. */
  output: string;
  /** Everything the command wrote, uncut (the agent keeps only `output`; tests read all of it). */
  stdout: string;
  stderr: string;
  /** Agent error code when the command failed (1007–1011), else 0. */
  agentErrorCode: number;
  message: string;
}

export interface RunOptions {
  layout: ExtensionLayout;
  operation: Operation;
  commandLine: string;
  /** Any text for bad-input tests; the agent always passes a whole number. */
  seq: number | string;
  extraEnv?: Record<string, string>;
  /** Variables the agent would not set (tests of a handler missing one). */
  unsetEnv?: string[];
  baseEnv?: NodeJS.ProcessEnv;
  timeScale?: number;
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : text.slice(text.length - max);
}

export function formatCapture(stdout: string, stderr: string): string {
  const budget = 3200 - '[stdout]\n\n\n[stderr]\n'.length;
  let out = tail(stdout, 1590);
  let err = tail(stderr, 1590);
  if (out.length < 1590) err = tail(stderr, budget - out.length);
  if (err.length < 1590) out = tail(stdout, budget - err.length);
  return `[stdout]\n${out}\n\n[stderr]\n${err}`.slice(0, 3200);
}

export async function runCommand(o: RunOptions): Promise<CommandResult> {
  const l = o.layout;
  const commandLine = o.commandLine.replace(/^\/+/, '');
  const full = path.join(l.extDir, commandLine);
  const env: NodeJS.ProcessEnv = {
    ...(o.baseEnv ?? process.env),
    ConfigSequenceNumber: String(o.seq),
    AZURE_GUEST_AGENT_EXTENSION_PATH: l.extDir,
    AZURE_GUEST_AGENT_EXTENSION_VERSION: l.version,
    AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS: '168.63.129.16',
    AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES: '[{"Key": "ExtensionTelemetryPipeline", "Value": "1.0"}]',
    ...(o.operation === 'install' || o.operation === 'enable'
      ? { AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: 'NOT_RUN' }
      : {}),
    ...(o.extraEnv ?? {}),
  };
  for (const k of o.unsetEnv ?? []) delete env[k];
  // The standalone shim runs this as root on real machines: capture files get unpredictable names and are
  // created fresh (O_EXCL|O_NOFOLLOW, 0600), so nothing planted in <ExtDir> is followed or reused.
  const capture = `.harness-${o.operation}-${process.pid}-${randomBytes(6).toString('hex')}`;
  const outFile = path.join(l.extDir, `${capture}.out`);
  const errFile = path.join(l.extDir, `${capture}.err`);
  const createFlags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW;
  const outFd = openSync(outFile, createFlags, 0o600);
  const errFd = openSync(errFile, createFlags, 0o600);
  const timeoutS = AGENT_TIMEOUTS_S[o.operation];
  const timeoutMs = Math.max(1000, timeoutS * 1000 * (o.timeScale ?? 1));
  const started = Date.now();
  const child = spawn('/bin/sh', ['-c', full], { cwd: l.extDir, env, detached: true, stdio: ['ignore', outFd, errFd] });
  closeSync(outFd);
  closeSync(errFd);
  let timedOut = false;
  const exitCode = await new Promise<number | null>((resolve) => {
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve(127);
    });
  });
  const stdout = await fs.readFile(outFile, 'utf8').catch(() => '');
  const stderr = await fs.readFile(errFile, 'utf8').catch(() => '');
  await fs.rm(outFile, { force: true });
  await fs.rm(errFile, { force: true });
  const output = formatCapture(stdout, stderr);
  const failed = timedOut || exitCode !== 0;
  const agentErrorCode = timedOut ? TIMEOUT_ERROR_CODE : failed ? AGENT_ERROR_CODES[o.operation] : 0;
  const message = timedOut
    ? `Timeout(${Math.round(timeoutMs / 1000)}): ${full}\n${output}`
    : failed
      ? `Non-zero exit code: ${exitCode}, ${full}\n${output}`
      : `${o.operation} succeeded`;
  return {
    operation: o.operation,
    command: full,
    exitCode: timedOut ? null : exitCode,
    timedOut,
    durationMs: Date.now() - started,
    output,
    stdout,
    stderr,
    agentErrorCode,
    message,
  };
}

/** The HandlerManifest key naming each operation's command (docs/guest-agent-protocol.md §3). */
const COMMAND_KEY: Record<Operation, keyof HandlerManifest> = {
  install: 'installCommand',
  enable: 'enableCommand',
  disable: 'disableCommand',
  update: 'updateCommand',
  uninstall: 'uninstallCommand',
};

/**
 * Runs the operation's command as the extension's HandlerManifest names it; `missing` (and no result) when the
 * manifest names none, which the agent reports as error -1 without running anything.
 */
export async function runManifestCommand(
  o: Omit<RunOptions, 'commandLine'>,
): Promise<{ result: CommandResult; missing?: undefined } | { result?: undefined; missing: string }> {
  const cmd = (await readManifest(o.layout.extDir))[COMMAND_KEY[o.operation]];
  if (typeof cmd !== 'string') return { missing: `HandlerManifest has no ${COMMAND_KEY[o.operation]}` };
  return { result: await runCommand({ ...o, commandLine: cmd }) };
}
