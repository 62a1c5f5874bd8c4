// Starting and stopping the supervisor (one per machine). With systemd as PID 1 (and real paths) it
// installs and starts open-ama.service; otherwise it starts the supervisor detached (own session,
// stdio /dev/null, unref) so it outlives the handler and the guest agent's process group, then waits
// until the control socket answers. A supervisor of another version is stopped first (update handoff);
// a hung one (alive, lock held, socket silent) is killed; a dead one leaves nothing that matters
// (the kernel released its lock; the socket file and pidfile are replaced).
import { spawn } from 'node:child_process';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { isRedirectedRoot, writeFileAtomic, type AgentPaths, type ResourceLimits } from '../../config/index.js';
import { SupervisorClient } from './client.js';
import { isAlive, isProcessRunning, processGroupOf, readPidFile, signal, waitGone } from './processes.js';
import { renderUnitFile, UNIT_NAME } from './unit-file.js';
import { supervisorNodeFlags } from '../node-flags.js';

export interface EnsureRunningOptions {
  paths: AgentPaths;
  version: string;
  nodePath: string;
  supervisorScript: string;
  resourceLimits: ResourceLimits;
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface EnsureRunningResult {
  started: boolean;
  pid: number;
  mode: 'systemd' | 'detached';
  version: string;
}

const PASS_ENV = /^(OPEN_AMA_|IDENTITY_ENDPOINT$|IMDS_ENDPOINT$|NODE_EXTRA_CA_CERTS$|PATH$|TZ$|LANG$)/;
const DEFAULT_START_TIMEOUT_MS = 30_000;
/** A supervisor that holds the lock but whose socket stays silent this long is considered hung. */
const HUNG_AFTER_MS = 10_000;
const POLL_MS = 100;
const SUPERVISOR_CMD = 'supervisor';
const PRLIMIT_PATHS = ['/usr/bin/prlimit', '/bin/prlimit'];
const COLLECTOR_CMD = 'collector';

export function systemdAvailable(paths: AgentPaths): boolean {
  if (isRedirectedRoot(paths)) return false;
  try {
    return (
      readFileSync('/proc/1/comm', 'utf8').trim() === 'systemd' &&
      ['/bin/systemctl', '/usr/bin/systemctl'].some((p) => existsSync(p))
    );
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function pingUntil(
  client: SupervisorClient,
  until: number,
): Promise<{ version: string; pid: number } | undefined> {
  do {
    try {
      return await client.ping(1000);
    } catch {
      await sleep(POLL_MS);
    }
  } while (Date.now() < until);
  return undefined;
}

/** The running supervisor (answering, or starting up and answering within HUNG_AFTER_MS), if any. */
async function findRunning(
  paths: AgentPaths,
  client: SupervisorClient,
  until: number,
): Promise<{ version: string; pid: number } | undefined> {
  const now = await pingUntil(client, 0);
  if (now) return now;
  const pid = readPidFile(paths.pidFile);
  if (pid === undefined || !isProcessRunning(pid, SUPERVISOR_CMD)) return undefined;
  // Maybe a concurrent start that is not listening yet: give it a moment before calling it hung.
  const answer = await pingUntil(client, Math.min(until, Date.now() + HUNG_AFTER_MS));
  if (answer) return answer;
  await stopSupervisor(paths, { timeoutMs: 10_000 });
  return undefined;
}

export async function ensureSupervisorRunning(o: EnsureRunningOptions): Promise<EnsureRunningResult> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const until = Date.now() + timeoutMs;
  const client = new SupervisorClient(o.paths.controlSocket);
  const mode = systemdAvailable(o.paths) ? 'systemd' : 'detached';
  const running = await findRunning(o.paths, client, until);
  if (running?.version === o.version) return { started: false, pid: running.pid, mode, version: running.version };
  if (running) await stopSupervisor(o.paths, { timeoutMs: Math.max(5_000, until - Date.now()) }); // update handoff

  await fs.mkdir(o.paths.runDir, { recursive: true, mode: 0o700 }); // the supervisor checks it (instance-lock.ts)
  const env = Object.fromEntries(
    Object.entries(o.env ?? process.env).filter(
      (e): e is [string, string] => PASS_ENV.test(e[0]) && e[1] !== undefined,
    ),
  );
  let earlyExit: string | undefined;
  if (mode === 'systemd') {
    await writeFileAtomic(
      path.join(o.paths.systemdUnitDir, UNIT_NAME),
      renderUnitFile({ nodePath: o.nodePath, supervisorScript: o.supervisorScript, limits: o.resourceLimits, env }),
      { mode: 0o644 },
    );
    await execa('systemctl', ['daemon-reload']);
    await execa('systemctl', ['enable', '--now', UNIT_NAME]);
  } else {
    // No core dumps (they would hold secrets and collected records): soft and hard core limit 0 through
    // util-linux prlimit, which sets it and execs node (same pid, no shell); the collector inherits it.
    // Node has no setrlimit. Without prlimit the supervisor logs that cores are not disabled.
    const prlimit = PRLIMIT_PATHS.find((p) => existsSync(p));
    const node = [...supervisorNodeFlags(), o.supervisorScript];
    const [file, args] = prlimit ? [prlimit, ['--core=0:0', '--', o.nodePath, ...node]] : [o.nodePath, node];
    const child = spawn(file, args, {
      detached: true,
      stdio: 'ignore',
      env,
      cwd: o.paths.runDir,
    });
    child.once('error', (err) => (earlyExit = err.message));
    // Exit 0 = another supervisor won the instance lock (a concurrent start): keep waiting for it.
    child.once('exit', (code, sig) => (earlyExit = code === 0 ? undefined : `exited with ${sig ?? `code ${code}`}`));
    child.unref();
  }
  while (Date.now() < until && earlyExit === undefined) {
    const r = await pingUntil(client, 0);
    if (r?.version === o.version) return { started: true, pid: r.pid, mode, version: r.version };
    await sleep(POLL_MS);
  }
  const why = earlyExit
    ? `it ${earlyExit}`
    : `its control socket did not answer within ${Math.round(timeoutMs / 1000)} s`;
  throw new Error(
    `the open-ama supervisor ${o.version} did not start (${mode}): ${why}; see supervisor.log in the log folder`,
  );
}

function kill(pid: number, sig: NodeJS.Signals, group: boolean): void {
  if (group && processGroupOf(pid) === pid) signal(-pid, sig);
  signal(pid, sig);
}

/**
 * Graceful stop through the socket (the supervisor flushes and stops the collector), then SIGTERM,
 * then SIGKILL by pidfile at the deadline; a collector that survived its supervisor is killed with its
 * process group. Nothing of ours is left running afterwards.
 */
export async function stopSupervisor(
  paths: AgentPaths,
  o: { timeoutMs?: number; removeUnit?: boolean } = {},
): Promise<{ wasRunning: boolean }> {
  const until = Date.now() + (o.timeoutMs ?? 60_000);
  const left = (share: number): number => Math.max(1_000, (until - Date.now()) * share);
  const collectorPidFile = path.join(paths.runDir, 'collector.pid');
  const supPid = readPidFile(paths.pidFile);
  let wasRunning = false;
  if (systemdAvailable(paths) && existsSync(path.join(paths.systemdUnitDir, UNIT_NAME))) {
    wasRunning = (await execa('systemctl', ['is-active', UNIT_NAME], { reject: false })).stdout.trim() === 'active';
    await execa('systemctl', ['stop', UNIT_NAME], { reject: false, timeout: left(0.8) });
    if (o.removeUnit) {
      await execa('systemctl', ['disable', UNIT_NAME], { reject: false });
      await fs.rm(path.join(paths.systemdUnitDir, UNIT_NAME), { force: true });
      await execa('systemctl', ['daemon-reload'], { reject: false });
    }
  }
  try {
    await new SupervisorClient(paths.controlSocket).stop(left(0.6));
    wasRunning = true;
  } catch {
    // not reachable (or not answering in time): signals below
  }
  if (supPid !== undefined && isProcessRunning(supPid, SUPERVISOR_CMD)) {
    wasRunning = true;
    if (!(await waitGone(supPid, left(0.3)))) {
      signal(supPid, 'SIGTERM');
      if (!(await waitGone(supPid, left(0.5)))) {
        signal(supPid, 'SIGKILL');
        await waitGone(supPid, 5_000);
      }
    }
  }
  // The collector leaves by itself when its supervisor goes (IPC disconnect); one that hangs does not.
  const colPid = readPidFile(collectorPidFile);
  if (colPid !== undefined && isProcessRunning(colPid, COLLECTOR_CMD)) {
    if (!(await waitGone(colPid, left(0.5)))) {
      wasRunning = true;
      kill(colPid, 'SIGKILL', true);
      await waitGone(colPid, 5_000);
    }
  }
  if (supPid === undefined || !isAlive(supPid)) {
    for (const f of [paths.pidFile, paths.controlSocket, collectorPidFile]) await fs.rm(f, { force: true });
  }
  return { wasRunning };
}
