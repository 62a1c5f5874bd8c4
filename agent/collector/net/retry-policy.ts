// Retry decisions, separate from transport (STYLE.md, docs/architecture.md): a pure function from an upload
// outcome to an action, plus backoff with full jitter and Retry-After parsing. Unit-tested without a
// network. 2xx → success; 429/503 → wait Retry-After; 5xx/408/network → exponential backoff;
// 413 → split; 400 → drop (counted); 401 → refresh the token once, then degrade; 403/404/407 →
// degrade with long backoff (RBAC, configuration or proxy problems fix themselves slowly). A status the
// proxy gave (it refused the CONNECT tunnel, HttpResponse.fromProxy) is never the service's: 401/407/403
// degrade (credentials or proxy rules), anything else is retried; never a drop, split or token refresh.

export type RetryAction = 'success' | 'retry' | 'split' | 'drop' | 'refresh-token' | 'degrade';

export interface RetryVerdict {
  action: RetryAction;
  delayMs?: number;
  reason: string;
}

export const BASE_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 60_000;
export const LONG_BACKOFF_MS = 5 * 60_000;
export const MAX_RETRY_AFTER_MS = 10 * 60_000;
/** RBAC, configuration and proxy problems do not fix themselves in milliseconds: wait at least this. */
export const DEGRADE_MIN_DELAY_MS = 5_000;

type Headers = Record<string, string | string[] | undefined>;

function header(h: Headers | undefined, name: string): string | undefined {
  if (!h) return undefined;
  const v = h[name] ?? h[name.toLowerCase()] ?? Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After in ms from retry-after-ms, x-ms-retry-after-ms or Retry-After (seconds or HTTP date). */
export function parseRetryAfter(h: Headers | undefined, now: number = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const v = Number(header(h, name));
    if (Number.isFinite(v) && v >= 0 && header(h, name) !== undefined) return Math.min(v, MAX_RETRY_AFTER_MS);
  }
  const ra = header(h, 'retry-after');
  if (ra === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.min(Number(ra) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP date always names its month; without this, Date.parse('-5') is a date in 2001 (retry now).
  if (!/[A-Za-z]{3}/.test(ra)) return undefined;
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.min(Math.max(0, date - now), MAX_RETRY_AFTER_MS);
}

/** Full-jitter exponential backoff: random in [0, min(cap, base·2^attempt)], never below 100 ms. */
export function nextBackoffMs(
  attempt: number,
  o: { baseMs?: number; capMs?: number; random?: () => number } = {},
): number {
  const cap = Math.min(o.capMs ?? MAX_BACKOFF_MS, (o.baseMs ?? BASE_BACKOFF_MS) * 2 ** Math.min(attempt, 20));
  return Math.max(100, Math.round((o.random ?? Math.random)() * cap));
}

export function classifyResponse(
  o: { status?: number; errorCode?: string; headers?: Headers; fromProxy?: boolean },
  attempt = 1,
  random: () => number = Math.random,
): RetryVerdict {
  const s = o.status;
  if (o.fromProxy && s !== undefined) {
    if (s === 401 || s === 407 || s === 403)
      return {
        action: 'degrade',
        delayMs: Math.max(DEGRADE_MIN_DELAY_MS, nextBackoffMs(attempt + 3, { random, capMs: LONG_BACKOFF_MS })),
        reason: s === 403 ? 'the proxy refused the tunnel (403)' : `proxy authentication failed (${s})`,
      };
    return { action: 'retry', delayMs: nextBackoffMs(attempt, { random }), reason: `the proxy answered ${s}` };
  }
  if (s === undefined) {
    return {
      action: 'retry',
      delayMs: nextBackoffMs(attempt, { random }),
      reason: `network error ${o.errorCode ?? ''}`.trim(),
    };
  }
  if (s >= 200 && s < 300) return { action: 'success', reason: `${s}` };
  if (s === 429 || s === 503) {
    return {
      action: 'retry',
      delayMs: parseRetryAfter(o.headers) ?? nextBackoffMs(attempt, { random }),
      reason: s === 429 ? 'throttled (429)' : 'service unavailable (503)',
    };
  }
  if (s === 413) return { action: 'split', reason: 'payload too large (413)' };
  if (s === 400) return { action: 'drop', reason: 'rejected as malformed (400)' };
  if (s === 401)
    return {
      action: 'refresh-token',
      delayMs: nextBackoffMs(attempt, { random, capMs: LONG_BACKOFF_MS }),
      reason: 'unauthorized (401)',
    };
  if (s === 403 || s === 404 || s === 407) {
    return {
      action: 'degrade',
      delayMs: Math.max(DEGRADE_MIN_DELAY_MS, nextBackoffMs(attempt + 3, { random, capMs: LONG_BACKOFF_MS })),
      reason: `${s}`,
    };
  }
  if (s === 408 || s >= 500) return { action: 'retry', delayMs: nextBackoffMs(attempt, { random }), reason: `${s}` };
  // Unknown 4xx: keep the data and back off long; an operator can act on the status message.
  return {
    action: 'degrade',
    delayMs: Math.max(DEGRADE_MIN_DELAY_MS, nextBackoffMs(attempt + 3, { random, capMs: LONG_BACKOFF_MS })),
    reason: `unexpected status ${s}`,
  };
}
