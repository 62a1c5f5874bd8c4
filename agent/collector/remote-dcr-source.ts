// Builds the remote DCR source the settings ask for (arm | control-plane | auto → arm), wired to the
// managed identity (IMDS or Arc HIMDS, never proxied) and the configured proxy.
import type { AgentConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { ArmDcrSource, ControlPlaneDcrSource, type FetchedDcr, type RemoteDcrSource } from './dcr/index.js';
import {
  detectIdentityEndpoints,
  ManagedIdentityTokenClient,
  fetchInstanceMetadata,
  HttpClient,
  proxyRoute,
} from './net/index.js';
import { agentPaths } from '../config/index.js';

const ARM_BY_CLOUD: Record<string, string> = {
  azureusgovernmentcloud: 'https://management.usgovcloudapi.net',
  azurechinacloud: 'https://management.chinacloudapi.cn',
};

export function createRemoteDcrSource(config: AgentConfig, env: NodeJS.ProcessEnv, logger: Logger): RemoteDcrSource {
  const endpoints = detectIdentityEndpoints(env);
  const tokens = new ManagedIdentityTokenClient({ endpoints, identity: config.managedIdentity });
  // One client for ARM / the control plane, with the proxy route; the token client has its own, direct.
  const http = new HttpClient({
    proxy: proxyRoute(config.proxy, { arc: endpoints.kind === 'arc', root: agentPaths(env).root }),
    idleTimeoutMs: 30_000,
  });
  const mode = config.dcrSource === 'control-plane' ? 'control-plane' : 'arm';
  let inner: RemoteDcrSource | undefined;
  return {
    name: mode,
    async fetch(): Promise<FetchedDcr[]> {
      if (!inner) {
        const md = await fetchInstanceMetadata(endpoints);
        const cloud = md.azEnvironment.toLowerCase();
        // Both routes look up data collection endpoints through ARM (dcr/dce-resolver.ts).
        const armUrl = env.OPEN_AMA_ARM_URL ?? ARM_BY_CLOUD[cloud] ?? 'https://management.azure.com';
        if (mode === 'arm') {
          inner = new ArmDcrSource({ resourceId: md.resourceId, tokens, http, armUrl });
        } else {
          const suffix = cloud.includes('usgov') ? 'us' : cloud.includes('china') ? 'cn' : 'com';
          const controlPlaneUrl =
            env.OPEN_AMA_CONTROL_PLANE_URL ?? `https://${md.location}.handler.control.monitor.azure.${suffix}`;
          inner = new ControlPlaneDcrSource({
            resourceId: md.resourceId,
            tokens,
            http,
            controlPlaneUrl,
            armUrl,
            audience: `https://monitor.azure.${suffix}/`,
          });
        }
        logger.info(`reading DCRs through ${mode} for ${md.resourceId}`);
      }
      return inner.fetch();
    },
  };
}
