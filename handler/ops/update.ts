// update (runs from the NEW version B, docs/guest-agent-protocol.md §5.5 step 4): migrates the AgentConfig format,
// installs B's binaries, and leaves a marker so A's uninstall (step 5) keeps the shared state and
// queues. Starts nothing; B's enable does. Handles the downgrade quirk (UPDATING_FROM == VERSION).
import { readAgentConfig, writeAgentConfig } from '../../agent/config/index.js';
import type { OperationContext, OperationResult } from '../context.js';
import { HandlerError } from '../errors.js';
import { installBinaries } from './installed-binaries.js';
import { writeUpdateMarker } from './update-marker.js';
import { prepareStateDirs } from './install.js';

export async function update(ctx: OperationContext): Promise<OperationResult> {
  const target = ctx.env.VERSION ?? ctx.version;
  let from = ctx.env.AZURE_GUEST_AGENT_UPDATING_FROM_VERSION ?? 'unknown';
  // Downgrade quirk: the old (higher) version runs update with both variables set to the target.
  if (
    from === target &&
    ctx.env.AZURE_GUEST_AGENT_EXTENSION_VERSION &&
    ctx.env.AZURE_GUEST_AGENT_EXTENSION_VERSION !== target
  ) {
    from = ctx.env.AZURE_GUEST_AGENT_EXTENSION_VERSION;
  }
  await writeUpdateMarker(ctx.paths, { from, to: target, at: new Date().toISOString() });

  let migrated = false;
  try {
    const existing = await readAgentConfig(ctx.paths.agentConfigFile);
    if (existing) {
      await writeAgentConfig(ctx.paths.agentConfigFile, existing);
      migrated = true;
    }
  } catch (err) {
    throw new HandlerError(
      'CONFIG_NOT_APPLIED',
      `cannot migrate the configuration of version ${from}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  await prepareStateDirs(ctx);
  if (target === ctx.version) await installBinaries(ctx.layout, ctx.paths, ctx.version);
  const disableResult = ctx.env.AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE;
  ctx.logger.info(
    `update ${from} → ${target}: configuration ${migrated ? 'migrated' : 'absent'}; old version's disable result ${disableResult ?? 'not reported'}`,
  );
  return { message: `updating open-ama from ${from} to ${target}; queued data and state are kept` };
}
