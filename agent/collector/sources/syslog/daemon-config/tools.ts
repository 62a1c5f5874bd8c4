// Running the syslog daemons' own tools (validation, reload) with argument arrays — never a shell.
import { promises as fs } from 'node:fs';
import { execa } from 'execa';

/** rsyslogd and syslog-ng live in /usr/sbin, which is not on every PATH. */
export const SBIN_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;
const TOOL_TIMEOUT_MS = 30_000;

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

export async function runTool(file: string, args: string[], timeout = TOOL_TIMEOUT_MS): Promise<ToolResult> {
  try {
    const r = await execa(file, args, { reject: false, timeout, env: { PATH: SBIN_PATH }, stdin: 'ignore' });
    return { ok: r.exitCode === 0 && !r.timedOut, output: `${r.stderr}\n${r.stdout}`.trim() };
  } catch (err) {
    return { ok: false, output: (err as Error).message };
  }
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
