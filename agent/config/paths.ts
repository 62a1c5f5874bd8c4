// Every absolute path the agent writes, derived from one root (OPEN_AMA_ROOT, default "/").
// Tests and the harness run unprivileged by pointing OPEN_AMA_ROOT at a temp dir (docs/architecture.md).
import * as path from 'node:path';

export interface AgentPaths {
  /** Prefix for every path below ("/" in production). */
  root: string;
  /** Installed binaries per version: <installDir>/<version>/{node,dist}. Survives the loss of <ExtDir>. */
  installDir: string;
  /** Durable state: queues, checkpoints, file destination output. Survives disable and update. */
  stateDir: string;
  queueDir: string;
  checkpointDir: string;
  outDir: string;
  /** Configuration: agent-config.json (0600) and dcr.d/*.json. */
  configDir: string;
  agentConfigFile: string;
  dcrDir: string;
  /** Runtime: control socket, pidfile, lock. */
  runDir: string;
  controlSocket: string;
  pidFile: string;
  lockFile: string;
  /** Default log dir when no HandlerEnvironment logFolder is known (supervisor/collector started by hand). */
  defaultLogDir: string;
  /** systemd unit dir (only used when systemd is PID 1). */
  systemdUnitDir: string;
  /** syslog daemon drop-in dirs. */
  rsyslogDropInDir: string;
  syslogNgDropInDir: string;
  /** The drop-in files we own (removed on uninstall by the handler, written by the collector). */
  rsyslogDropInFile: string;
  syslogNgDropInFile: string;
  /** Marker written by the new version's update command so the old version's uninstall keeps shared state. */
  updateMarkerFile: string;
  /** What the last successful enable applied: { seq, version, configHash } (idempotent re-enable). */
  enabledStateFile: string;
}

export function agentPaths(env: NodeJS.ProcessEnv = process.env): AgentPaths {
  const root = path.resolve(env.OPEN_AMA_ROOT && env.OPEN_AMA_ROOT.length > 0 ? env.OPEN_AMA_ROOT : '/');
  const at = (p: string): string => path.join(root, p);
  const stateDir = at('/var/opt/open-ama');
  const configDir = at('/etc/opt/open-ama');
  const runDir = at('/run/open-ama');
  return {
    root,
    installDir: at('/opt/open-ama'),
    stateDir,
    queueDir: path.join(stateDir, 'queue'),
    checkpointDir: path.join(stateDir, 'checkpoints'),
    outDir: path.join(stateDir, 'out'),
    configDir,
    agentConfigFile: path.join(configDir, 'agent-config.json'),
    dcrDir: path.join(configDir, 'dcr.d'),
    runDir,
    controlSocket: path.join(runDir, 'control.sock'),
    pidFile: path.join(runDir, 'supervisor.pid'),
    lockFile: path.join(runDir, 'supervisor.lock'),
    defaultLogDir: at('/var/log/open-ama'),
    systemdUnitDir: at('/etc/systemd/system'),
    rsyslogDropInDir: at('/etc/rsyslog.d'),
    syslogNgDropInDir: at('/etc/syslog-ng/conf.d'),
    rsyslogDropInFile: at('/etc/rsyslog.d/10-open-ama.conf'),
    syslogNgDropInFile: at('/etc/syslog-ng/conf.d/open-ama.conf'),
    updateMarkerFile: path.join(stateDir, 'update-in-progress.json'),
    enabledStateFile: path.join(stateDir, 'enabled-state.json'),
  };
}

/** True when paths are redirected for tests/harness (then we never touch the real system daemons). */
export function isRedirectedRoot(paths: AgentPaths): boolean {
  return paths.root !== path.resolve('/');
}
