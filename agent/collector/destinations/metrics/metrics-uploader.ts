// Azure Monitor custom metrics destination (docs/azure-interfaces.md §5.1): POST each queued metric document to
// https://<region>.monitoring.azure.com/<resourceId>/metrics with a token for
// https://monitoring.azure.com/ — through the proxy when one is set (AMA does not; we do: the
// destination's HttpClient owns the proxy route).
// Documents go one per request; when a batch fails part-way, the worker retries all of it, so the
// documents already accepted are remembered and skipped (a re-sent minute would be counted twice).
// A document the service refuses (400, e.g. a minute older than 20 minutes after an outage) does not
// stop the others: the batch is reported as a 400 (dropped, counted) once the rest was accepted.
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { NetworkError, type HttpClient, type ManagedIdentityTokenClient } from '../../net/index.js';
import { describeProxyAnswer, type Uploader, type UploadOutcome, type UploadRequest } from '../uploader.js';

export const METRICS_AUDIENCE = 'https://monitoring.azure.com/';

export interface MetricsUploaderOptions {
  /** Base URL override (OPEN_AMA_METRICS_URL), else https://<region>.monitoring.azure.com */
  baseUrl?: string;
  /** Region and resource ID of this machine (from IMDS / HIMDS), resolved on first upload. */
  target: () => Promise<{ region: string; resourceId: string }>;
  tokens: ManagedIdentityTokenClient;
  /** This destination's client, built once with the proxy route (net/http-client.ts). */
  http: HttpClient;
}

export class MetricsUploader implements Uploader {
  readonly kind = 'metrics' as const;
  readonly maxRequestBytes = 1_000_000;
  private readonly http: HttpClient;
  /** Hashes of documents accepted during uploads that then failed; cleared once a batch succeeds. */
  private readonly acceptedBeforeFailure = new Set<string>();

  constructor(private readonly o: MetricsUploaderOptions) {
    this.http = o.http;
  }

  async url(): Promise<{ url: URL; resourceId: string }> {
    const { region, resourceId } = await this.o.target();
    const base = (this.o.baseUrl ?? `https://${region}.monitoring.azure.com`).replace(/\/+$/, '');
    return { url: new URL(`${base}${resourceId}/metrics`), resourceId };
  }

  async upload(req: UploadRequest, { forceTokenRefresh }: { forceTokenRefresh: boolean }): Promise<UploadOutcome> {
    // The metrics API takes one document per request; the queue batch holds several.
    const docs =
      req.records.length > 0
        ? req.records
        : (JSON.parse(gunzipSync(req.body).toString('utf8')) as unknown[]).map((d) => Buffer.from(JSON.stringify(d)));
    let token: string;
    try {
      token = (await this.o.tokens.getToken(METRICS_AUDIENCE, forceTokenRefresh)).token;
    } catch (err) {
      return {
        errorCode: 'ETOKEN',
        detail: `cannot get a managed identity token for ${METRICS_AUDIENCE}: ${(err as Error).message}`,
      };
    }
    let url: URL;
    let resourceId: string;
    try {
      ({ url, resourceId } = await this.url());
    } catch (err) {
      return {
        errorCode: 'EMETADATA',
        detail: `cannot read this machine's resource ID and region from instance metadata: ${(err as Error).message}`,
      };
    }
    const accepted: string[] = [];
    let rejected: { outcome: UploadOutcome; count: number } | undefined;
    const failed = (outcome: UploadOutcome): UploadOutcome => {
      for (const h of accepted) this.acceptedBeforeFailure.add(h);
      return outcome;
    };
    for (const doc of docs) {
      const hash = createHash('sha256').update(doc).digest('base64');
      if (this.acceptedBeforeFailure.has(hash)) continue;
      try {
        const res = await this.http.request({
          method: 'POST',
          url,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(doc),
        });
        if (res.fromProxy)
          return failed({
            status: res.status,
            headers: res.headers,
            fromProxy: true,
            detail: describeProxyAnswer(res.status, url),
          });
        if (res.status < 200 || res.status >= 300) {
          const outcome = {
            status: res.status,
            headers: res.headers,
            detail: `${res.status} from the custom metrics endpoint for ${resourceId}${res.status === 403 ? ' — the machine identity lacks Monitoring Metrics Publisher on the resource' : ''}: ${res.body.toString('utf8').slice(0, 200)}`,
          };
          if (res.status !== 400) return failed(outcome);
          rejected = { outcome: rejected?.outcome ?? outcome, count: (rejected?.count ?? 0) + 1 };
          continue;
        }
        accepted.push(hash);
      } catch (err) {
        return failed({
          errorCode: err instanceof NetworkError ? err.code : 'ENETWORK',
          detail: (err as Error).message,
        });
      }
    }
    this.acceptedBeforeFailure.clear();
    if (rejected)
      return {
        ...rejected.outcome,
        detail: `${rejected.outcome.detail} (${rejected.count} of ${docs.length} metric documents rejected, the others accepted)`,
      };
    return { status: 204, detail: `${docs.length} metric documents accepted` };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
