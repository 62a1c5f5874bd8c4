// Running the syslog daemons' own tools (validation, reload) with argument arrays — never a shell.
// node:child_process execFile, not execa: importing execa alone costs the collector ~7.6 MB RSS for the
// few calls made here (docs/performance.md, docs/dependencies.md).
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';

/** rsyslogd and syslog-ng live in /usr/sbin, which is not on every PATH. */
export const SBIN_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;
const TOOL_TIMEOUT_MS = 30_000;
/** More output than any version string or syntax report; a tool printing more is cut off (and fails). */
const MAX_OUTPUT_BYTES = 1024 * 1024;

/** Overrides for tests and unusual installs. */
export interface SyslogDaemonTools {
  rsyslogd?: string;
  syslogNg?: string;
  /** Under a redirected root: the pidfile of a daemon the caller started, SIGHUP'd after a change (syslog-ng reloads on HUP). */
  pidFile?: string;
}

export interface ToolResult {
  ok: boolean;
  output: string;
}

/**
 * Runs `file` (no shell, stdin closed, PATH with the sbin folders): ok when it exits 0 within `timeout`
 * (then SIGKILL); output is its stderr and stdout, or why it could not run (e.g. not installed).
 */
export function runTool(file: string, args: string[], timeout = TOOL_TIMEOUT_MS): Promise<ToolResult> {
  return new Promise((resolve) => {
    try {
      const child = execFile(
        file,
        args,
        { timeout, killSignal: 'SIGKILL', maxBuffer: MAX_OUTPUT_BYTES, env: { PATH: SBIN_PATH }, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const output = `${stderr.replace(/\r?\n$/, '')}\n${stdout.replace(/\r?\n$/, '')}`.trim();
          resolve({ ok: !err, output: output || (err?.message ?? '') });
        },
      );
      child.stdin?.end();
    } catch (err) {
      resolve({ ok: false, output: (err as Error).message });
    }
  });
}

export async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

export function systemdRunning(): Promise<boolean> {
  return exists('/run/systemd/system');
}

/** SIGHUP to the pid in `pidFile`; false when there is no live process. */
export async function hupPidFile(pidFile: string): Promise<boolean> {
  const pid = Number((await fs.readFile(pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 'SIGHUP');
    return true;
  } catch {
    return false;
  }
}

/** The first lines of a tool's output that say what is wrong (for a status message, bounded). */
export function firstErrors(output: string): string {
  const lines = output
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /error|unknown|invalid|syntax|expect/i.test(l));
  return (lines.length ? lines : output.split('\n')).slice(0, 3).join(' | ').slice(0, 500);
}
