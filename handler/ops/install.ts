// install: checks that this machine can run open-ama (OS, arch, glibc, free disk, openssl when
// protected settings exist), copies the runtime and bundles out of <ExtDir>, prepares state dirs and
// the heartbeat file. Idempotent; starts nothing (enable does).
import { promises as fs } from 'node:fs';
import type { OperationContext, OperationResult } from '../context.js';
import { readSettingsFile, writeHeartbeat } from '../guest-agent/index.js';
import { checkFreeDisk, checkOpensslPresent, checkPlatform, currentPlatform } from './system-checks.js';
import { installBinaries } from './installed-binaries.js';
import { clearUpdateMarker } from './update-marker.js';

export async function install(ctx: OperationContext): Promise<OperationResult> {
  checkPlatform(currentPlatform());
  await checkFreeDisk(ctx.paths.stateDir, ctx.env);
  // Only to know whether openssl is needed; enable reports unreadable settings.
  const settings = await readSettingsFile(ctx.handlerEnv.configFolder, ctx.seq).catch(() => undefined);
  if (settings?.protectedSettings) await checkOpensslPresent(ctx.env);

  await prepareStateDirs(ctx);
  const installed = await installBinaries(ctx.layout, ctx.paths, ctx.version);
  await clearUpdateMarker(ctx.paths);
  if (ctx.handlerEnv.heartbeatFile) {
    await writeHeartbeat(ctx.handlerEnv.heartbeatFile, {
      status: 'NotReady',
      message: `open-ama ${ctx.version} installed, not enabled yet`,
    });
  }
  ctx.logger.info(`installed open-ama ${ctx.version} binaries into ${installed.dir}`);
  return { message: `open-ama ${ctx.version} installed` };
}

export async function prepareStateDirs(ctx: OperationContext): Promise<void> {
  const p = ctx.paths;
  for (const dir of [p.stateDir, p.queueDir, p.checkpointDir, p.outDir, p.dcrDir, p.runDir]) {
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
  }
  await fs.mkdir(p.configDir, { recursive: true, mode: 0o755 });
}
