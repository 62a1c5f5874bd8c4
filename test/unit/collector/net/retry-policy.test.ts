// The retry policy as a pure function (docs/architecture.md, docs/azure-interfaces.md §4.3): table tests from an upload outcome
// to an action — 429/503 honour Retry-After (seconds, HTTP date, retry-after-ms), 5xx/408/network back
// off exponentially with full jitter inside [100 ms, cap], 413 splits, 400 drops with a reason, 401
// refreshes the token (the worker does it once, then degrades), 403/404/407 degrade with a long wait; a status
// the proxy gave (fromProxy) degrades for 401/403/407 and is retried otherwise — never a drop, split or refresh.
import { describe, expect, test } from '@jest/globals';
import {
  BASE_BACKOFF_MS,
  DEGRADE_MIN_DELAY_MS,
  LONG_BACKOFF_MS,
  MAX_BACKOFF_MS,
  MAX_RETRY_AFTER_MS,
  classifyResponse,
  nextBackoffMs,
  parseRetryAfter,
  type RetryAction,
} from '../../../../agent/collector/net/retry-policy.js';

const NOW = Date.parse('2026-11-25T10:00:00Z');
const fixed = (r: number) => (): number => r;

describe('parseRetryAfter', () => {
  test.each<[string, Record<string, string>, number | undefined]>([
    ['delta seconds', { 'retry-after': '7' }, 7_000],
    ['fractional seconds', { 'retry-after': '1.5' }, 1_500],
    ['zero', { 'retry-after': '0' }, 0],
    ['header name in any case', { 'Retry-After': '3' }, 3_000],
    ['HTTP date (IMF-fixdate) in the future', { 'retry-after': 'Wed, 25 Nov 2026 10:00:30 GMT' }, 30_000],
    ['HTTP date in the past means now', { 'retry-after': 'Wed, 25 Nov 2026 09:59:00 GMT' }, 0],
    ['retry-after-ms wins over Retry-After', { 'retry-after-ms': '250', 'retry-after': '9' }, 250],
    ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '1200' }, 1_200],
    ['a huge value is capped', { 'retry-after': '86400' }, MAX_RETRY_AFTER_MS],
    ['a far-future date is capped', { 'retry-after': 'Fri, 25 Dec 2026 10:00:00 GMT' }, MAX_RETRY_AFTER_MS],
    ['absent', {}, undefined],
    ['garbage', { 'retry-after': 'soon' }, undefined],
    ['a negative number is not a date', { 'retry-after': '-5' }, undefined],
    ['a bare number with junk is not a date', { 'retry-after': '12 monkeys' }, undefined],
  ])('%s', (_name, headers, expected) => {
    expect(parseRetryAfter(headers, NOW)).toBe(expected);
  });

  test('array-valued headers use the first value', () => {
    expect(parseRetryAfter({ 'retry-after': ['4', '9'] }, NOW)).toBe(4_000);
  });
});

describe('nextBackoffMs: exponential with full jitter, floor and cap', () => {
  test.each([0, 1, 2, 3, 5, 8, 20, 50, 1000])(
    'attempt %i stays within [100 ms, min(cap, base·2^attempt)]',
    (attempt) => {
      const ceiling = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(attempt, 20));
      for (const r of [0, 0.01, 0.25, 0.5, 0.999999, 1]) {
        const ms = nextBackoffMs(attempt, { random: fixed(r) });
        expect(ms).toBeGreaterThanOrEqual(100);
        expect(ms).toBeLessThanOrEqual(Math.max(100, ceiling));
      }
      expect(nextBackoffMs(attempt, { random: fixed(1) })).toBe(Math.max(100, ceiling));
    },
  );

  test('jitter spreads the wait: different random draws give different delays', () => {
    const delays = new Set([0.1, 0.4, 0.7, 0.95].map((r) => nextBackoffMs(6, { random: fixed(r) })));
    expect(delays.size).toBe(4);
  });

  test('the ceiling grows with the attempt until the cap, then stays', () => {
    const ceilings = [0, 1, 2, 3, 4, 5, 6, 7, 8, 30].map((a) => nextBackoffMs(a, { random: fixed(1) }));
    for (let i = 1; i < ceilings.length; i++) expect(ceilings[i]).toBeGreaterThanOrEqual(ceilings[i - 1]!);
    expect(ceilings.at(-1)).toBe(MAX_BACKOFF_MS);
  });

  test('base and cap can be chosen', () => {
    expect(nextBackoffMs(10, { baseMs: 10, capMs: 500, random: fixed(1) })).toBe(500);
    expect(nextBackoffMs(1, { baseMs: 300, random: fixed(1) })).toBe(600);
  });
});

describe('classifyResponse', () => {
  type Row = [
    string,
    { status?: number; errorCode?: string; headers?: Record<string, string> },
    RetryAction,
    [number, number] | 'none' | number,
    RegExp,
  ];
  const backoff1: [number, number] = [100, BASE_BACKOFF_MS * 2];
  const long: [number, number] = [DEGRADE_MIN_DELAY_MS, LONG_BACKOFF_MS];
  test.each<Row>([
    ['204 is success', { status: 204 }, 'success', 'none', /204/],
    ['200 is success too', { status: 200 }, 'success', 'none', /200/],
    [
      '429 with Retry-After seconds waits exactly that',
      { status: 429, headers: { 'retry-after': '12' } },
      'retry',
      12_000,
      /throttled/,
    ],
    [
      '429 with an HTTP date waits until then',
      { status: 429, headers: { 'retry-after': new Date(Date.now() + 300_000).toUTCString() } },
      'retry',
      [298_000, 300_000],
      /429/,
    ],
    ['429 without Retry-After backs off', { status: 429 }, 'retry', backoff1, /429/],
    [
      '503 with Retry-After waits that',
      { status: 503, headers: { 'retry-after': '2' } },
      'retry',
      2_000,
      /unavailable/,
    ],
    ['500 backs off', { status: 500 }, 'retry', backoff1, /500/],
    ['502 backs off', { status: 502 }, 'retry', backoff1, /502/],
    ['504 backs off', { status: 504 }, 'retry', backoff1, /504/],
    ['408 backs off', { status: 408 }, 'retry', backoff1, /408/],
    ['connection refused backs off', { errorCode: 'ECONNREFUSED' }, 'retry', backoff1, /network error ECONNREFUSED/],
    ['timeout backs off', { errorCode: 'ETIMEDOUT' }, 'retry', backoff1, /ETIMEDOUT/],
    ['a token failure (no response) backs off', { errorCode: 'ETOKEN' }, 'retry', backoff1, /ETOKEN/],
    ['413 splits', { status: 413 }, 'split', 'none', /too large/],
    ['400 drops with a reason', { status: 400 }, 'drop', 'none', /rejected as malformed \(400\)/],
    ['401 refreshes the token', { status: 401 }, 'refresh-token', [100, LONG_BACKOFF_MS], /unauthorized/],
    ['403 degrades with a long wait (no hot loop on RBAC)', { status: 403 }, 'degrade', long, /403/],
    ['404 degrades with a long wait', { status: 404 }, 'degrade', long, /404/],
    ['407 degrades with a long wait', { status: 407 }, 'degrade', long, /407/],
    ['an unexpected 4xx keeps the data and degrades', { status: 418 }, 'degrade', long, /unexpected status 418/],
  ])('%s', (_name, outcome, action, delay, reason) => {
    for (const r of [0, 0.5, 1]) {
      const v = classifyResponse(outcome, 1, fixed(r));
      expect(v.action).toBe(action);
      expect(v.reason).toMatch(reason);
      if (delay === 'none') expect(v.delayMs).toBeUndefined();
      else if (typeof delay === 'number') expect(v.delayMs).toBe(delay);
      else {
        expect(v.delayMs).toBeGreaterThanOrEqual(delay[0]);
        expect(v.delayMs).toBeLessThanOrEqual(delay[1]);
      }
    }
  });

  test('retryable errors wait longer (at most the cap) as attempts grow', () => {
    const at = (attempt: number) => classifyResponse({ status: 500 }, attempt, fixed(1)).delayMs!;
    expect(at(1)).toBeLessThan(at(3));
    expect(at(3)).toBeLessThan(at(5));
    expect(at(40)).toBe(MAX_BACKOFF_MS);
    expect(classifyResponse({ errorCode: 'ECONNRESET' }, 40, fixed(1)).delayMs).toBe(MAX_BACKOFF_MS);
  });

  test('degraded states never wait less than the degrade minimum nor more than the long cap', () => {
    for (const attempt of [1, 2, 5, 50]) {
      for (const r of [0, 0.3, 1]) {
        const d = classifyResponse({ status: 403 }, attempt, fixed(r)).delayMs!;
        expect(d).toBeGreaterThanOrEqual(DEGRADE_MIN_DELAY_MS);
        expect(d).toBeLessThanOrEqual(LONG_BACKOFF_MS);
      }
    }
  });

  test('Retry-After on 429 is honoured even when backoff would be longer or shorter', () => {
    expect(classifyResponse({ status: 429, headers: { 'retry-after': '1' } }, 30, fixed(1)).delayMs).toBe(1_000);
    expect(classifyResponse({ status: 429, headers: { 'retry-after': '300' } }, 1, fixed(0)).delayMs).toBe(300_000);
  });

  test('a 429 with an unusable Retry-After falls back to backoff instead of retrying at once', () => {
    for (const ra of ['-5', 'soon', '1e3']) {
      const v = classifyResponse({ status: 429, headers: { 'retry-after': ra } }, 1, fixed(1));
      expect(v.delayMs).toBe(BASE_BACKOFF_MS * 2);
    }
  });
});

describe('classifyResponse: the proxy refused the tunnel (fromProxy)', () => {
  test.each<[number, RetryAction, RegExp]>([
    [407, 'degrade', /proxy authentication failed \(407\)/],
    [401, 'degrade', /proxy authentication failed \(401\)/], // tinyproxy's answer to wrong credentials
    [403, 'degrade', /proxy refused the tunnel/],
    [400, 'retry', /the proxy answered 400/], // not the service rejecting the batch: nothing is dropped
    [413, 'retry', /the proxy answered 413/],
    [500, 'retry', /the proxy answered 500/],
    [502, 'retry', /the proxy answered 502/],
  ])('%i from the proxy → %s', (status, action, reason) => {
    const v = classifyResponse({ status, fromProxy: true }, 1, fixed(0.5));
    expect(v.action).toBe(action);
    expect(v.reason).toMatch(reason);
    expect(v.delayMs).toBeGreaterThanOrEqual(action === 'degrade' ? DEGRADE_MIN_DELAY_MS : 100);
  });

  test('the same statuses from the service keep their meaning', () => {
    expect(classifyResponse({ status: 401 }).action).toBe('refresh-token');
    expect(classifyResponse({ status: 400 }).action).toBe('drop');
    expect(classifyResponse({ status: 413 }).action).toBe('split');
  });
});
