// disable: stops the supervisor and the collector (graceful: in-memory records are flushed to the
// durable queue), leaving no process behind. Keeps state, config and the syslog drop-in. Succeeds when
// nothing runs and when the settings for <seq> are absent (update case, PROTOCOL.md §3.2).
import type { OperationContext, OperationResult } from '../context.js';
import { writeHeartbeat } from '../guest-agent/index.js';

export async function disable(ctx: OperationContext): Promise<OperationResult> {
  const { wasRunning } = await ctx.supervisor.stop({
    timeoutMs: Math.min(120_000, Math.max(5_000, ctx.deadline - Date.now() - 5_000)),
  });
  if (ctx.handlerEnv.heartbeatFile) {
    await writeHeartbeat(ctx.handlerEnv.heartbeatFile, { status: 'NotReady', message: 'open-ama is disabled' }).catch(
      (err: Error) => ctx.logger.warn(`could not write the heartbeat file: ${err.message}`),
    );
  }
  return {
    message: wasRunning ? 'open-ama stopped; queued data is kept on disk' : 'open-ama was not running; nothing to stop',
  };
}
