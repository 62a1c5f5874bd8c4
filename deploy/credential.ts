// Credentials for ARM: DefaultAzureCredential (environment, workload/managed identity, Azure CLI…)
// for the chosen cloud, or — for pipelines that already hold one, and for tests against the loopback
// fake ARM — a pre-acquired bearer token from OPEN_AMA_ARM_TOKEN (never from argv).
import type { AccessToken, TokenCredential } from '@azure/identity';
import { DefaultAzureCredential } from '@azure/identity';
import type { Cloud } from './clouds.js';

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
