// enable: settings → (decrypt) → validated AgentConfig (0600) → supervisor running our version →
// collector acknowledges the config version → success with substatus. Idempotent: the same seq,
// version and effective configuration with a healthy agent is a no-op that still rewrites status.
import { createHash } from 'node:crypto';
import {
  ignoredSettingsSubstatus,
  readEnabledState,
  writeAgentConfig,
  writeEnabledState,
  type AgentConfig,
  type StatusTarget,
} from '../../agent/config/index.js';
import type { OperationContext, OperationResult } from '../context.js';
import { remainingMs } from '../context.js';
import { HandlerError } from '../errors.js';
import {
  decryptProtectedSettings,
  readMrseq,
  readSettingsFile,
  writeHeartbeat,
  writeMrseq,
} from '../guest-agent/index.js';
import { buildAgentConfig } from '../settings/index.js';
import { checkFreeDisk, checkOpensslPresent } from './system-checks.js';
import { installBinaries } from './installed-binaries.js';
import { clearUpdateMarker } from './update-marker.js';
import { prepareStateDirs } from './install.js';
import { healthSubstatus } from '../../agent/supervisor/control/index.js';
import type { SupervisorControl } from '../supervisor.js';

export async function enable(ctx: OperationContext): Promise<OperationResult> {
  const config = await loadConfiguration(ctx);
  const ignored = ignoredSettingsSubstatus(config);
  for (const s of ignored) ctx.logger.warn(`settings: ${s.message}`);
  const hash = configHash(config);
  await checkFreeDisk(ctx.paths.stateDir, ctx.env);
  await prepareStateDirs(ctx);
  const installed = await installBinaries(ctx.layout, ctx.paths, ctx.version);
  await clearUpdateMarker(ctx.paths);

  if (await alreadyApplied(ctx, ctx.supervisor, hash)) {
    return {
      message: `open-ama ${ctx.version} is running configuration ${ctx.seq} (unchanged)`,
      substatus: ignored,
      configurationAppliedTime: new Date().toISOString(),
    };
  }

  await writeAgentConfig(ctx.paths.agentConfigFile, config);
  const supervisor = await ctx.supervisor.ensureRunning({
    version: ctx.version,
    nodePath: installed.nodePath,
    supervisorScript: installed.supervisorScript,
    resourceLimits: config.resourceLimits,
    env: ctx.env,
    timeoutMs: Math.min(60_000, remainingMs(ctx)),
  });
  ctx.logger.info(
    `supervisor ${supervisor.started ? 'started' : 'already running'} (pid ${supervisor.pid}, ${supervisor.mode})`,
  );

  const applied = await ctx.supervisor.applyConfig(ctx.seq, Math.max(1_000, remainingMs(ctx) - 10_000));
  if (!applied.ok) {
    throw new HandlerError(
      'CONFIG_NOT_APPLIED',
      `the collector did not apply configuration ${ctx.seq}: ${applied.reason ?? 'no reason given'}`,
    );
  }
  await writeEnabledState(ctx.paths.enabledStateFile, { seq: ctx.seq, version: ctx.version, configHash: hash });
  await writeMrseq(ctx.layout.extDir, ctx.seq);
  if (ctx.handlerEnv.heartbeatFile) {
    await writeHeartbeat(ctx.handlerEnv.heartbeatFile, {
      status: 'Ready',
      message: `open-ama ${ctx.version} running configuration ${ctx.seq}`,
    });
  }
  const substatus = [...ignored, ...(applied.health ? healthSubstatus(applied.health) : [])];
  const dcrCount = applied.health?.dcrs.filter((d) => d.state === 'loaded').length ?? 0;
  return {
    message: `open-ama ${ctx.version} enabled: configuration ${ctx.seq} applied${applied.hot ? ' without restart' : ''}, ${dcrCount} data collection rule(s) active`,
    substatus,
    configurationAppliedTime: new Date().toISOString(),
  };
}

async function loadConfiguration(ctx: OperationContext): Promise<AgentConfig> {
  const settings = await readSettingsFile(ctx.handlerEnv.configFolder, ctx.seq);
  if (settings.missing) {
    throw new HandlerError(
      'SETTINGS_UNREADABLE',
      `the guest agent wrote no settings file ${ctx.seq}.settings in ${ctx.handlerEnv.configFolder}`,
    );
  }
  let protectedSettings: unknown = null;
  if (settings.protectedSettings) {
    await checkOpensslPresent(ctx.env);
    if (!settings.thumbprint) {
      throw new HandlerError(
        'PROTECTED_SETTINGS_CERT_MISSING',
        'protected settings are present but protectedSettingsCertThumbprint is null; the guest agent sent no certificate thumbprint',
      );
    }
    protectedSettings = await decryptProtectedSettings({
      protectedSettings: settings.protectedSettings,
      thumbprint: settings.thumbprint,
      configFolder: ctx.handlerEnv.configFolder,
    });
  }
  const status: StatusTarget = {
    handlerName: ctx.handlerEnv.name,
    extensionVersion: ctx.version,
    statusFolder: ctx.handlerEnv.statusFolder,
    seq: ctx.seq,
    heartbeatFile: ctx.handlerEnv.heartbeatFile,
    logFolder: ctx.handlerEnv.logFolder,
    eventsFolder: ctx.handlerEnv.eventsFolder,
  };
  return buildAgentConfig({ publicSettings: settings.publicSettings, protectedSettings, seq: ctx.seq, status });
}

function configHash(config: AgentConfig): string {
  const { writtenAt: _writtenAt, ...stable } = config;
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex');
}

/** Same seq (mrseq), same version, same effective config, and the running collector has it. */
async function alreadyApplied(ctx: OperationContext, supervisor: SupervisorControl, hash: string): Promise<boolean> {
  const mrseq = await readMrseq(ctx.layout.extDir);
  if (mrseq !== ctx.seq) return false;
  const state = await readEnabledState(ctx.paths.enabledStateFile);
  if (!state || state.seq !== ctx.seq || state.version !== ctx.version || state.configHash !== hash) return false;
  try {
    const status = await supervisor.status();
    return (
      status.version === ctx.version && status.health?.configVersion === ctx.seq && status.collector.state === 'running'
    );
  } catch {
    return false;
  }
}
