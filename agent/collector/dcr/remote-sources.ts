// Where DCRs come from besides settings and local files (DESIGN.md §3):
//  - ArmDcrSource: the documented route — the machine identity lists its DCR associations and reads
//    each DCR through ARM (SPEC.md §3.3). Needs Reader on the DCRs (an extra RBAC requirement).
//  - ControlPlaneDcrSource: the compatibility route through the AMCS agentConfigurations endpoint.
//    Based on the OBSERVED, UNDOCUMENTED protocol (SPEC.md §3.2); behind the same interface.
import type { ProxyConfig } from '../../config/index.js';
import { HttpClient } from '../net/http-client.js';
import { resolveProxy, type ArcLocalConfig } from '../net/proxy.js';
import type { ManagedIdentityTokenClient } from '../net/managed-identity.js';

export interface FetchedDcr {
  /** DCR JSON as returned (ARM resource shape or agent config content). */
  json: unknown;
  origin: 'arm' | 'control-plane';
  /** ARM id or a label, for status messages. */
  ref: string;
}

export interface RemoteDcrSource {
  readonly name: 'arm' | 'control-plane';
  fetch(): Promise<FetchedDcr[]>;
}

interface RemoteDeps {
  resourceId: string;
  tokens: ManagedIdentityTokenClient;
  proxy: ProxyConfig;
  arc?: ArcLocalConfig;
  http?: HttpClient;
}

export const ARM_ASSOCIATIONS_API = '2022-06-01';
export const ARM_DCR_API = '2023-03-11';

export class ArmDcrSource implements RemoteDcrSource {
  readonly name = 'arm' as const;
  private readonly http: HttpClient;
  constructor(
    private readonly deps: RemoteDeps & { armUrl: string },
  ) {
    this.http = deps.http ?? new HttpClient();
  }

  async fetch(): Promise<FetchedDcr[]> {
    const base = this.deps.armUrl.replace(/\/+$/, '');
    const list = await this.getJson(`${base}${this.deps.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations?api-version=${ARM_ASSOCIATIONS_API}`);
    const ids = ((list as { value?: { properties?: { dataCollectionRuleId?: string } }[] }).value ?? [])
      .map((a) => a.properties?.dataCollectionRuleId)
      .filter((id): id is string => typeof id === 'string' && id.length > 0);
    const out: FetchedDcr[] = [];
    for (const id of ids) out.push({ json: await this.getJson(`${base}${id}?api-version=${ARM_DCR_API}`), origin: 'arm', ref: id });
    return out;
  }

  private async getJson(href: string): Promise<unknown> {
    const url = new URL(href);
    const token = await this.deps.tokens.getToken(`${new URL(this.deps.armUrl).origin}/`);
    const res = await this.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token.token}` }, proxy: resolveProxy(url, this.deps.proxy, this.deps.arc), timeoutMs: 30_000 });
    if (res.status === 403) throw new Error(`ARM returned 403 for ${url.pathname}: the machine identity needs Reader (Microsoft.Insights/dataCollectionRules/read) on its DCRs for dcrSource "arm"`);
    if (res.status !== 200) throw new Error(`ARM returned ${res.status} for ${url.pathname}`);
    return JSON.parse(res.body.toString('utf8'));
  }
}

export class ControlPlaneDcrSource implements RemoteDcrSource {
  readonly name = 'control-plane' as const;
  private readonly http: HttpClient;
  constructor(private readonly deps: RemoteDeps & { controlPlaneUrl: string; audience: string }) {
    this.http = deps.http ?? new HttpClient();
  }

  async fetch(): Promise<FetchedDcr[]> {
    const base = this.deps.controlPlaneUrl.replace(/\/+$/, '');
    const url = new URL(`${base}${this.deps.resourceId}/agentConfigurations`);
    url.searchParams.set('platform', 'linux');
    url.searchParams.set('includeMeConfig', 'true');
    url.searchParams.set('api-version', '2022-06-02');
    const token = await this.deps.tokens.getToken(this.deps.audience);
    const res = await this.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token.token}`, Metadata: 'true' }, proxy: resolveProxy(url, this.deps.proxy, this.deps.arc), timeoutMs: 30_000 });
    if (res.status !== 200) throw new Error(`control plane returned ${res.status} for agentConfigurations`);
    const body = JSON.parse(res.body.toString('utf8')) as { configurations?: { configurationId?: string; content?: { dataCollectionRule?: unknown } }[] };
    return (body.configurations ?? [])
      .filter((c) => c.content?.dataCollectionRule !== undefined)
      .map((c, i) => ({ json: c.content!.dataCollectionRule, origin: 'control-plane' as const, ref: c.configurationId ?? `configuration ${i}` }));
  }
}
