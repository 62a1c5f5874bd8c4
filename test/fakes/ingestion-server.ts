// Loopback HTTPS stand-in for the Logs Ingestion API (docs/azure-interfaces.md §4): checks the URL shape, api-version,
// bearer token, gzip, ≤ 1 MB, JSON array; records every accepted record per (dcr, stream); can inject
// failures (429 with Retry-After, 503, 413, 400, 403), delays, and be taken down and brought back.
import { gunzipSync } from 'node:zlib';
import type { TestCa } from './test-ca.js';
import { LoopbackHttpsFake } from './loopback-https-fake.js';

export interface ReceivedRequest {
  dcr: string;
  stream: string;
  records: Record<string, unknown>[];
  uncompressedBytes: number;
  compressedBytes: number;
  authorization: string;
}

export type Injection = { status: number; headers?: Record<string, string>; body?: string; times: number };

export interface FakeIngestionOptions {
  /** Keep every accepted request in `accepted` (default true; benchmarks turn it off to bound memory). */
  retainRecords?: boolean;
  /** Called for every accepted request with its arrival time (epoch ms, sub-ms precision) — latency benchmarks. */
  onAccepted?: (req: ReceivedRequest, arrivedAtMs: number) => void;
}

export class FakeIngestionServer extends LoopbackHttpsFake {
  readonly accepted: ReceivedRequest[] = [];
  requests = 0;
  /** Records accepted so far (counted even when not retained). */
  acceptedRecords = 0;
  expectedToken = 'test-ingestion-token';
  delayMs = 0;
  private injections: Injection[] = [];

  constructor(
    ca: TestCa,
    private readonly options: FakeIngestionOptions = {},
  ) {
    super(ca);
  }

  inject(i: Injection): void {
    this.injections.push({ ...i });
  }

  records(stream?: string): Record<string, unknown>[] {
    return this.accepted.filter((r) => !stream || r.stream === stream).flatMap((r) => r.records);
  }

  protected handle(
    req: import('node:http').IncomingMessage,
    raw: Buffer,
    res: import('node:http').ServerResponse,
  ): void {
    const arrivedAtMs = performance.timeOrigin + performance.now();
    setTimeout(() => this.respond(req, raw, res, arrivedAtMs), this.delayMs);
  }

  private respond(
    req: import('node:http').IncomingMessage,
    raw: Buffer,
    res: import('node:http').ServerResponse,
    arrivedAtMs: number,
  ): void {
    this.requests++;
    const url = new URL(req.url ?? '/', this.url);
    const m = /^\/dataCollectionRules\/([^/]+)\/streams\/([^/]+)$/.exec(url.pathname);
    if (req.method !== 'POST' || !m) return this.reject(res, 404, `unknown path ${url.pathname}`);
    if (url.searchParams.get('api-version') !== '2023-01-01')
      return this.reject(res, 400, 'api-version must be 2023-01-01');
    if (req.headers.authorization !== `Bearer ${this.expectedToken}`) return this.reject(res, 401, 'bad token');
    const injection = this.injections.find((i) => i.times > 0);
    if (injection) {
      injection.times--;
      return this.reject(res, injection.status, injection.body ?? `injected ${injection.status}`, injection.headers);
    }
    let body = raw;
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(raw);
    if (body.length > 1_000_000 || raw.length > 1_000_000)
      return this.reject(res, 413, `payload ${body.length} bytes exceeds 1 MB`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return this.reject(res, 400, 'body is not JSON');
    }
    if (!Array.isArray(parsed)) return this.reject(res, 400, 'body must be a JSON array');
    const received: ReceivedRequest = {
      dcr: decodeURIComponent(m[1]!),
      stream: decodeURIComponent(m[2]!),
      records: parsed as Record<string, unknown>[],
      uncompressedBytes: body.length,
      compressedBytes: raw.length,
      authorization: req.headers.authorization ?? '',
    };
    this.acceptedRecords += received.records.length;
    if (this.options.retainRecords !== false) this.accepted.push(received);
    this.options.onAccepted?.(received, arrivedAtMs);
    res.writeHead(204).end();
  }
}
