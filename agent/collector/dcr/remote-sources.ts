// Where DCRs come from besides settings and local files (docs/settings.md):
//  - ArmDcrSource: the documented route — the machine identity lists its DCR associations and reads
//    each DCR through ARM (docs/azure-interfaces.md §3). Needs Reader on the DCRs (an extra RBAC requirement).
//  - ControlPlaneDcrSource: the compatibility route through the AMCS agentConfigurations endpoint.
//    Based on the OBSERVED, UNDOCUMENTED protocol (docs/azure-interfaces.md §3); behind the same interface.
// Both resolve a DCR's dataCollectionEndpointId (and, on the ARM route, the machine's DCE association)
// to the DCE's logs ingestion endpoint through ARM with the same identity (dce-resolver.ts).
import type { HttpClient, ManagedIdentityTokenClient } from '../net/index.js';
import { DceResolver, type ArmGet } from './dce-resolver.js';

export interface FetchedDcr {
  /** DCR JSON as returned (ARM resource shape or agent config content). */
  json: unknown;
  origin: 'arm' | 'control-plane';
  /** ARM id or a label, for status messages. */
  ref: string;
  /** Set when this one DCR could not be read (403, 404): it is reported rejected, the others run. */
  error?: string;
}

export interface RemoteDcrSource {
  readonly name: 'arm' | 'control-plane';
  fetch(): Promise<FetchedDcr[]>;
}

interface RemoteDeps {
  resourceId: string;
  tokens: ManagedIdentityTokenClient;
  /** Built once by the caller with the proxy route and timeouts (net/http-client.ts). */
  http: HttpClient;
  /** How long a resolved DCE endpoint is reused (default 1 h). */
  dceTtlMs?: number;
}

export const ARM_ASSOCIATIONS_API = '2022-06-01';
export const ARM_DCR_API = '2023-03-11';
/** A machine has at most 30 associations; this only bounds a misbehaving nextLink chain. */
const MAX_ASSOCIATION_PAGES = 50;

export class ArmDcrSource implements RemoteDcrSource {
  readonly name = 'arm' as const;
  readonly dces: DceResolver;
  constructor(private readonly deps: RemoteDeps & { armUrl: string }) {
    this.dces = new DceResolver(deps.armUrl, armGetter(deps, deps.armUrl), deps.dceTtlMs);
  }

  /**
   * Every association (all pages), then each DCR. The list failing, or a transient error on a DCR,
   * throws (the caller keeps what it read before); a DCR that is forbidden (403) or gone (404, a
   * dangling association) comes back with `error` so that it alone is rejected.
   */
  async fetch(): Promise<FetchedDcr[]> {
    const base = this.deps.armUrl.replace(/\/+$/, '');
    const ids: string[] = [];
    let machineDceId: string | undefined;
    let next: string | undefined =
      `${base}${this.deps.resourceId}/providers/Microsoft.Insights/dataCollectionRuleAssociations?api-version=${ARM_ASSOCIATIONS_API}`;
    for (let page = 0; next !== undefined && page < MAX_ASSOCIATION_PAGES; page++) {
      const res = await this.get(next);
      if (res.status === 403)
        throw new Error(
          `ARM returned 403 for ${res.path}: the machine identity needs Reader (Microsoft.Insights/dataCollectionRules/read) on its DCRs for dcrSource "arm"`,
        );
      if (res.status !== 200) throw new Error(`ARM returned ${res.status} for ${res.path}`);
      const list = res.json() as {
        value?: { properties?: { dataCollectionRuleId?: string; dataCollectionEndpointId?: string } }[];
        nextLink?: unknown;
      };
      // The configurationAccessEndpoint association names the machine's DCE (private link).
      machineDceId ??= (list.value ?? [])
        .map((a) => a.properties?.dataCollectionEndpointId)
        .find((id): id is string => typeof id === 'string' && id.length > 0);
      ids.push(
        ...(list.value ?? [])
          .map((a) => a.properties?.dataCollectionRuleId)
          .filter((id): id is string => typeof id === 'string' && id.length > 0),
      );
      next = typeof list.nextLink === 'string' && list.nextLink.length > 0 ? list.nextLink : undefined;
      // The token goes with the request: never follow a link to another host.
      if (next !== undefined && new URL(next).origin !== new URL(base).origin)
        throw new Error(`ARM returned a nextLink to another host (${new URL(next).origin}); not following it`);
    }
    const out: FetchedDcr[] = [];
    for (const id of ids) {
      const res = await this.get(`${base}${id}?api-version=${ARM_DCR_API}`);
      if (res.status === 403)
        out.push({
          json: undefined,
          origin: 'arm',
          ref: id,
          error: `ARM returned 403 for ${id}: the machine identity needs Reader (Microsoft.Insights/dataCollectionRules/read) on this DCR for dcrSource "arm"`,
        });
      else if (res.status === 404)
        out.push({
          json: undefined,
          origin: 'arm',
          ref: id,
          error: `ARM returned 404 for ${id}: the DCR does not exist (deleted?) but is still associated with this machine; remove the association`,
        });
      else if (res.status !== 200) throw new Error(`ARM returned ${res.status} for ${id}`);
      else out.push(await this.dces.apply({ json: res.json(), origin: 'arm', ref: id }, machineDceId));
    }
    return out;
  }

  private get(href: string): ReturnType<ArmGet> {
    return armGetter(this.deps, this.deps.armUrl)(href);
  }
}

/** GET on ARM with the machine identity's ARM token (the token goes only to the ARM origin). */
function armGetter(deps: RemoteDeps, armUrl: string): ArmGet {
  return async (href) => {
    const url = new URL(href);
    if (url.origin !== new URL(armUrl).origin) throw new Error(`not sending the ARM token to ${url.origin}`);
    const token = await deps.tokens.getToken(`${new URL(armUrl).origin}/`);
    const res = await deps.http.request({ method: 'GET', url, headers: { authorization: `Bearer ${token.token}` } });
    return {
      status: res.status,
      path: url.pathname,
      json: () => parseJson(res.body, `ARM's answer for ${url.pathname}`),
    };
  };
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // the parser's message adds nothing; say what answered instead
    throw new Error(`${what} is not JSON (${body.length} bytes; a proxy or captive portal answering?)`);
  }
}

export class ControlPlaneDcrSource implements RemoteDcrSource {
  readonly name = 'control-plane' as const;
  /** Set when an ARM endpoint is known: resolves the dataCollectionEndpointId of the DCRs served. */
  readonly dces?: DceResolver;
  constructor(private readonly deps: RemoteDeps & { controlPlaneUrl: string; audience: string; armUrl?: string }) {
    if (deps.armUrl !== undefined)
      this.dces = new DceResolver(deps.armUrl, armGetter(deps, deps.armUrl), deps.dceTtlMs);
  }

  async fetch(): Promise<FetchedDcr[]> {
    const base = this.deps.controlPlaneUrl.replace(/\/+$/, '');
    const url = new URL(`${base}${this.deps.resourceId}/agentConfigurations`);
    url.searchParams.set('platform', 'linux');
    url.searchParams.set('includeMeConfig', 'true');
    url.searchParams.set('api-version', '2022-06-02');
    const token = await this.deps.tokens.getToken(this.deps.audience);
    const res = await this.deps.http.request({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${token.token}`, Metadata: 'true' },
    });
    if (res.status !== 200) throw new Error(`control plane returned ${res.status} for agentConfigurations`);
    const body = parseJson(res.body, "the control plane's agentConfigurations answer") as {
      configurations?: { configurationId?: string; content?: { dataCollectionRule?: unknown } }[];
    };
    const dcrs = (body.configurations ?? [])
      .filter((c) => c.content?.dataCollectionRule !== undefined)
      .map((c, i) => ({
        json: c.content!.dataCollectionRule,
        origin: 'control-plane' as const,
        ref: c.configurationId ?? `configuration ${i}`,
      }));
    const dces = this.dces;
    if (!dces) return dcrs;
    const out: FetchedDcr[] = [];
    for (const d of dcrs) out.push(await dces.apply(d));
    return out;
  }
}
