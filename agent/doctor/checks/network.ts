// endpoint, proxy, tls, clock: one GET to each upload endpoint (Logs Ingestion: a DCE or the DCR's own;
// the regional custom-metrics endpoint for an Azure Monitor Metrics destination) through
// the product's HTTP client with the configured proxy route (extension settings, or azcmagent's on Arc),
// so the doctor sees exactly the path uploads take. Any HTTP answer from the endpoint proves DNS,
// routing, the proxy and TLS; no data and no token are sent. The proxy's own answers (407, a refused
// tunnel) and TLS errors are told apart and named; the endpoint's Date header gives the clock skew.
import { HttpClient, NetworkError, type HttpResponse, proxyRoute } from '../../collector/net/index.js';
import type { PipelineGraph } from '../../collector/pipeline/index.js';
import type { DoctorContext } from '../context.js';
import { worst, type CheckResult, type Verdict } from '../report.js';

/**
 * The proxy refused our credentials: 407 Proxy Authentication Required is the standard answer; some
 * proxies (tinyproxy 1.11) answer a CONNECT with 401 and a WWW-Authenticate challenge instead.
 */
export function isProxyAuthFailure(status: number): boolean {
  return status === 407 || status === 401;
}

/** Skew beyond this fails: Entra ID tokens and TLS validity windows allow about five minutes. */
export const CLOCK_FAIL_MS = 5 * 60_000;
export const CLOCK_WARN_MS = 60_000;

const TLS_CODES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate chain does not lead to a trusted CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuing CA is not trusted here',
  UNABLE_TO_GET_ISSUER_CERT: 'the issuing CA is not trusted here',
  SELF_SIGNED_CERT_IN_CHAIN: 'a self-signed certificate is in the chain (a TLS-inspecting proxy?)',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the endpoint presents a self-signed certificate',
  CERT_HAS_EXPIRED: 'the certificate has expired (or the local clock is ahead)',
  CERT_NOT_YET_VALID: 'the certificate is not yet valid (or the local clock is behind)',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate is for another host name',
  CERT_REVOKED: 'the certificate is revoked',
  EPROTO: 'the TLS handshake failed (protocol mismatch, or not TLS at all)',
  ERR_SSL_WRONG_VERSION_NUMBER: 'the other side does not speak TLS',
};

type Probe =
  | { kind: 'reached'; endpoint: string; status: number; date?: string; proxied?: string }
  | { kind: 'proxy-answered'; endpoint: string; status: number; proxied: string }
  | { kind: 'tls'; endpoint: string; code: string; message: string; proxied?: string }
  | { kind: 'network'; endpoint: string; code: string; message: string; proxied?: string; atProxy: boolean };

async function probe(client: HttpClient, endpoint: string): Promise<Probe> {
  const url = new URL('/', endpoint);
  const proxy = client.proxyFor(url);
  const proxied = proxy?.display;
  let res: HttpResponse;
  try {
    res = await client.request({ method: 'GET', url });
  } catch (err) {
    const code = err instanceof NetworkError ? err.code : 'ENETWORK';
    const message = (err as Error).message;
    if (code in TLS_CODES || /certificate|tls|ssl/i.test(message))
      return { kind: 'tls', endpoint, code, message, proxied };
    // A connect error naming the proxy's address happened on the way to the proxy, not to the endpoint.
    const atProxy = proxy !== undefined && proxyHostPort(proxy.display).some((hp) => message.includes(hp));
    return { kind: 'network', endpoint, code, message, proxied, atProxy };
  }
  if (res.fromProxy) return { kind: 'proxy-answered', endpoint, status: res.status, proxied: proxied ?? 'proxy' };
  const date = res.headers.date;
  return { kind: 'reached', endpoint, status: res.status, ...(date ? { date } : {}), ...(proxied ? { proxied } : {}) };
}

function proxyHostPort(display: string): string[] {
  try {
    const u = new URL(display);
    const port = u.port || (u.protocol === 'https:' ? '443' : '80');
    return [`${u.hostname}:${port}`];
  } catch {
    return [];
  }
}

/**
 * The endpoints uploads go to: each Logs Ingestion endpoint, and for an Azure Monitor Metrics destination the
 * regional metrics endpoint (OPEN_AMA_METRICS_URL, else https://<region>.monitoring.azure.com, the region from
 * instance metadata) as the metrics uploader builds it.
 */
export function endpointsOf(
  graph: PipelineGraph | undefined,
  o: { env?: NodeJS.ProcessEnv; location?: string } = {},
): string[] {
  const out = new Set<string>();
  for (const d of graph?.destinations ?? []) {
    if (d.kind === 'logs-ingestion' && d.endpoint) out.add(d.endpoint);
    if (d.kind === 'metrics') {
      const base =
        o.env?.OPEN_AMA_METRICS_URL ?? (o.location ? `https://${o.location}.monitoring.azure.com` : undefined);
      if (base) out.add(base.replace(/\/+$/, ''));
    }
  }
  return [...out].sort();
}

export async function checkNetwork(
  ctx: DoctorContext,
  graph: PipelineGraph | undefined,
  location?: string,
): Promise<CheckResult[]> {
  const endpoints = endpointsOf(graph, { env: ctx.env, location });
  const config = ctx.config;
  const proxySetting = config?.proxy;
  const proxyDesc =
    proxySetting?.mode === 'application' && proxySetting.address
      ? `proxy ${safeOrigin(proxySetting.address)}${proxySetting.password !== undefined ? ' with credentials' : ''}`
      : 'no proxy in the settings';
  if (endpoints.length === 0) {
    const none = (id: string, title: string): CheckResult => ({
      id,
      title,
      verdict: 'ok',
      cause: 'not used: no DCR sends to the Logs Ingestion API or Azure Monitor Metrics',
      fix: '',
    });
    return [
      none('endpoint', 'ingestion endpoint'),
      none('proxy', 'proxy'),
      none('tls', 'TLS'),
      none('clock', 'clock skew'),
    ];
  }
  const client = new HttpClient({
    proxy: config ? proxyRoute(config.proxy, { arc: ctx.identity.kind === 'arc', root: ctx.paths.root }) : undefined,
    idleTimeoutMs: ctx.timeoutMs,
    deadlineMs: ctx.timeoutMs,
    maxResponseBytes: 64 * 1024,
  });
  let probes: Probe[];
  try {
    probes = await Promise.all(endpoints.map((e) => probe(client, e)));
  } finally {
    client.close();
  }
  return [endpointCheck(probes), proxyCheck(probes, proxyDesc), tlsCheck(probes), clockCheck(probes)];
}

function safeOrigin(address: string): string {
  try {
    const u = new URL(address);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid address)';
  }
}

function via(p: { proxied?: string }): string {
  return p.proxied ? ` via ${p.proxied}` : ' (direct)';
}

function endpointCheck(probes: Probe[]): CheckResult {
  const details: string[] = [];
  const verdicts: Verdict[] = [];
  const causes: string[] = [];
  let fix = '';
  for (const p of probes) {
    if (p.kind === 'reached') {
      verdicts.push('ok');
      details.push(`${p.endpoint}: reachable${via(p)}, answered HTTP ${p.status}`);
    } else if (p.kind === 'proxy-answered') {
      if (isProxyAuthFailure(p.status)) {
        verdicts.push('fail');
        causes.push(`${p.endpoint} not reached: the proxy refused our credentials (see proxy)`);
        details.push(`${p.endpoint}: not reached, proxy answered ${p.status}`);
        fix ||= 'fix the proxy credentials (see proxy)';
      } else {
        verdicts.push('fail');
        causes.push(
          `${p.endpoint} not reached: the proxy ${p.proxied} answered ${p.status} to the tunnel request (it could not reach the endpoint, or its rules forbid it)`,
        );
        details.push(`${p.endpoint}: proxy answered ${p.status}`);
        fix ||= `allow ${hostOf(p.endpoint)} on the proxy (CONNECT), and check the endpoint from the proxy's side`;
      }
    } else if (p.kind === 'network') {
      verdicts.push('fail');
      if (p.atProxy) {
        causes.push(`${p.endpoint} not reached: the proxy ${p.proxied} is not reachable (${p.code})`);
        fix ||= 'check proxy.address in the settings and that the proxy runs';
      } else {
        causes.push(`${p.endpoint} not reachable${via(p)}: ${describeCode(p.code)} (${p.message})`);
        fix ||= `check DNS and the firewall for ${hostOf(p.endpoint)} (outbound HTTPS to *.ingest.monitor.azure.com; a private-link DCE needs its private DNS zone); the data waits on disk meanwhile`;
      }
      details.push(`${p.endpoint}: ${p.code}`);
    } else {
      verdicts.push('fail');
      causes.push(`${p.endpoint}: TLS failed (see TLS)`);
      details.push(`${p.endpoint}: TLS ${p.code}`);
      fix ||= 'see the TLS check';
    }
  }
  const verdict = worst(verdicts);
  return {
    id: 'endpoint',
    title: 'ingestion endpoint',
    verdict,
    cause: verdict === 'ok' ? `${probes.length} endpoint(s) reachable${via(probes[0]!)}` : causes.join('; '),
    fix: verdict === 'ok' ? '' : fix,
    details,
  };
}

function proxyCheck(probes: Probe[], desc: string): CheckResult {
  const base = { id: 'proxy', title: 'proxy' };
  const auth = probes.find(
    (p): p is Extract<Probe, { kind: 'proxy-answered' }> => p.kind === 'proxy-answered' && isProxyAuthFailure(p.status),
  );
  if (auth)
    return {
      ...base,
      verdict: 'fail',
      cause: `the proxy ${auth.proxied} answered ${auth.status} (${auth.status === 407 ? 'Proxy Authentication Required' : 'Unauthorized'}) to the tunnel request: proxy password wrong (or the user name, or no credentials sent)`,
      fix: 'set the right proxy.username / proxy.password in the protected settings (and proxy.auth true in the public settings), then run enable again',
    };
  const unreachable = probes.find((p) => p.kind === 'network' && p.atProxy);
  if (unreachable && unreachable.kind === 'network')
    return {
      ...base,
      verdict: 'fail',
      cause: `the proxy ${unreachable.proxied} is not reachable: ${describeCode(unreachable.code)}`,
      fix: 'check proxy.address (host and port) in the settings and that the proxy is up',
    };
  const refused = probes.find((p) => p.kind === 'proxy-answered');
  if (refused)
    return {
      ...base,
      verdict: 'warn',
      cause: `${desc}: it accepted our credentials but answered ${refused.status} to the tunnel (see ingestion endpoint)`,
      fix: `allow CONNECT to ${hostOf(refused.endpoint)} on the proxy`,
    };
  const proxied = probes.find((p) => 'proxied' in p && p.proxied);
  return {
    ...base,
    verdict: 'ok',
    cause: proxied
      ? `${desc}: tunnel to the endpoint established through ${proxied.proxied}`
      : `${desc}: uploads go direct`,
    fix: '',
  };
}

function tlsCheck(probes: Probe[]): CheckResult {
  const bad = probes.filter((p): p is Extract<Probe, { kind: 'tls' }> => p.kind === 'tls');
  if (bad.length === 0) {
    const reached = probes.filter((p) => p.kind === 'reached').length;
    return reached
      ? { id: 'tls', title: 'TLS', verdict: 'ok', cause: `certificate verified for ${reached} endpoint(s)`, fix: '' }
      : {
          id: 'tls',
          title: 'TLS',
          verdict: 'warn',
          cause: 'not checked: no TLS session got that far (see ingestion endpoint)',
          fix: 'fix the ingestion endpoint check first',
        };
  }
  const inspecting = bad.some((p) => p.proxied && /SELF_SIGNED|ISSUER/.test(p.code));
  return {
    id: 'tls',
    title: 'TLS',
    verdict: 'fail',
    cause: bad.map((p) => `${p.endpoint}: ${p.code}: ${TLS_CODES[p.code] ?? p.message}`).join('; '),
    fix: inspecting
      ? "the proxy inspects TLS: exempt the Azure Monitor endpoints from inspection, or add its CA to the system trust store (NODE_EXTRA_CA_CERTS for the agent's service)"
      : /EXPIRED|NOT_YET_VALID/.test(bad[0]!.code)
        ? 'check the clock (see clock skew) and that no device in between presents its own certificate'
        : "make sure nothing in between presents its own certificate; the system CA store must hold the endpoint's issuing CA",
  };
}

function clockCheck(probes: Probe[]): CheckResult {
  const dated = probes.filter((p): p is Extract<Probe, { kind: 'reached' }> => p.kind === 'reached' && !!p.date);
  if (dated.length === 0)
    return {
      id: 'clock',
      title: 'clock skew',
      verdict: 'warn',
      cause: 'not measured: no endpoint answered with a Date header',
      fix: 'fix the endpoint check first; meanwhile check that NTP/chrony runs (timedatectl)',
    };
  const p = dated[0]!;
  const remote = Date.parse(p.date!);
  const skew = Date.now() - remote;
  const abs = Math.abs(skew);
  const text = `local clock is ${formatSkew(abs)} ${skew >= 0 ? 'ahead of' : 'behind'} ${hostOf(p.endpoint)} (its Date header: ${p.date})`;
  // The Date header has one-second resolution: anything within 2 s is agreement.
  if (abs < CLOCK_WARN_MS)
    return {
      id: 'clock',
      title: 'clock skew',
      verdict: 'ok',
      cause: abs < 2000 ? `in sync with ${hostOf(p.endpoint)}` : text,
      fix: '',
    };
  return {
    id: 'clock',
    title: 'clock skew',
    verdict: abs >= CLOCK_FAIL_MS ? 'fail' : 'warn',
    cause: text,
    fix: 'synchronise the clock with NTP (timedatectl set-ntp true, or chrony / ntpd); tokens and TLS fail beyond about 5 minutes',
  };
}

function formatSkew(ms: number): string {
  return ms >= 120_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 1000)} s`;
}

/** host:port of an endpoint URL (port 443 when the URL has none). */
function hostOf(endpoint: string): string {
  try {
    const u = new URL(endpoint);
    return `${u.hostname}:${u.port || (u.protocol === 'http:' ? '80' : '443')}`;
  } catch {
    return endpoint;
  }
}

function describeCode(code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the name does not resolve (DNS)';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    default:
      return code;
  }
}
