// Which proxy (if any) a request to a URL goes through (docs/networking.md): IMDS and HIMDS never use a
// proxy; on Arc, azcmagent's proxy.url wins unless its proxy.bypass lists "AMA" (unauthenticated only);
// otherwise the extension's proxy settings apply, with their bypass list. Credentials are URL-encoded
// into the proxy URL, which is never logged. Only http-client.ts calls resolveProxy.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ProxyConfig } from '../../config/index.js';

export interface ResolvedProxy {
  /** http(s)://[user:pass@]host:port — contains secrets, never log it. */
  url: string;
  /** Loggable description without credentials. */
  display: string;
  source: 'settings' | 'arc';
}

/** IMDS and HIMDS (localhost:40342) hosts; the token client never passes a proxy anyway (defence in depth). */
const NEVER_PROXIED = ['169.254.169.254', 'localhost'];

export interface ArcLocalConfig {
  proxyUrl?: string;
  bypassAma: boolean;
}

/** Everything that decides a request's proxy: the extension's settings and, on Arc, azcmagent's. */
export interface ProxyRoute {
  settings: ProxyConfig;
  arc?: ArcLocalConfig;
}

/** The proxy route for this machine: on Arc (identity from HIMDS) azcmagent's local config joins the settings. */
export function proxyRoute(settings: ProxyConfig, machine: { arc: boolean; root: string }): ProxyRoute {
  return { settings, arc: machine.arc ? readArcLocalConfig(machine.root) : undefined };
}

/** Reads azcmagent's localconfig.json (under OPEN_AMA_ROOT in tests); absent → undefined. */
export function readArcLocalConfig(root: string): ArcLocalConfig | undefined {
  try {
    const raw = JSON.parse(readFileSync(path.join(root, 'var/opt/azcmagent/localconfig.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const bypass = Array.isArray(raw['proxy.bypass']) ? (raw['proxy.bypass'] as unknown[]).map(String) : [];
    const url = typeof raw['proxy.url'] === 'string' && raw['proxy.url'].length > 0 ? raw['proxy.url'] : undefined;
    return { proxyUrl: url, bypassAma: bypass.some((b) => b.toUpperCase() === 'AMA') };
  } catch {
    return undefined; // absent or unreadable: azcmagent sets no proxy
  }
}

export function hostMatchesBypass(host: string, patterns: string[]): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return patterns.some((raw) => {
    const p = raw.trim().toLowerCase();
    if (!p) return false;
    if (p === '*') return true;
    if (p.startsWith('*.')) return h.endsWith(p.slice(1)) || h === p.slice(2);
    if (p.startsWith('.')) return h.endsWith(p) || h === p.slice(1);
    return h === p;
  });
}

export function resolveProxy(target: URL, proxy: ProxyConfig, arc?: ArcLocalConfig): ResolvedProxy | undefined {
  const host = target.hostname;
  if (hostMatchesBypass(host, NEVER_PROXIED)) return undefined;
  if (arc?.proxyUrl && !arc.bypassAma) {
    return { url: arc.proxyUrl, display: displayProxy(arc.proxyUrl), source: 'arc' };
  }
  if (proxy.mode !== 'application' || !proxy.address) return undefined;
  if (hostMatchesBypass(host, proxy.bypass)) return undefined;
  const url = new URL(proxy.address);
  if (proxy.username !== undefined && proxy.password !== undefined) {
    // URL setters percent-encode reserved characters (":", "@", "/") in credentials.
    url.username = encodeURIComponent(proxy.username);
    url.password = encodeURIComponent(proxy.password);
  }
  return { url: url.toString(), display: displayProxy(proxy.address), source: 'settings' };
}

function displayProxy(address: string): string {
  try {
    const u = new URL(address);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(invalid proxy address)'; // never echo the raw value: it may hold credentials
  }
}
