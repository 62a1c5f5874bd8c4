// disable: stops the supervisor and the collector (graceful: in-memory records are flushed to the
// durable queue), leaving no process behind, then removes the syslog daemon drop-in and reloads the
// daemon: it exists only while our listener does, or rsyslog would keep forwarding (and queueing) to
// 127.0.0.1:<port>, an unprivileged port anyone could bind (docs/reliability.md "Threat model"); the
// collector writes it again when enable starts it. Keeps state and config. Succeeds when nothing runs
// and when the settings for <seq> are absent (update case, docs/guest-agent-protocol.md §3.2).
import type { OperationContext, OperationResult } from '../context.js';
import { writeHeartbeat } from '../guest-agent/index.js';
import { removeSyslogDropIns } from './syslog-dropins.js';

export async function disable(ctx: OperationContext): Promise<OperationResult> {
  const { wasRunning } = await ctx.supervisor.stop({
    timeoutMs: Math.min(120_000, Math.max(5_000, ctx.deadline - Date.now() - 5_000)),
  });
  const removed = await removeSyslogDropIns(ctx.paths, ctx.logger);
  if (removed.length) ctx.logger.info(`removed ${removed.join(', ')}: syslog is not forwarded while disabled`);
  if (ctx.handlerEnv.heartbeatFile) {
    await writeHeartbeat(ctx.handlerEnv.heartbeatFile, { status: 'NotReady', message: 'open-ama is disabled' }).catch(
      (err: Error) => ctx.logger.warn(`could not write the heartbeat file: ${err.message}`),
    );
  }
  return {
    message: wasRunning ? 'open-ama stopped; queued data is kept on disk' : 'open-ama was not running; nothing to stop',
  };
}
