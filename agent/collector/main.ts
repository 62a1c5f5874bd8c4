// Collector process entry (dist/collector.mjs). Spawned by the supervisor with an IPC channel:
// answers apply-config / health-request / shutdown (agent/collector/ipc.ts), and exits by itself —
// after flushing to the durable queue — when SIGTERM arrives or its parent disappears (IPC disconnect).
// Without an IPC channel it runs standalone (debugging) until SIGINT/SIGTERM.
import { agentPaths, readAgentConfig } from '../config/index.js';
import { createLogger, closeLogger } from '../telemetry/index.js';
import { SelfMetrics } from '../telemetry/self-metrics.js';
import { Collector } from './collector.js';
import type { CollectorToSupervisor, SupervisorToCollector } from './ipc.js';

async function main(): Promise<void> {
  const paths = agentPaths(process.env);
  // No readable config yet: log with the defaults; the supervisor sends apply-config once it has one.
  const initial = await readAgentConfig(paths.agentConfigFile).catch(() => undefined);
  const logger = createLogger({
    logDir: initial?.status.logFolder ?? paths.defaultLogDir,
    fileName: 'collector.log',
    level: initial?.logLevel ?? 'info',
    defaultMeta: { component: 'collector', pid: process.pid },
  });
  const metrics = new SelfMetrics();
  // prom-client is loaded only when the endpoint is configured (docs/troubleshooting.md, "Metrics").
  if (initial?.selfMetrics?.port) await metrics.enable();
  const collector = new Collector({ paths, env: process.env, logger, metrics });
  const send = (msg: CollectorToSupervisor): void => {
    if (process.send && process.connected) process.send(msg);
  };

  let stopping: Promise<void> | undefined;
  const shutdown = (why: string, exitCode = 0): Promise<void> => {
    stopping ??= (async () => {
      logger.info(`shutting down (${why}): flushing to the durable queue`);
      await collector.stop();
      await metrics.close();
      logger.info('stopped');
      await closeLogger(logger);
      process.exit(exitCode);
    })();
    return stopping;
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('disconnect', () => void shutdown('supervisor disconnected'));
  process.on('uncaughtException', (err) => {
    logger.error(`uncaught exception: ${err.stack ?? err.message}`);
    void shutdown('uncaught exception', 70);
  });

  let applyChain = Promise.resolve();
  const apply = (requested: number): Promise<void> =>
    (applyChain = applyChain.then(async () => {
      try {
        const { configVersion, report } = await collector.applyConfig();
        const config = await readAgentConfig(paths.agentConfigFile);
        if (config?.selfMetrics?.port)
          await metrics
            .serve(config.selfMetrics.port)
            .catch((err: Error) => logger.warn(`self-metrics endpoint: ${err.message}`));
        if (configVersion !== requested)
          logger.warn(`asked to apply ${requested}, the config file holds ${configVersion}; applied ${configVersion}`);
        send({ type: 'config-applied', configVersion, hot: report.hot });
      } catch (err) {
        logger.error(`configuration ${requested} not applied: ${(err as Error).message}`);
        send({ type: 'config-rejected', configVersion: requested, reason: (err as Error).message });
      }
    }));

  process.on('message', (raw: unknown) => {
    const msg = raw as SupervisorToCollector;
    if (msg?.type === 'apply-config') void apply(msg.configVersion);
    else if (msg?.type === 'health-request') send({ type: 'health', health: collector.health() });
    else if (msg?.type === 'shutdown') void shutdown('shutdown requested');
  });

  if (initial) await apply(initial.configVersion);
  send({ type: 'ready', configVersion: collector.configVersion, pid: process.pid });
  logger.info(`collector ready (config ${collector.configVersion})`);
}

main().catch((err: unknown) => {
  process.stderr.write(`open-ama collector failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
