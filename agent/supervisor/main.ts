// Supervisor daemon entry (dist/supervisor.mjs): one per machine (the control socket, 0600 in the 0700
// run dir, is the lock: instance-lock.ts), the collector child, the status reporter. SIGTERM or "stop" → the collector flushes and exits
// → socket and pidfile removed → exit 0. Started by systemd or detached by the handler
// (control/launcher.ts); its stdio is never the handler's.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  agentPaths,
  readAgentConfig,
  readEnabledState,
  writeFileAtomic,
  OPEN_AMA_VERSION,
  type AgentConfig,
  type AgentPaths,
} from '../config/index.js';
import { createLogger, closeLogger, type Logger } from '../telemetry/index.js';
import { CollectorProcess } from './collector-process.js';
import { createControlServer, type ControlHandler } from './control-server.js';
import type { ControlRequest, ControlResponse } from './control/protocol.js';
import { takeInstanceLock, type InstanceLock } from './instance-lock.js';
import { composeStatus } from './status-compose.js';
import { StatusReporter } from './status-reporter.js';
import { timingsFromEnv } from './timings.js';

const COLLECTOR_SCRIPT = 'collector.mjs';
/** Variables the collector gets; everything else of the supervisor's environment stays out. */
const COLLECTOR_ENV = /^(OPEN_AMA_|IDENTITY_ENDPOINT$|IMDS_ENDPOINT$|NODE_EXTRA_CA_CERTS$|PATH$|TZ$|LANG$|HOME$)/;

/** The handler's enable records what it applied; if that is the current config we own the status. */
async function handedOver(paths: AgentPaths, config: AgentConfig): Promise<boolean> {
  const s = await readEnabledState(paths.enabledStateFile);
  return s?.seq === config.configVersion && s.version === OPEN_AMA_VERSION;
}

async function main(): Promise<void> {
  const paths = agentPaths(process.env);
  const timings = timingsFromEnv(process.env);
  let configError: string | undefined;
  let config: AgentConfig | undefined;
  try {
    config = await readAgentConfig(paths.agentConfigFile);
  } catch (err) {
    configError = (err as Error).message;
  }
  const logger: Logger = createLogger({
    logDir: config?.status.logFolder ?? paths.defaultLogDir,
    fileName: 'supervisor.log',
    level: config?.logLevel ?? 'info',
    defaultMeta: { component: 'supervisor', pid: process.pid, version: OPEN_AMA_VERSION },
  });
  if (configError) logger.error(`agent config unreadable, waiting for apply-config: ${configError}`);
  // Requests wait until the handler below exists (a concurrent starter's ping is answered, not refused).
  let setHandler: (h: ControlHandler) => void = () => undefined;
  const ready = new Promise<ControlHandler>((r) => (setHandler = r));
  const server = createControlServer(async (req) => (await ready)(req), logger);
  let lock: InstanceLock;
  try {
    lock = await takeInstanceLock(paths.runDir, paths.controlSocket, server);
  } catch (err) {
    logger.error(`cannot take the instance lock, not starting: ${(err as Error).message}`);
    process.stderr.write(`open-ama supervisor: ${(err as Error).message}\n`);
    await closeLogger(logger);
    process.exitCode = 1;
    return;
  }
  if (lock.held) {
    logger.info(`another supervisor (pid ${lock.pid}, ${lock.version}) holds the control socket; exiting`);
    await closeLogger(logger);
    return;
  }
  const release = lock.release;
  const core = /^Max core file size\s+(\S+)\s+(\S+)/m.exec(
    await fs.readFile('/proc/self/limits', 'utf8').catch(() => ''),
  );
  if (core && (core[1] !== '0' || core[2] !== '0'))
    logger.warn(
      `core dumps are not disabled (core size limit ${core[1]}/${core[2]}): util-linux prlimit was not found`,
    );
  await writeFileAtomic(paths.pidFile, `${process.pid}\n`, { mode: 0o644 });
  await fs.rm(paths.lockFile, { force: true }); // written by versions whose lock was an abstract socket

  const collector = new CollectorProcess({
    nodePath: process.execPath,
    script: path.join(path.dirname(fileURLToPath(import.meta.url)), COLLECTOR_SCRIPT),
    env: Object.fromEntries(Object.entries(process.env).filter(([k, v]) => COLLECTOR_ENV.test(k) && v !== undefined)),
    pidFile: path.join(paths.runDir, 'collector.pid'),
    logger,
    timings,
    memoryLimitMB: () => config?.resourceLimits.memoryMaxMB ?? 512,
    onChange: () => reporter.changed(),
  });
  const reporter = new StatusReporter(
    (configVersion) =>
      composeStatus({
        version: OPEN_AMA_VERSION,
        configVersion,
        logFolder: config?.status.logFolder ?? paths.defaultLogDir,
        collector: collector.snapshot(),
        crashesInWindow: collector.crashesInWindow(),
        crashLoopWindowMs: timings.crashLoopWindowMs,
        retryEveryMs: timings.backoffCapMs,
        health: collector.health,
        ignoredSettings: config?.ignoredSettings,
        now: Date.now(),
      }),
    logger,
  );

  const stopWaiters: (() => void)[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info(`stopping (${why})`);
      clearInterval(healthPoll);
      await reporter.stop();
      await collector.stop();
      await release(); // closes the server, removes control.sock
      await fs.rm(paths.pidFile, { force: true });
      logger.info('stopped');
      for (const w of stopWaiters) w();
      await closeLogger(logger);
      // Let the "stopped" answers reach their clients before the process goes.
      setTimeout(() => process.exit(0), 50);
    })());

  const applyConfig = async (configVersion: number, timeoutMs: number): Promise<ControlResponse> => {
    let fresh: AgentConfig | undefined;
    try {
      fresh = await readAgentConfig(paths.agentConfigFile);
    } catch (err) {
      return { op: 'apply-config', result: { ok: false, hot: false, configVersion, reason: (err as Error).message } };
    }
    if (!fresh || fresh.configVersion < configVersion) {
      const has = fresh ? `holds configuration ${fresh.configVersion}` : 'does not exist';
      return {
        op: 'apply-config',
        result: {
          ok: false,
          hot: false,
          configVersion,
          reason: `${paths.agentConfigFile} ${has}; write configuration ${configVersion} before applying it`,
        },
      };
    }
    config = fresh;
    const r = await collector.applyConfig(configVersion, timeoutMs);
    logger.info(
      `apply-config ${configVersion}: ${r.ok ? `applied${r.hot ? ' hot' : ' (restart)'}` : `not applied: ${r.reason ?? ''}`}`,
    );
    const health = r.ok ? await collector.fetchHealth(timings.applyHealthWaitMs) : collector.health;
    // Handed over: from now on we keep the status current — also when the collector is down, so that a
    // later recovery turns the handler's error into success. A rejected config stays the handler's error.
    if (!r.rejected) await reporter.takeOver(fresh.status, configVersion);
    return { op: 'apply-config', result: { ok: r.ok, hot: r.hot, configVersion, reason: r.reason, health } };
  };

  const handle: ControlHandler = async (req: ControlRequest): Promise<ControlResponse> => {
    switch (req.op) {
      case 'ping':
        return { op: 'pong', version: OPEN_AMA_VERSION, pid: process.pid };
      case 'status':
        return {
          op: 'status',
          status: {
            version: OPEN_AMA_VERSION,
            pid: process.pid,
            collector: collector.snapshot(),
            appliedConfigVersion: collector.appliedVersion,
            health: collector.health,
            reportingStatus: reporter.active,
          },
        };
      case 'stop':
        await new Promise<void>((resolve) => {
          stopWaiters.push(resolve);
          void shutdown('stop requested through the control socket');
        });
        return { op: 'stop', stopping: true, stopped: true };
      case 'apply-config':
        if (stopping) return { op: 'error', message: 'the supervisor is stopping' };
        return applyConfig(req.configVersion, req.timeoutMs);
    }
  };

  setHandler(handle);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGHUP', () => undefined); // a closing terminal or session must not stop the agent
  process.on('uncaughtException', (err) => {
    logger.error(`uncaught exception: ${err.stack ?? err.message}`);
    void closeLogger(logger).finally(() => process.exit(1));
  });
  const healthPoll = setInterval(() => collector.requestHealth(), timings.healthPollMs);
  logger.info(`supervisor ${OPEN_AMA_VERSION} listening on ${paths.controlSocket}`);
  if (config) {
    collector.start();
    if (await handedOver(paths, config)) await reporter.takeOver(config.status, config.configVersion);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`open-ama supervisor failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
