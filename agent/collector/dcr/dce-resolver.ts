// Resolves a data collection endpoint (DCE) id to its logs ingestion endpoint through ARM with the
// machine identity, and writes it into a fetched DCR as `dataCollectionEndpoint.logsIngestion` (what
// the pipeline reads). The DCR's own `dataCollectionEndpointId` wins; a DCR with no ingestion endpoint
// at all falls back to the DCE associated with the machine (private link). Cached per DCE id for
// `ttlMs`; a 404 or 403 drops the entry and rejects that DCR alone; other errors keep a cached answer
// or throw (the caller keeps the DCRs it read before). See docs/dcr-support.md "Data collection endpoints".
import type { FetchedDcr } from './remote-sources.js';

export const ARM_DCE_API = '2023-03-11';
/** A DCE's ingestion host does not change while it exists; re-read hourly to notice a re-created DCE. */
export const DEFAULT_DCE_TTL_MS = 3_600_000;

export type ArmGet = (href: string) => Promise<{ status: number; path: string; json: () => unknown }>;

const DCE_ID =
  /^\/subscriptions\/[^/?#]+\/resourceGroups\/[^/?#]+\/providers\/Microsoft\.Insights\/dataCollectionEndpoints\/[^/?#]+$/i;

type Resolution = { endpoint: string } | { error: string };

export class DceResolver {
  private readonly cache = new Map<string, { endpoint: string; at: number }>();
  /** ARM GETs made for DCEs (tests and the health view count them). */
  lookups = 0;

  constructor(
    private readonly armBase: string,
    private readonly get: ArmGet,
    private readonly ttlMs = DEFAULT_DCE_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(dceId: string): Promise<Resolution> {
    if (!DCE_ID.test(dceId))
      return { error: `dataCollectionEndpointId "${dceId}" is not a data collection endpoint resource id` };
    const key = dceId.toLowerCase();
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return { endpoint: hit.endpoint };
    this.lookups++;
    let res: Awaited<ReturnType<ArmGet>>;
    try {
      res = await this.get(`${this.armBase.replace(/\/+$/, '')}${dceId}?api-version=${ARM_DCE_API}`);
    } catch (err) {
      if (hit) return { endpoint: hit.endpoint };
      throw err;
    }
    if (res.status === 404 || res.status === 403) {
      this.cache.delete(key);
      return {
        error:
          res.status === 404
            ? `ARM returned 404 for its data collection endpoint ${dceId}: the DCE does not exist (deleted?)`
            : `ARM returned 403 for its data collection endpoint ${dceId}: the machine identity needs Reader (Microsoft.Insights/dataCollectionEndpoints/read) on it`,
      };
    }
    if (res.status !== 200) {
      if (hit) return { endpoint: hit.endpoint };
      throw new Error(`ARM returned ${res.status} for ${dceId}`);
    }
    const body = res.json() as { properties?: { logsIngestion?: { endpoint?: unknown } } };
    const endpoint = body.properties?.logsIngestion?.endpoint;
    if (typeof endpoint !== 'string' || !/^https:\/\/[^/?#\s]+/.test(endpoint)) {
      this.cache.delete(key);
      return { error: `data collection endpoint ${dceId} has no https logsIngestion.endpoint` };
    }
    this.cache.set(key, { endpoint, at: this.now() });
    return { endpoint };
  }

  /**
   * The DCR with `dataCollectionEndpoint.logsIngestion` set from its DCE (or `machineDceId` when it has
   * no ingestion endpoint of its own); unchanged when there is nothing to resolve; with `error` set
   * when the DCE cannot be used.
   */
  async apply(dcr: FetchedDcr, machineDceId?: string): Promise<FetchedDcr> {
    if (dcr.error !== undefined || typeof dcr.json !== 'object' || dcr.json === null) return dcr;
    const root = dcr.json as Record<string, unknown>;
    const wrapped = typeof root.properties === 'object' && root.properties !== null;
    const props = (wrapped ? root.properties : root) as Record<string, unknown>;
    const own = props.dataCollectionEndpointId;
    const hasEndpoint =
      typeof (props.endpoints as { logsIngestion?: unknown } | undefined)?.logsIngestion === 'string' ||
      typeof (props.dataCollectionEndpoint as { logsIngestion?: unknown } | undefined)?.logsIngestion === 'string';
    const dceId = typeof own === 'string' && own !== '' ? own : hasEndpoint ? undefined : machineDceId;
    if (dceId === undefined) return dcr;
    const r = await this.resolve(dceId);
    if ('error' in r) return { ...dcr, error: r.error };
    const resolved = { ...props, dataCollectionEndpoint: { logsIngestion: r.endpoint } };
    return { ...dcr, json: wrapped ? { ...root, properties: resolved } : resolved };
  }
}
