// What every check reads once: the machine's paths (OPEN_AMA_ROOT), the AgentConfig the handler wrote,
// the identity endpoints (IMDS, or Arc HIMDS when IDENTITY_ENDPOINT is set), the syslog port
// (OPEN_AMA_SYSLOG_PORT, default 28330) and the per-request deadline. Nothing here touches the network.
import { agentPaths, readAgentConfig, type AgentConfig, type AgentPaths } from '../config/index.js';
import { detectIdentityEndpoints, type IdentityEndpoints } from '../collector/net/index.js';
import { DEFAULT_SYSLOG_PORT } from '../collector/sources/syslog/index.js';
import type { CheckResult } from './report.js';

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  paths: AgentPaths;
  config?: AgentConfig;
  identity: IdentityEndpoints;
  syslogPort: number;
  /** Deadline of one network exchange. */
  timeoutMs: number;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

export async function loadContext(
  env: NodeJS.ProcessEnv,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<{ ctx: DoctorContext; check: CheckResult }> {
  const paths = agentPaths(env);
  const base = {
    env,
    paths,
    identity: detectIdentityEndpoints(env),
    syslogPort: Number(env.OPEN_AMA_SYSLOG_PORT ?? DEFAULT_SYSLOG_PORT),
    timeoutMs,
  };
  try {
    const config = await readAgentConfig(paths.agentConfigFile);
    if (!config)
      return {
        ctx: base,
        check: {
          id: 'config',
          title: 'configuration',
          verdict: 'fail',
          cause: `no agent configuration at ${paths.agentConfigFile}: the extension was never enabled here`,
          fix: 'enable the extension (az vm extension set … or open-ama deploy extension); it writes this file',
        },
      };
    return {
      ctx: { ...base, config },
      check: {
        id: 'config',
        title: 'configuration',
        verdict: 'ok',
        cause: `${paths.agentConfigFile}: settings sequence ${config.configVersion}, DCR source ${config.dcrSource}, proxy ${config.proxy.mode}`,
        fix: '',
      },
    };
  } catch (err) {
    return {
      ctx: base,
      check: {
        id: 'config',
        title: 'configuration',
        verdict: 'fail',
        cause: (err as Error).message,
        fix: 'run enable again so the handler rewrites the file (docs/settings.md)',
      },
    };
  }
}
