// Azure clouds the deploy tool knows: ARM endpoint, Entra authority and ARM token scope (docs/azure-interfaces.md §7).
export type CloudName = 'AzureCloud' | 'AzureUSGovernment' | 'AzureChinaCloud';

export interface Cloud {
  name: CloudName;
  armEndpoint: string;
  authorityHost: string;
}

export const CLOUDS: Record<CloudName, Cloud> = {
  AzureCloud: {
    name: 'AzureCloud',
    armEndpoint: 'https://management.azure.com',
    authorityHost: 'https://login.microsoftonline.com',
  },
  AzureUSGovernment: {
    name: 'AzureUSGovernment',
    armEndpoint: 'https://management.usgovcloudapi.net',
    authorityHost: 'https://login.microsoftonline.us',
  },
  AzureChinaCloud: {
    name: 'AzureChinaCloud',
    armEndpoint: 'https://management.chinacloudapi.cn',
    authorityHost: 'https://login.chinacloudapi.cn',
  },
};

export function armScope(armEndpoint: string): string {
  return `${new URL(armEndpoint).origin}/.default`;
}

/**
 * Retries of one ARM request by the Azure SDK's own retry policy: a 429 or 503 with Retry-After waits what ARM
 * asks, a 5xx / 408 / network error backs off exponentially (1 s, 2 s, … up to 64 s). Six instead of the SDK's
 * three because a fleet deployment is throttled for longer than one request (docs/deploy.md).
 */
export const ARM_MAX_RETRIES = 6;

/** Options of every ARM SDK client of the deploy commands: endpoint, token scope, retries. */
export function armClientOptions(armEndpoint: string): {
  endpoint: string;
  credentialScopes: string[];
  retryOptions: { maxRetries: number };
} {
  // The token scope follows the ARM endpoint (sovereign clouds); the SDKs default to public Azure's.
  return {
    endpoint: armEndpoint,
    credentialScopes: [armScope(armEndpoint)],
    retryOptions: { maxRetries: ARM_MAX_RETRIES },
  };
}
