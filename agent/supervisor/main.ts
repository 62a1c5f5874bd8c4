// Supervisor daemon entry (dist/supervisor.mjs): single instance per machine (pidfile created with
// O_EXCL; a stale one — dead pid or not a supervisor — is replaced), control socket (0600), the
// collector child, the status reporter. SIGTERM or "stop" → collector flushes and exits → we exit 0.
import { promises as fs, readFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { agentPaths, readAgentConfig, OPEN_AMA_VERSION, type AgentConfig } from '../config/index.js';
import { createLogger, closeLogger, type Logger } from '../telemetry/index.js';
import { CollectorProcess } from './collector-process.js';
import { isAlive } from './control/launcher.js';
import type { ControlRequest, ControlResponse } from './control/protocol.js';
import { StatusReporter } from './status-reporter.js';

// OPEN_AMA_HEALTH_POLL_MS: test/dev override of how often the collector's health is asked for.
const HEALTH_POLL_MS = Number(process.env.OPEN_AMA_HEALTH_POLL_MS ?? 15_000);

async function acquirePidfile(file: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const h = await fs.open(file, 'wx', 0o644);
      await h.writeFile(String(process.pid));
      await h.close();
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(file, 'utf8').trim());
      let isSupervisor = false;
      try {
        isSupervisor = isAlive(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('supervisor.mjs');
      } catch {
        isSupervisor = false;
      }
      if (isSupervisor && pid !== process.pid) return false;
      await fs.rm(file, { force: true });
    }
  }
  return false;
}

async function main(): Promise<void> {
  const paths = agentPaths(process.env);
  await fs.mkdir(paths.runDir, { recursive: true, mode: 0o755 });
  const initial = await readAgentConfig(paths.agentConfigFile).catch(() => undefined);
  const logger: Logger = createLogger({ logDir: initial?.status.logFolder ?? paths.defaultLogDir, fileName: 'supervisor.log', level: initial?.logLevel ?? 'info', defaultMeta: { component: 'supervisor', pid: process.pid, version: OPEN_AMA_VERSION } });
  if (!(await acquirePidfile(paths.pidFile))) {
    logger.info('another supervisor is running; exiting');
    await closeLogger(logger);
    return;
  }
  let config: AgentConfig | undefined = initial;
  const collector = new CollectorProcess({
    nodePath: process.execPath,
    script: path.join(path.dirname(new URL(import.meta.url).pathname), 'collector.mjs'),
    env: Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    runDir: paths.runDir,
    logger,
    memoryLimitMB: () => config?.resourceLimits.memoryMaxMB ?? 512,
    onChange: () => reporter.changed(),
  });
  const reporter = new StatusReporter(collector, OPEN_AMA_VERSION, logger);

  let stopping: Promise<void> | undefined;
  const shutdown = (why: string): Promise<void> =>
    (stopping ??= (async () => {
      logger.info(`stopping (${why})`);
      reporter.stop();
      server.close();
      await collector.stop();
      await fs.rm(paths.controlSocket, { force: true });
      await fs.rm(paths.pidFile, { force: true });
      logger.info('stopped');
      await closeLogger(logger);
      process.exit(0);
    })());

  const handle = async (req: ControlRequest): Promise<ControlResponse> => {
    switch (req.op) {
      case 'ping':
        return { op: 'pong', version: OPEN_AMA_VERSION, pid: process.pid };
      case 'status':
        return { op: 'status', status: { version: OPEN_AMA_VERSION, pid: process.pid, collector: { state: collector.state, pid: collector.pid, restarts: collector.restarts, lastExit: collector.lastExit, stderrTail: collector.stderrTail.slice(-1000) }, appliedConfigVersion: collector.appliedVersion, health: collector.health } };
      case 'stop':
        setImmediate(() => void shutdown('stop requested'));
        return { op: 'stop', stopping: true };
      case 'apply-config': {
        config = (await readAgentConfig(paths.agentConfigFile)) ?? config;
        const r = await collector.applyConfig(req.configVersion, Math.max(1000, req.timeoutMs - 2000));
        if (r.ok && config) {
          collector.requestHealth();
          await new Promise((res) => setTimeout(res, 300));
          reporter.takeOver(config);
        }
        return { op: 'apply-config', result: { ...r, configVersion: req.configVersion, health: collector.health } };
      }
    }
  };

  await fs.rm(paths.controlSocket, { force: true });
  const server = net.createServer((sock) => {
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      let req: ControlRequest;
      try {
        req = JSON.parse(buf.slice(0, nl)) as ControlRequest;
      } catch {
        sock.end(JSON.stringify({ op: 'error', message: 'unreadable request' }) + '\n');
        return;
      }
      handle(req).then(
        (res) => sock.end(JSON.stringify(res) + '\n'),
        (err: Error) => sock.end(JSON.stringify({ op: 'error', message: err.message }) + '\n'),
      );
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(paths.controlSocket, () => resolve()));
  await fs.chmod(paths.controlSocket, 0o600);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  setInterval(() => collector.requestHealth(), HEALTH_POLL_MS).unref();
  if (config) collector.start();
  logger.info(`supervisor ${OPEN_AMA_VERSION} listening on ${paths.controlSocket}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`open-ama supervisor failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
