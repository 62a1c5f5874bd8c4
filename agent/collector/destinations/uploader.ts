// What a destination kind implements: send one prepared body for one lane (destination × stream) and
// report the outcome in terms the retry policy understands. Uploaders never retry or touch queues.

export interface UploadOutcome {
  /** HTTP status, or undefined when no response arrived (network error). */
  status?: number;
  errorCode?: string;
  headers?: Record<string, string | string[] | undefined>;
  /** The status is the proxy's (it refused the tunnel), not the destination's (net/http-client.ts). */
  fromProxy?: boolean;
  /** Short, secret-free description for logs and status ("403 Forbidden: …"). */
  detail: string;
}

export interface UploadRequest {
  /** The stream to upload to (e.g. Custom-OpenAma-Syslog). */
  stream: string;
  /** Serialised JSON records (one Buffer each), in queue order. */
  records: Buffer[];
  /** gzip'd JSON array of `records` (≤ 1 MB uncompressed), ready to send. */
  body: Buffer;
  uncompressedBytes: number;
}

export interface Uploader {
  readonly kind: 'logs-ingestion' | 'metrics' | 'file';
  /** Largest uncompressed request the batcher may build for this uploader. */
  readonly maxRequestBytes: number;
  upload(req: UploadRequest, opts: { forceTokenRefresh: boolean }): Promise<UploadOutcome>;
  close(): Promise<void>;
}

/** The proxy refused the tunnel to the endpoint: its status, never the service's (no DCR or role hint). */
export function describeProxyAnswer(status: number, url: URL): string {
  const why =
    status === 407 || status === 401
      ? 'it rejected the credentials: check proxy.username / proxy.password in the protected settings'
      : status === 403
        ? `its rules forbid ${url.host}: allow CONNECT to it`
        : `it could not reach ${url.host}`;
  return `the proxy answered ${status} to the tunnel request — ${why}`;
}
