// Logs Ingestion API destination (docs/azure-interfaces.md §4): POST a gzip'd JSON array to
// {endpoint}/dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01 with a managed
// identity bearer token for the cloud's audience, through the destination's HttpClient (which owns the
// proxy route and timeouts). Errors become UploadOutcomes.
import { randomUUID } from 'node:crypto';
import { NetworkError, type HttpClient, type ManagedIdentityTokenClient } from '../../net/index.js';
import { describeProxyAnswer, type Uploader, type UploadOutcome, type UploadRequest } from '../uploader.js';

export const LOGS_INGESTION_API_VERSION = '2023-01-01';
export const LOGS_INGESTION_MAX_BYTES = 1_000_000;

export interface LogsIngestionOptions {
  endpoint: string;
  dcrImmutableId: string;
  audience: string;
  tokens: ManagedIdentityTokenClient;
  /** This destination's client, built once with the proxy route (net/http-client.ts). */
  http: HttpClient;
}

export class LogsIngestionUploader implements Uploader {
  readonly kind = 'logs-ingestion' as const;
  readonly maxRequestBytes = LOGS_INGESTION_MAX_BYTES;
  private readonly http: HttpClient;

  constructor(private readonly opts: LogsIngestionOptions) {
    this.http = opts.http;
  }

  urlFor(stream: string): URL {
    const base = this.opts.endpoint.replace(/\/+$/, '');
    const url = new URL(
      `${base}/dataCollectionRules/${encodeURIComponent(this.opts.dcrImmutableId)}/streams/${encodeURIComponent(stream)}`,
    );
    url.searchParams.set('api-version', LOGS_INGESTION_API_VERSION);
    return url;
  }

  async upload(req: UploadRequest, { forceTokenRefresh }: { forceTokenRefresh: boolean }): Promise<UploadOutcome> {
    const url = this.urlFor(req.stream);
    let token: string;
    try {
      token = (await this.opts.tokens.getToken(this.opts.audience, forceTokenRefresh)).token;
    } catch (err) {
      return {
        errorCode: 'ETOKEN',
        detail: `cannot get a managed identity token for ${this.opts.audience}: ${(err as Error).message}`,
      };
    }
    try {
      const res = await this.http.request({
        method: 'POST',
        url,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'x-ms-client-request-id': randomUUID(),
        },
        body: req.body,
      });
      if (res.fromProxy)
        return {
          status: res.status,
          headers: res.headers,
          fromProxy: true,
          detail: describeProxyAnswer(res.status, url),
        };
      return {
        status: res.status,
        headers: res.headers,
        detail: describe(res.status, res.body, this.opts.dcrImmutableId, req.stream),
      };
    } catch (err) {
      const code = err instanceof NetworkError ? err.code : 'ENETWORK';
      return { errorCode: code, detail: (err as Error).message };
    }
  }

  async close(): Promise<void> {
    this.http.close();
  }
}

function describe(status: number, body: Buffer, dcr: string, stream: string): string {
  if (status >= 200 && status < 300) return `${status} accepted`;
  let serviceMessage = '';
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { code?: string; message?: string } };
    serviceMessage = [parsed.error?.code, parsed.error?.message].filter(Boolean).join(': ').slice(0, 300);
  } catch {
    // not JSON (a proxy's or gateway's page): quote its start
    serviceMessage = body.toString('utf8').slice(0, 200);
  }
  const hint =
    status === 403
      ? ' — the machine identity lacks Monitoring Metrics Publisher on the DCR (or a network ACL blocks it)'
      : status === 404
        ? ` — DCR ${dcr} or stream ${stream} is unknown at this endpoint (check immutableId and endpoint region)`
        : status === 407
          ? ' — the proxy rejected the credentials: check proxy.username / proxy.password in the protected settings'
          : status === 401
            ? ' — the token was rejected (wrong audience or expired)'
            : '';
  return `${status} from DCR ${dcr} stream ${stream}${hint}${serviceMessage ? ` (${serviceMessage})` : ''}`;
}
