// Starting and stopping the supervisor (one per machine). With systemd as PID 1 (and real paths) it
// installs and starts open-ama.service; otherwise it starts the supervisor detached (own session,
// stdio not inherited) so it outlives the handler and the guest agent's process group, then waits
// until the control socket answers. A supervisor of another version is stopped first (update handoff).
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { isRedirectedRoot, writeFileAtomic, type AgentPaths, type ResourceLimits } from '../../config/index.js';
import { SupervisorClient } from './client.js';
import { renderUnitFile, UNIT_NAME } from './unit-file.js';

export interface EnsureRunningOptions {
  paths: AgentPaths;
  version: string;
  nodePath: string;
  supervisorScript: string;
  resourceLimits: ResourceLimits;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** The supervisor is small and long-lived: a tight young generation keeps its resident memory low. */
export const SUPERVISOR_NODE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64'];
const PASS_ENV = /^(OPEN_AMA_|IDENTITY_ENDPOINT$|IMDS_ENDPOINT$|NODE_EXTRA_CA_CERTS$|PATH$|TZ$)/;

export function systemdAvailable(paths: AgentPaths): boolean {
  if (isRedirectedRoot(paths)) return false;
  try {
    return readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' && existsSync('/bin/systemctl');
  } catch {
    return false;
  }
}

export async function ensureSupervisorRunning(o: EnsureRunningOptions): Promise<{ started: boolean; pid: number; mode: 'systemd' | 'detached'; version: string }> {
  const client = new SupervisorClient(o.paths.controlSocket);
  const mode = systemdAvailable(o.paths) ? 'systemd' : 'detached';
  try {
    const running = await client.ping();
    if (running.version === o.version) return { started: false, pid: running.pid, mode, version: running.version };
    await stopSupervisor(o.paths, { timeoutMs: 60_000 });
  } catch {
    // not running (or stale socket): start it
  }
  await fs.mkdir(o.paths.runDir, { recursive: true, mode: 0o755 });
  const env = Object.fromEntries(Object.entries(o.env ?? process.env).filter(([k, v]) => PASS_ENV.test(k) && v !== undefined)) as Record<string, string>;
  if (mode === 'systemd') {
    await writeFileAtomic(path.join(o.paths.systemdUnitDir, UNIT_NAME), renderUnitFile({ nodePath: o.nodePath, supervisorScript: o.supervisorScript, limits: o.resourceLimits, env }), { mode: 0o644 });
    await execa('systemctl', ['daemon-reload']);
    await execa('systemctl', ['enable', '--now', UNIT_NAME]);
    await execa('systemctl', ['restart', UNIT_NAME]);
  } else {
    const child = spawn(o.nodePath, [...SUPERVISOR_NODE_FLAGS, o.supervisorScript], { detached: true, stdio: 'ignore', env, cwd: o.paths.runDir });
    child.unref();
  }
  const deadline = Date.now() + (o.timeoutMs ?? 30_000);
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    try {
      const r = await client.ping(1000);
      return { started: true, pid: r.pid, mode, version: r.version };
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`the supervisor did not start within ${Math.round((o.timeoutMs ?? 30_000) / 1000)} s (${lastError}); see supervisor.log in the log folder`);
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 1 ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat); // a zombie is dead
  } catch {
    return false;
  }
}

async function waitGone(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !isAlive(pid);
}

/** Graceful stop through the socket, then SIGTERM, then SIGKILL; also kills a surviving collector. */
export async function stopSupervisor(paths: AgentPaths, o: { timeoutMs?: number; removeUnit?: boolean } = {}): Promise<{ wasRunning: boolean }> {
  const timeoutMs = o.timeoutMs ?? 60_000;
  const supPid = readPid(paths.pidFile);
  const colPid = readPid(path.join(paths.runDir, 'collector.pid'));
  const client = new SupervisorClient(paths.controlSocket);
  let wasRunning = false;
  if (systemdAvailable(paths) && existsSync(path.join(paths.systemdUnitDir, UNIT_NAME))) {
    wasRunning = (await execa('systemctl', ['is-active', UNIT_NAME], { reject: false })).stdout.trim() === 'active';
    await execa('systemctl', ['stop', UNIT_NAME], { reject: false });
    if (o.removeUnit) {
      await execa('systemctl', ['disable', UNIT_NAME], { reject: false });
      await fs.rm(path.join(paths.systemdUnitDir, UNIT_NAME), { force: true });
      await execa('systemctl', ['daemon-reload'], { reject: false });
    }
  }
  try {
    await client.stop();
    wasRunning = true;
  } catch {
    // not reachable: fall back to signals
  }
  for (const pid of [supPid, colPid]) {
    if (pid === undefined || !isAlive(pid)) continue;
    wasRunning = true;
    if (await waitGone(pid, pid === supPid ? timeoutMs / 2 : 1000)) continue;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      continue;
    }
    if (!(await waitGone(pid, timeoutMs / 4))) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
      await waitGone(pid, 5_000);
    }
  }
  for (const f of [paths.pidFile, paths.controlSocket, path.join(paths.runDir, 'collector.pid')]) await fs.rm(f, { force: true });
  return { wasRunning };
}
