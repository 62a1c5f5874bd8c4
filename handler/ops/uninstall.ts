// uninstall: removes everything open-ama put on the machine except the logs (docs/guest-agent-protocol.md §5.5,
// docs/architecture.md): processes, systemd unit, syslog drop-ins, state, config, binaries. During an update
// (marker from this version) it removes only this version's binaries: the new version owns the state.
import { promises as fs } from 'node:fs';
import type { OperationContext, OperationResult } from '../context.js';
import { removeSyslogDropIns } from './syslog-dropins.js';
import { installedVersion, removeInstalledVersions } from './installed-binaries.js';
import { readUpdateMarker } from './update-marker.js';

export async function uninstall(ctx: OperationContext): Promise<OperationResult> {
  const marker = await readUpdateMarker(ctx.paths);
  if (marker && marker.from === ctx.version && marker.to !== ctx.version) {
    await fs.rm(installedVersion(ctx.paths, ctx.version).dir, { recursive: true, force: true });
    return { message: `open-ama ${ctx.version} removed; state and queued data kept for version ${marker.to}` };
  }
  const { wasRunning } = await ctx.supervisor.stop({ timeoutMs: 60_000, removeUnit: true });
  const removedDropIns = await removeSyslogDropIns(ctx.paths, ctx.logger);
  await removeInstalledVersions(ctx.paths);
  for (const dir of [ctx.paths.stateDir, ctx.paths.configDir, ctx.paths.runDir, ctx.paths.installDir]) {
    await fs.rm(dir, { recursive: true, force: true });
  }
  ctx.logger.info(
    `uninstalled: supervisor ${wasRunning ? 'stopped' : 'was not running'}, removed ${removedDropIns.length} syslog drop-in(s), state and binaries`,
  );
  return { message: 'open-ama uninstalled; logs are kept in the log folder' };
}
