// Every interval and deadline the supervisor uses, as named constants with their reasons. Idle cost is
// the design constraint: no timer fires more often than every 10 s while nothing happens. Tests may
// shorten a few through OPEN_AMA_* environment variables (never set in production).

export interface SupervisorTimings {
  /** How often the collector is asked for its health (10–30 s keeps the idle cost negligible). */
  healthPollMs: number;
  /** Memory watchdog period: VmRSS of the collector is read from /proc this often. */
  watchdogIntervalMs: number;
  /** Consecutive checks above the limit before a graceful restart (a short spike is tolerated). */
  watchdogStrikes: number;
  /**
   * Liveness: a collector that sends nothing (no answer to the health requests sent every healthPollMs)
   * for this long has a blocked event loop and is killed and restarted. Checked on the watchdog period,
   * so the kill comes within livenessTimeoutMs + watchdogIntervalMs; must exceed healthPollMs.
   */
  livenessTimeoutMs: number;
  /** Restart backoff: base · 2^(crashes−1), capped, with jitter in [delay/2, delay]. */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Crash loop: this many crashes within the window. The supervisor keeps retrying at the cap. */
  crashLoopCount: number;
  crashLoopWindowMs: number;
  /** A collector that stays up this long after a crash loop is considered recovered. */
  stableAfterMs: number;
  /** Graceful stop of the collector ("shutdown", flush) before SIGKILL of its process group. */
  collectorStopMs: number;
  /** After an apply is acknowledged, how long to wait for fresh health to include in the answer. */
  applyHealthWaitMs: number;
}

export const DEFAULT_TIMINGS: Readonly<SupervisorTimings> = {
  healthPollMs: 15_000,
  watchdogIntervalMs: 10_000,
  watchdogStrikes: 3,
  livenessTimeoutMs: 30_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 60_000,
  crashLoopCount: 5,
  crashLoopWindowMs: 5 * 60_000,
  stableAfterMs: 60_000,
  collectorStopMs: 20_000,
  applyHealthWaitMs: 2_000,
};

const ENV_OVERRIDES: Record<string, keyof SupervisorTimings> = {
  OPEN_AMA_HEALTH_POLL_MS: 'healthPollMs',
  OPEN_AMA_WATCHDOG_INTERVAL_MS: 'watchdogIntervalMs',
  OPEN_AMA_BACKOFF_BASE_MS: 'backoffBaseMs',
  OPEN_AMA_COLLECTOR_STOP_MS: 'collectorStopMs',
  OPEN_AMA_LIVENESS_TIMEOUT_MS: 'livenessTimeoutMs',
};

export function timingsFromEnv(env: NodeJS.ProcessEnv): SupervisorTimings {
  const t: SupervisorTimings = { ...DEFAULT_TIMINGS };
  for (const [name, key] of Object.entries(ENV_OVERRIDES)) {
    const v = Number(env[name]);
    if (env[name] !== undefined && Number.isInteger(v) && v > 0) t[key] = v;
  }
  return t;
}

/** Delay before restart number n (n = crashes in the current window, ≥ 1); random ∈ [0, 1). */
export function restartDelayMs(
  crashesInWindow: number,
  t: Pick<SupervisorTimings, 'backoffBaseMs' | 'backoffCapMs'>,
  random: number,
): number {
  const exp = Math.min(Math.max(crashesInWindow, 1) - 1, 20);
  const delay = Math.min(t.backoffCapMs, t.backoffBaseMs * 2 ** exp);
  return Math.round(delay / 2 + random * (delay / 2));
}
