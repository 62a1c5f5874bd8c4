// Which syslog daemon runs here: the active systemd service, else a live pidfile, else the installed
// binary (rsyslog first, the common default). Under a redirected root (tests, harness) the main
// configuration files present under the root decide, and system services are never asked.
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { isRedirectedRoot, type AgentPaths } from '../../../../config/paths.js';
import { RSYSLOG_MAIN_CONFIG } from './rsyslog.js';
import { SYSLOG_NG_MAIN_CONFIG } from './syslog-ng.js';
import { exists, runTool, systemdRunning, type SyslogDaemonTools } from './tools.js';

export type SyslogDaemon = 'rsyslog' | 'syslog-ng';

const PIDFILES: Record<SyslogDaemon, string[]> = {
  rsyslog: ['/run/rsyslogd.pid', '/var/run/rsyslogd.pid'],
  'syslog-ng': ['/run/syslog-ng.pid', '/var/run/syslog-ng.pid', '/var/run/syslogd.pid'],
};

export function daemonBinary(daemon: SyslogDaemon, tools: SyslogDaemonTools = {}): string {
  return daemon === 'rsyslog' ? (tools.rsyslogd ?? 'rsyslogd') : (tools.syslogNg ?? 'syslog-ng');
}

async function installed(daemon: SyslogDaemon, tools: SyslogDaemonTools): Promise<boolean> {
  return (await runTool(daemonBinary(daemon, tools), [daemon === 'rsyslog' ? '-v' : '--version'], 10_000)).ok;
}

async function livePid(file: string): Promise<boolean> {
  const pid = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function detectSyslogDaemon(
  paths: AgentPaths,
  tools: SyslogDaemonTools = {},
): Promise<SyslogDaemon | undefined> {
  const order: SyslogDaemon[] = ['rsyslog', 'syslog-ng'];
  if (isRedirectedRoot(paths)) {
    if (await exists(path.join(paths.root, SYSLOG_NG_MAIN_CONFIG))) return 'syslog-ng';
    if (await exists(path.join(paths.root, RSYSLOG_MAIN_CONFIG))) return 'rsyslog';
  } else {
    if (await systemdRunning()) {
      for (const d of order) if ((await runTool('systemctl', ['is-active', '--quiet', d], 10_000)).ok) return d;
    }
    for (const d of order) for (const f of PIDFILES[d]) if (await livePid(f)) return d;
  }
  for (const d of order) if (await installed(d, tools)) return d;
  return undefined;
}

/** Makes the daemon re-read its configuration. rsyslog re-reads only on restart; syslog-ng on HUP. */
export async function reloadSyslogDaemon(daemon: SyslogDaemon): Promise<string | undefined> {
  if (await systemdRunning()) {
    const r = await runTool('systemctl', ['reload-or-restart', daemon], 60_000);
    return r.ok ? undefined : `systemctl reload-or-restart ${daemon} failed: ${r.output.slice(0, 300)}`;
  }
  if (daemon === 'syslog-ng') {
    for (const f of PIDFILES['syslog-ng']) {
      const pid = Number((await fs.readFile(f, 'utf8').catch(() => '')).trim());
      if (pid > 1) {
        try {
          process.kill(pid, 'SIGHUP');
          return undefined;
        } catch {
          // stale pidfile: try the next one
        }
      }
    }
  }
  const r = await runTool('service', [daemon === 'rsyslog' ? 'rsyslog' : 'syslog-ng', 'restart'], 60_000);
  return r.ok
    ? undefined
    : `could not restart ${daemon} (no systemd; service ${daemon} restart failed): restart it to apply the new configuration`;
}
