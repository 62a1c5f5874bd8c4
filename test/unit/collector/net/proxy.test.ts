import { describe, expect, test } from '@jest/globals';
import { hostMatchesBypass, resolveProxy } from '../../../../agent/collector/net/proxy.js';
import type { ProxyConfig } from '../../../../agent/config/index.js';

const app = (extra: Partial<ProxyConfig> = {}): ProxyConfig => ({
  mode: 'application',
  address: 'http://proxy.example:3128',
  bypass: [],
  ...extra,
});

describe('proxy resolution', () => {
  test('IMDS and HIMDS are never proxied, whatever the settings say', () => {
    for (const u of [
      'http://169.254.169.254/metadata/identity/oauth2/token',
      'http://localhost:40342/metadata/identity/oauth2/token',
    ]) {
      expect(resolveProxy(new URL(u), app())).toBeUndefined();
      expect(resolveProxy(new URL(u), app(), { proxyUrl: 'http://arc-proxy:3128', bypassAma: false })).toBeUndefined();
    }
  });

  test('mode none never proxies', () => {
    expect(resolveProxy(new URL('https://x.ingest.monitor.azure.com'), { mode: 'none', bypass: [] })).toBeUndefined();
  });

  test('credentials are URL-encoded into the proxy URL and kept out of the display form', () => {
    const p = resolveProxy(
      new URL('https://x.ingest.monitor.azure.com'),
      app({ username: 'dom\\user', password: 'p@ss:w/rd%' }),
    );
    expect(p?.url).toBe('http://dom%5Cuser:p%40ss%3Aw%2Frd%25@proxy.example:3128/');
    expect(decodeURIComponent(new URL(p!.url).password)).toBe('p@ss:w/rd%');
    expect(p?.display).toBe('http://proxy.example:3128');
  });

  test('bypass list supports exact hosts, *.suffix and .suffix', () => {
    expect(hostMatchesBypass('a.internal.example', ['*.internal.example'])).toBe(true);
    expect(hostMatchesBypass('internal.example', ['.internal.example'])).toBe(true);
    expect(hostMatchesBypass('evilinternal.example', ['*.internal.example'])).toBe(false);
    expect(
      resolveProxy(new URL('https://a.internal.example/x'), app({ bypass: ['*.internal.example'] })),
    ).toBeUndefined();
  });

  test('on Arc the azcmagent proxy wins over settings unless it bypasses AMA', () => {
    const target = new URL('https://x.ingest.monitor.azure.com');
    expect(resolveProxy(target, app(), { proxyUrl: 'http://arc-proxy:3128', bypassAma: false })?.source).toBe('arc');
    expect(resolveProxy(target, app(), { proxyUrl: 'http://arc-proxy:3128', bypassAma: true })?.source).toBe(
      'settings',
    );
    expect(
      resolveProxy(target, { mode: 'none', bypass: [] }, { proxyUrl: 'http://arc-proxy:3128', bypassAma: false })?.url,
    ).toBe('http://arc-proxy:3128');
  });
});
