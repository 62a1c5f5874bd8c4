// Minimal HTTP(S) client for uploads and token requests: one keep-alive agent per (origin, proxy),
// HTTPS CONNECT tunnelling through an HTTP proxy (https-proxy-agent), TLS verification always on
// (a test CA comes in through NODE_EXTRA_CA_CERTS), a hard timeout, and typed network errors.
// It never retries: retry decisions belong to retry-policy.ts.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import type { ResolvedProxy } from './proxy.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
  timeoutMs?: number;
  proxy?: ResolvedProxy;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A request that never got an HTTP response (DNS, refused, reset, timeout, proxy tunnel failure). */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'NetworkError';
  }
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;

export interface HttpClientOptions {
  /** Extra trusted CAs (PEM) on top of Node's roots — in-process tests; processes use NODE_EXTRA_CA_CERTS. */
  extraCa?: string[];
}

export class HttpClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly ca?: string[];

  constructor(opts: HttpClientOptions = {}) {
    this.ca = opts.extraCa && opts.extraCa.length > 0 ? [...tls.rootCertificates, ...opts.extraCa] : undefined;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const agent = this.agentFor(req.url, req.proxy);
    const mod = req.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body) headers['content-length'] = String(req.body.length);
    return new Promise<HttpResponse>((resolve, reject) => {
      // With a proxy, TLS to the target is set up by the agent from these request options, so the CA goes here.
      const tlsOptions = this.ca && req.url.protocol === 'https:' ? { ca: this.ca } : {};
      const r = mod.request(
        req.url,
        { method: req.method, headers, agent, timeout: req.timeoutMs ?? 30_000, ...tlsOptions },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', (err) => reject(toNetworkError(err, req)));
        },
      );
      r.on('timeout', () =>
        r.destroy(Object.assign(new Error(`timed out after ${req.timeoutMs ?? 30_000} ms`), { code: 'ETIMEDOUT' })),
      );
      r.on('error', (err) => reject(toNetworkError(err, req)));
      r.end(req.body);
    });
  }

  close(): void {
    for (const agent of this.agents.values()) agent.destroy();
    this.agents.clear();
  }

  private agentFor(url: URL, proxy: ResolvedProxy | undefined): http.Agent {
    const key = `${url.protocol}//${url.host}|${proxy?.url ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      if (proxy) {
        agent = new HttpsProxyAgent(proxy.url, { keepAlive: true, maxSockets: 8, ...(this.ca ? { ca: this.ca } : {}) });
      } else {
        agent =
          url.protocol === 'https:'
            ? new https.Agent({ keepAlive: true, maxSockets: 8, ...(this.ca ? { ca: this.ca } : {}) })
            : new http.Agent({ keepAlive: true, maxSockets: 8 });
      }
      this.agents.set(key, agent);
    }
    return agent;
  }
}

function toNetworkError(err: Error, req: HttpRequest): NetworkError {
  const code = (err as NodeJS.ErrnoException).code ?? 'ENETWORK';
  const via = req.proxy ? ` via proxy ${req.proxy.display}` : '';
  return new NetworkError(`${req.method} ${req.url.origin}${req.url.pathname}${via} failed: ${err.message}`, code, {
    cause: err,
  });
}
