// Instance metadata (docs/azure-interfaces.md §6.1, §6.2): resource ID, region and cloud from IMDS or Arc HIMDS, used
// for the metrics endpoint and for audiences. Never proxied.
import { HttpClient } from './http-client.js';
import type { IdentityEndpoints } from './managed-identity.js';

export interface InstanceMetadata {
  resourceId: string;
  location: string;
  azEnvironment: string;
  name: string;
  vmId?: string;
  subscriptionId?: string;
}

export async function fetchInstanceMetadata(
  endpoints: IdentityEndpoints,
  http = new HttpClient({ idleTimeoutMs: 10_000 }),
): Promise<InstanceMetadata> {
  const url = new URL(`${endpoints.imdsBase}/metadata/instance`);
  url.searchParams.set('api-version', endpoints.kind === 'arc' ? '2019-11-01' : '2021-02-01');
  const res = await http.request({ method: 'GET', url, headers: { Metadata: 'true' } });
  if (res.status !== 200) throw new Error(`instance metadata request returned ${res.status}`);
  const body = JSON.parse(res.body.toString('utf8')) as { compute?: Record<string, unknown> };
  const c = body.compute ?? {};
  const str = (k: string): string => (typeof c[k] === 'string' ? (c[k] as string) : '');
  if (!str('resourceId')) throw new Error('instance metadata has no compute.resourceId');
  return {
    resourceId: str('resourceId'),
    location: str('location'),
    azEnvironment: str('azEnvironment') || 'AzurePublicCloud',
    name: str('name'),
    vmId: str('vmId') || undefined,
    subscriptionId: str('subscriptionId') || undefined,
  };
}

/** Logs Ingestion token audience per cloud (docs/azure-interfaces.md §4.1). */
export function logsIngestionAudience(azEnvironment: string): string {
  const env = azEnvironment.toLowerCase();
  if (env.includes('usgov')) return 'https://monitor.azure.us';
  if (env.includes('china')) return 'https://monitor.azure.cn';
  return 'https://monitor.azure.com';
}
