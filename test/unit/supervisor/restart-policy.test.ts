// Restart backoff: exponential from the base, capped, jittered within [delay/2, delay]; env overrides
// only accept positive integers.
import { describe, expect, test } from '@jest/globals';
import { DEFAULT_TIMINGS, restartDelayMs, timingsFromEnv } from '../../../agent/supervisor/timings.js';

describe('restart policy', () => {
  test('doubles per crash in the window from 1 s and stays under the 60 s cap, with jitter in [delay/2, delay]', () => {
    const t = DEFAULT_TIMINGS;
    expect([1, 2, 3, 4, 5].map((n) => restartDelayMs(n, t, 0.999999))).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect([1, 2, 3].map((n) => restartDelayMs(n, t, 0))).toEqual([500, 1000, 2000]);
    expect(restartDelayMs(50, t, 1)).toBe(60_000);
    expect(restartDelayMs(50, t, 0)).toBe(30_000);
    expect(restartDelayMs(0, t, 0.999999)).toBe(1000);
  });

  test('test overrides come from OPEN_AMA_* variables and ignore junk', () => {
    const t = timingsFromEnv({
      OPEN_AMA_BACKOFF_BASE_MS: '100',
      OPEN_AMA_WATCHDOG_INTERVAL_MS: 'abc',
      OPEN_AMA_COLLECTOR_STOP_MS: '-5',
      OPEN_AMA_HEALTH_POLL_MS: '500',
    });
    expect(t).toMatchObject({
      backoffBaseMs: 100,
      watchdogIntervalMs: 10_000,
      collectorStopMs: 20_000,
      healthPollMs: 500,
      crashLoopCount: 5,
      crashLoopWindowMs: 300_000,
    });
  });
});
