// The one outbound HTTP(S) client, configured once per destination (the OpenTelemetry Collector's
// confighttp model): the proxy route (extension settings + azcmagent's, with bypass lists — resolved per
// URL by proxy.ts, so IMDS/HIMDS are never proxied), TLS (verification always on; a test CA comes in
// through NODE_EXTRA_CA_CERTS or extraCa), an idle timeout, an overall deadline per exchange and a
// response size cap. One keep-alive agent per (origin, proxy); HTTPS through an HTTP proxy is a CONNECT
// tunnel (https-proxy-agent). It never retries: retry decisions belong to retry-policy.ts.
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import { HttpsProxyAgent } from 'https-proxy-agent';
import { resolveProxy, type ProxyRoute, type ResolvedProxy } from './proxy.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /**
   * True when the proxy itself answered (it refused the CONNECT tunnel: 407 wrong credentials, 403
   * filtered, 5xx could not reach the target) — the status is the proxy's, not the endpoint's.
   */
  fromProxy?: boolean;
}

/** A request that never got a complete HTTP response (DNS, refused, reset, timeout, deadline, size cap, proxy tunnel failure). */
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

export const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
export const DEFAULT_IDLE_TIMEOUT_MS = 30_000;

export interface HttpClientConfig {
  /** The proxy settings requests may go through; absent → always direct (the managed-identity clients). */
  proxy?: ProxyRoute;
  /** Extra trusted CAs (PEM) on top of Node's roots — in-process tests; processes use NODE_EXTRA_CA_CERTS. */
  extraCa?: string[];
  /** A socket silent this long fails the exchange (default 30 s). */
  idleTimeoutMs?: number;
  /** The whole exchange (connect, send, complete response) must finish within this (default 2 × idle). */
  deadlineMs?: number;
  /** A response body over this fails the exchange and destroys its connection (default 4 MiB). */
  maxResponseBytes?: number;
}

export class HttpClient {
  private readonly agents = new Map<string, http.Agent>();
  private readonly ca?: string[];
  private readonly idleTimeoutMs: number;
  private readonly deadlineMs: number;
  private readonly maxResponseBytes: number;

  constructor(private readonly config: HttpClientConfig = {}) {
    this.ca = config.extraCa && config.extraCa.length > 0 ? [...tls.rootCertificates, ...config.extraCa] : undefined;
    this.idleTimeoutMs = config.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    this.deadlineMs = config.deadlineMs ?? 2 * this.idleTimeoutMs;
    this.maxResponseBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  }

  /** The proxy a request to `url` goes through, if any (undefined for a client without a proxy route). */
  proxyFor(url: URL): ResolvedProxy | undefined {
    return this.config.proxy ? resolveProxy(url, this.config.proxy.settings, this.config.proxy.arc) : undefined;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const proxy = this.proxyFor(req.url);
    const agent = this.agentFor(req.url, proxy);
    const mod = req.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (req.body) headers['content-length'] = String(req.body.length);
    const what = `${req.method} ${req.url.origin}${req.url.pathname}${proxy ? ` via proxy ${proxy.display}` : ''}`;
    return new Promise<HttpResponse>((resolve, reject) => {
      let settled = false;
      const settle = (err: NetworkError | undefined, res?: HttpResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline);
        if (err) reject(err);
        else resolve(res!);
      };
      // Fails the exchange and destroys its socket (so a half-read response is never reused).
      const abort = (message: string, code: string): void => {
        settle(new NetworkError(`${what} failed: ${message}`, code));
        r.destroy();
      };
      // With a proxy, TLS to the target is set up by the agent from these request options, so the CA goes here.
      const tlsOptions = this.ca && req.url.protocol === 'https:' ? { ca: this.ca } : {};
      const r = mod.request(
        req.url,
        { method: req.method, headers, agent, timeout: this.idleTimeoutMs, ...tlsOptions },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxResponseBytes)
              abort(`the response is larger than ${this.maxResponseBytes} bytes; connection closed`, 'ETOOLARGE');
            else chunks.push(c);
          });
          // A refused CONNECT is replayed by https-proxy-agent on a plain socket: no TLS means the proxy spoke.
          const fromProxy =
            proxy !== undefined && req.url.protocol === 'https:' && !(res.socket instanceof tls.TLSSocket);
          res.on('end', () =>
            settle(undefined, {
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks),
              ...(fromProxy ? { fromProxy } : {}),
            }),
          );
          res.on('error', (err) => settle(toNetworkError(err, what)));
        },
      );
      const deadline = setTimeout(
        () => abort(`no complete response within the ${this.deadlineMs} ms deadline`, 'ETIMEDOUT'),
        this.deadlineMs,
      );
      r.on('timeout', () => abort(`no data for ${this.idleTimeoutMs} ms (idle timeout)`, 'ETIMEDOUT'));
      r.on('error', (err) => settle(toNetworkError(err, what)));
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

function toNetworkError(err: Error, what: string): NetworkError {
  const code = (err as NodeJS.ErrnoException).code ?? 'ENETWORK';
  return new NetworkError(`${what} failed: ${err.message}`, code, { cause: err });
}
