// Loopback HTTPS stand-in for where remote DCRs come from (docs/azure-interfaces.md §3), over TLS with the test CA:
//  - ARM (documented, §3.3): GET {machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations
//    ?api-version=2022-06-01 (paged with nextLink when pageSize is set) and GET {dcrId}?api-version=2023-03-11;
//  - AMCS agentConfigurations (OBSERVED, UNDOCUMENTED, §3.2): GET {machine}/agentConfigurations
//    ?platform=linux&includeMeConfig=true&api-version=2022-06-02 with Metadata: true. The response shape
//    beyond `configurations[].content` is not documented; this fake serves what open-ama reads
//    (`content.dataCollectionRule`) next to channel-only chunks like those the real service sends.
// Checks the bearer token, records every request, can answer a status per path and be taken down.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TestCa } from './test-ca.js';
import { LoopbackHttpsFake } from './loopback-https-fake.js';

export interface ControlPlaneRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string;
  metadata: string | undefined;
}

export const ASSOCIATIONS_API = '2022-06-01';
export const DCR_API = '2023-03-11';
export const AGENT_CONFIGURATIONS_API = '2022-06-02';

export class FakeControlPlaneServer extends LoopbackHttpsFake {
  readonly requests: ControlPlaneRequest[] = [];
  expectedToken = 'test-ingestion-token';
  /** ARM: the machine's associations, in order (a DCR id, or a DCE id for a configuration-access association). */
  associations: ({ dcr: string } | { dce: string })[] = [];
  /** ARM: DCR resources by id (lower-cased lookup, like ARM). */
  readonly dcrs = new Map<string, unknown>();
  /** Control plane: configurations as the service would list them. */
  configurations: unknown[] = [];
  /** Associations per page; 0 = one page. */
  pageSize = 0;
  /** Forced answers by path (e.g. 403 for one DCR), consumed in order when `times` is set. */
  readonly failures = new Map<string, { status: number; body?: string; times?: number }>();

  constructor(
    ca: TestCa,
    readonly machineId: string,
  ) {
    super(ca);
  }

  dcrRequests(): string[] {
    return this.requests.filter((r) => /\/dataCollectionRules\/[^/]+$/i.test(r.path)).map((r) => r.path);
  }

  protected handle(req: IncomingMessage, _body: Buffer, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const query = Object.fromEntries(url.searchParams.entries());
    const metadata = typeof req.headers.metadata === 'string' ? req.headers.metadata : undefined;
    this.requests.push({
      method: req.method ?? '',
      path: url.pathname,
      query,
      authorization: req.headers.authorization ?? '',
      metadata,
    });
    const send = (status: number, json: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    };
    const error = (status: number, code: string, message: string): void => send(status, { error: { code, message } });
    if (req.method !== 'GET') return error(405, 'MethodNotAllowed', `${req.method ?? ''} not allowed`);
    if (req.headers.authorization !== `Bearer ${this.expectedToken}`)
      return error(401, 'InvalidAuthenticationToken', 'The access token is invalid.');
    const failure = this.failures.get(url.pathname.toLowerCase());
    if (failure && (failure.times === undefined || failure.times > 0)) {
      if (failure.times !== undefined) failure.times--;
      res
        .writeHead(failure.status, { 'content-type': 'application/json' })
        .end(
          failure.body ??
            JSON.stringify({ error: { code: `Fake${failure.status}`, message: `injected ${failure.status}` } }),
        );
      return;
    }
    const machine = this.machineId.toLowerCase();
    const p = url.pathname.toLowerCase();
    if (p === `${machine}/providers/microsoft.insights/datacollectionruleassociations`) {
      if (query['api-version'] !== ASSOCIATIONS_API)
        return error(400, 'InvalidApiVersionParameter', `api-version ${query['api-version'] ?? ''} is not supported`);
      return this.listAssociations(url, send);
    }
    if (p === `${machine}/agentconfigurations`) {
      if (query['api-version'] !== AGENT_CONFIGURATIONS_API || query.platform !== 'linux')
        return error(400, 'BadRequest', 'api-version 2022-06-02 and platform=linux are required');
      if (metadata !== 'true') return error(400, 'BadRequest', 'Metadata: true is required');
      return send(200, { configurations: this.configurations });
    }
    if (/\/providers\/microsoft\.insights\/datacollectionrules\/[^/]+$/.test(p)) {
      if (query['api-version'] !== DCR_API)
        return error(400, 'InvalidApiVersionParameter', `api-version ${query['api-version'] ?? ''} is not supported`);
      const dcr = [...this.dcrs.entries()].find(([id]) => id.toLowerCase() === p)?.[1];
      if (dcr === undefined) return error(404, 'ResourceNotFound', `The Resource '${url.pathname}' was not found.`);
      return send(200, dcr);
    }
    return error(404, 'NotFound', `no route for ${url.pathname}`);
  }

  private listAssociations(url: URL, send: (status: number, json: unknown) => void): void {
    const all = this.associations.map((a, i) => ({
      id: `${this.machineId}/providers/Microsoft.Insights/dataCollectionRuleAssociations/assoc-${i}`,
      name: 'dcr' in a ? `assoc-${i}` : 'configurationAccessEndpoint',
      type: 'Microsoft.Insights/dataCollectionRuleAssociations',
      properties: 'dcr' in a ? { dataCollectionRuleId: a.dcr } : { dataCollectionEndpointId: a.dce },
    }));
    const skip = Number(url.searchParams.get('$skiptoken') ?? 0);
    const size = this.pageSize > 0 ? this.pageSize : all.length;
    const page = all.slice(skip, skip + size);
    const next = skip + size < all.length ? new URL(url.href) : undefined;
    next?.searchParams.set('$skiptoken', String(skip + size));
    send(200, { value: page, ...(next ? { nextLink: next.href } : {}) });
  }
}
