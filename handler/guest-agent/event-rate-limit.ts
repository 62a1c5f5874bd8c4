// The guest agent keeps at most 360 events per handler per 300 s collection period (docs/guest-agent-protocol.md §7) and
// drops the rest. We stay under it ourselves, per process and across processes: short-lived handler runs
// share a small counter file {windowStart, count} updated under an O_EXCL lock file (a stale lock is
// broken after LOCK_STALE_MS). If the counter file cannot be used, the per-process budget still holds.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../agent/config/index.js';

export const EVENTS_PER_WINDOW = 360;
export const WINDOW_MS = 300_000;
export const RATE_FILE = 'rate-limit.json';
const LOCK_FILE = 'rate-limit.lock';
const LOCK_STALE_MS = 10_000;
const LOCK_ATTEMPTS = 50;
const LOCK_RETRY_MS = 20;

interface Window {
  windowStart: number;
  count: number;
}

export class EventRateLimit {
  private local: Window = { windowStart: 0, count: 0 };

  /** `dir` holds the shared counter (created on demand); `clock` returns ms since the epoch. */
  constructor(
    private readonly dir: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Takes up to `n` slots of the budget and returns how many were granted. `onSharedError` hears why
   * the shared counter could not be used (the per-process budget then applies alone).
   */
  async reserve(n: number, onSharedError?: (err: unknown) => void): Promise<number> {
    const now = this.clock();
    this.local = current(this.local, now);
    let allowed = Math.max(0, Math.min(n, EVENTS_PER_WINDOW - this.local.count));
    if (allowed > 0) {
      try {
        allowed = await this.reserveShared(allowed, now);
      } catch (err) {
        onSharedError?.(err);
      }
    }
    this.local.count += allowed;
    return allowed;
  }

  private async reserveShared(n: number, now: number): Promise<number> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withLock(path.join(this.dir, LOCK_FILE), async () => {
      const file = path.join(this.dir, RATE_FILE);
      const state = current(await readWindow(file), now);
      const allowed = Math.max(0, Math.min(n, EVENTS_PER_WINDOW - state.count));
      await writeFileAtomic(file, JSON.stringify({ windowStart: state.windowStart, count: state.count + allowed }), {
        mode: 0o600,
      });
      return allowed;
    });
  }
}

/** The same window while it lasts; a new one when it is over (or the clock went backwards). */
function current(w: Window, now: number): Window {
  return now >= w.windowStart && now - w.windowStart < WINDOW_MS ? w : { windowStart: now, count: 0 };
}

async function readWindow(file: string): Promise<Window> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<Window>;
    if (typeof parsed.windowStart === 'number' && typeof parsed.count === 'number' && parsed.count >= 0) {
      return { windowStart: parsed.windowStart, count: parsed.count };
    }
  } catch {
    // first use, or a file we cannot parse: a new window
  }
  return { windowStart: 0, count: 0 };
}

async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; attempt < LOCK_ATTEMPTS; attempt++) {
    try {
      await (await fs.open(lockFile, 'wx', 0o600)).close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const st = await fs.stat(lockFile).catch(() => undefined);
      if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) await fs.rm(lockFile, { force: true });
      else await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      continue;
    }
    try {
      return await fn();
    } finally {
      await fs.rm(lockFile, { force: true });
    }
  }
  throw new Error(`the event counter lock ${lockFile} stayed busy`);
}
