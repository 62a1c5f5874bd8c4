// Retries an ARM call that was throttled (HTTP 429) after the SDK pipeline's own Retry-After retries
// gave up: a few more attempts with a growing pause. Any other error is thrown at once.
export interface ThrottleOptions {
  /** Extra attempts after the SDK's own throttling retries give up. */
  retries: number;
  /** Pause before extra attempt n (1-based) is baseMs × n. */
  baseMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Called before each extra attempt (counting, logging). */
  onRetry?: (attempt: number) => void;
}

export function isThrottled(err: unknown): boolean {
  return (err as { statusCode?: number } | undefined)?.statusCode === 429;
}

export async function retryThrottled<T>(fn: () => Promise<T>, opts: ThrottleOptions): Promise<T> {
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isThrottled(err) || attempt >= opts.retries) throw err;
      opts.onRetry?.(attempt + 1);
      await sleep((opts.baseMs ?? 2_000) * (attempt + 1));
    }
  }
}
