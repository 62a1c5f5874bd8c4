// Credentials for ARM: DefaultAzureCredential (environment, workload/managed identity, Azure CLI…)
// for the chosen cloud, or — for pipelines that already hold one, and for tests against the loopback
// fake ARM — a pre-acquired bearer token from OPEN_AMA_ARM_TOKEN (never from argv).
import type { AccessToken, TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import { CLOUDS, type Cloud, type CloudName } from './clouds.js';

export class StaticTokenCredential implements TokenCredential {
  constructor(private readonly token: string) {}
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: Date.now() + 55 * 60_000 };
  }
}

export function createArmCredential(cloud: Cloud, env: NodeJS.ProcessEnv = process.env): TokenCredential {
  if (env.OPEN_AMA_ARM_TOKEN) return new StaticTokenCredential(env.OPEN_AMA_ARM_TOKEN);
  return new DefaultAzureCredential({ authorityHost: cloud.authorityHost });
}

/** The ARM endpoint (--arm-endpoint, else OPEN_AMA_ARM_URL, else the cloud's) and a credential for it. */
export function armConnection(
  cloudName: CloudName,
  override: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { armEndpoint: string; credential: TokenCredential } {
  const cloud = CLOUDS[cloudName];
  const armEndpoint = override ?? env.OPEN_AMA_ARM_URL ?? cloud.armEndpoint;
  return { armEndpoint, credential: createArmCredential({ ...cloud, armEndpoint }, env) };
}
