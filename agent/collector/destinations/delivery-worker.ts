// Moves one lane (destination × stream) from its durable queue to its uploader: read ≤ 1 request's
// worth of entries, build the gzip'd body, upload, then act on the retry policy's verdict —
// ack on success, release + back off on retryable errors, split on 413, drop (counted) on 400,
// refresh the token once on 401, degrade on 403/404. Nothing leaves the queue before a 2xx or a
// counted drop. Health (last success, last error, backlog) is kept for status. stop() does not wait
// for a request that is stuck (token retries against an unreachable IMDS, a slow endpoint): the batch
// is released unacked (sent again after restart: at-least-once) and the loop ends at once.
import type { Logger } from '../../telemetry/index.js';
import type { DropCounter } from '../pipeline/index.js';
import type { DiskQueue, QueueBatch } from '../buffer/index.js';
import { buildBatches } from './batcher.js';
import { classifyResponse, nextBackoffMs } from '../net/index.js';
import type { Uploader } from './uploader.js';

export interface LaneHealth {
  state: 'ok' | 'degraded' | 'failed';
  lastSuccessAt?: string;
  lastError?: string;
  sentRecords: number;
  droppedRecords: number;
  retries: number;
}

export interface DeliveryWorkerOptions {
  laneId: string;
  stream: string;
  queue: DiskQueue;
  uploader: Uploader;
  drops: DropCounter;
  logger: Logger;
  /** How long to wait for more records before sending a partial batch (default 1 s). */
  flushIntervalMs?: number;
  /**
   * How long a partial request may wait for more records once the queue holds some (default 500 ms,
   * never longer than flushIntervalMs): fewer, fuller requests. At 10k records/s that is ~3 requests a
   * second instead of one per syslog batch (20/s), each with its gzip, TLS write, read and ack fsyncs.
   */
  lingerMs?: number;
  onSent?: (records: number, latencyMs: number) => void;
  onRetry?: () => void;
  /** Each network upload's HTTP status (undefined: no response); file uploads are not reported. */
  onResponse?: (status: number | undefined) => void;
}

const MAX_ENTRIES_PER_READ = 10_000;
const STOPPED = Symbol('stopped');
const DEFAULT_LINGER_MS = 500;

export class DeliveryWorker {
  readonly health: LaneHealth = { state: 'ok', sentRecords: 0, droppedRecords: 0, retries: 0 };
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  /** True only while idle-waiting for data: new records must not cut a backoff (Retry-After, 403) short. */
  private idle = false;
  private unsubscribe?: () => void;
  private attempt = 0;
  private readonly stopSignal = new AbortController();

  constructor(private readonly o: DeliveryWorkerOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.unsubscribe = this.o.queue.onData(() => {
      if (this.idle) this.wake?.();
    });
    this.loop = this.run().catch((err: Error) => {
      this.health.state = 'failed';
      this.health.lastError = `delivery loop crashed: ${err.message}`;
      this.o.logger.error(`lane ${this.o.laneId}: ${this.health.lastError}`);
    });
  }

  /** Stops now: an in-flight request is abandoned unacked; unsent entries stay queued. Idempotent. */
  async stop(): Promise<void> {
    this.running = false;
    this.unsubscribe?.();
    this.stopSignal.abort();
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.linger();
      // Room for "[", "]" and a comma per entry: a full read is ONE request (so a crash re-sends at
      // most one request's worth), not a request plus a few leftover records.
      const batch = await this.o.queue.read(
        this.o.uploader.maxRequestBytes - 2 - MAX_ENTRIES_PER_READ,
        MAX_ENTRIES_PER_READ,
      );
      if (!batch) {
        await this.idleSleep(this.o.flushIntervalMs ?? 1000);
        continue;
      }
      const delay = await this.deliver(batch);
      if (delay > 0) await this.sleep(delay);
    }
  }

  /** Waits while less than a full request is queued, up to the linger time (woken by appends). */
  private async linger(): Promise<void> {
    const ms = Math.min(this.o.lingerMs ?? DEFAULT_LINGER_MS, this.o.flushIntervalMs ?? 1000);
    if (ms <= 0) return;
    const until = performance.now() + ms; // monotonic: a wall-clock step back must not stretch the linger
    while (this.running) {
      const { entries, bytes } = this.o.queue.stats();
      if (entries === 0 || entries >= MAX_ENTRIES_PER_READ || bytes >= this.o.uploader.maxRequestBytes) return;
      const left = until - performance.now();
      if (left <= 0) return;
      await this.idleSleep(left);
    }
  }

  /** Delivers one queue batch; returns how long to wait before the next attempt. */
  private async deliver(batch: QueueBatch): Promise<number> {
    const started = performance.now();
    let pending = buildBatches(batch.entries, { maxBytes: this.o.uploader.maxRequestBytes });
    let forceTokenRefresh = false;
    let refreshedToken = false; // 401 → refresh once per batch; the refresh applies to the next request only
    while (pending.length > 0) {
      const request = pending[0]!;
      if (request.oversized) {
        this.drop(
          'oversized',
          request.count,
          `a single record of ${request.uncompressedBytes} bytes exceeds the ${this.o.uploader.maxRequestBytes}-byte request limit`,
        );
        pending = pending.slice(1);
        continue;
      }
      const outcome = await this.untilStopped(
        this.o.uploader.upload(
          {
            stream: this.o.stream,
            records: request.entries,
            body: request.body,
            uncompressedBytes: request.uncompressedBytes,
          },
          { forceTokenRefresh },
        ),
      );
      if (outcome === STOPPED) {
        this.o.queue.release(batch);
        return 0;
      }
      forceTokenRefresh = false;
      if (this.o.uploader.kind !== 'file') this.o.onResponse?.(outcome.status);
      const verdict = classifyResponse(
        {
          status: outcome.status,
          errorCode: outcome.errorCode,
          headers: outcome.headers,
          fromProxy: outcome.fromProxy,
        },
        this.attempt + 1,
      );
      switch (verdict.action) {
        case 'success':
          pending = pending.slice(1);
          this.health.sentRecords += request.count;
          this.health.lastSuccessAt = new Date().toISOString();
          this.o.onSent?.(request.count, performance.now() - started);
          continue;
        case 'split': {
          const halves = splitRequest(request.entries, this.o.uploader.maxRequestBytes);
          pending = [...halves, ...pending.slice(1)];
          continue;
        }
        case 'drop':
          this.o.logger.warn(
            `lane ${this.o.laneId}: dropping ${request.count} records: ${outcome.detail}; sample: ${request.entries[0]?.toString('utf8').slice(0, 300) ?? ''}`,
          );
          this.drop('rejected_400', request.count, outcome.detail);
          pending = pending.slice(1);
          continue;
        case 'refresh-token':
          if (!refreshedToken) {
            refreshedToken = forceTokenRefresh = true;
            continue;
          }
          return this.retryLater(batch, outcome.detail, 'degraded', verdict.delayMs);
        case 'degrade':
          return this.retryLater(batch, outcome.detail, 'degraded', verdict.delayMs);
        case 'retry':
          return this.retryLater(batch, outcome.detail, this.attempt >= 3 ? 'degraded' : 'ok', verdict.delayMs);
      }
    }
    await this.o.queue.ack(batch);
    this.attempt = 0;
    this.health.state = 'ok';
    return 0;
  }

  private async retryLater(
    batch: QueueBatch,
    detail: string,
    state: LaneHealth['state'],
    delayMs?: number,
  ): Promise<number> {
    // When a split batch fails half-way, the accepted half is re-sent once: the documented
    // at-least-once window (duplicates ≤ one batch per lane per failure).
    this.o.queue.release(batch);
    this.attempt++;
    this.health.retries++;
    this.o.onRetry?.();
    this.health.state = state;
    this.health.lastError = detail;
    const wait = delayMs ?? nextBackoffMs(this.attempt);
    this.o.logger.warn(
      `lane ${this.o.laneId}: upload failed (${detail}); retry ${this.attempt} in ${Math.round(wait / 1000)} s`,
    );
    return wait;
  }

  private drop(reason: 'oversized' | 'rejected_400', count: number, detail: string): void {
    this.o.drops.drop(reason, count, this.o.laneId);
    this.health.droppedRecords += count;
    this.health.lastError = detail;
  }

  /** p, or STOPPED as soon as stop() is called (the listener is removed when p settles: no build-up). */
  private untilStopped<T>(p: Promise<T>): Promise<T | typeof STOPPED> {
    const signal = this.stopSignal.signal;
    if (signal.aborted) return Promise.resolve(STOPPED);
    return new Promise((resolve, reject) => {
      const onStop = (): void => resolve(STOPPED);
      signal.addEventListener('abort', onStop, { once: true });
      p.then(
        (v) => {
          signal.removeEventListener('abort', onStop);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onStop);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /** A sleep that new records may cut short (a backoff sleep may not). */
  private async idleSleep(ms: number): Promise<void> {
    this.idle = true;
    try {
      await this.sleep(ms);
    } finally {
      this.idle = false;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

function splitRequest(entries: Buffer[], maxBytes: number): ReturnType<typeof buildBatches> {
  if (entries.length <= 1) return buildBatches(entries, { maxBytes: 0 }); // a lone record that still gets 413 → oversized
  const mid = Math.ceil(entries.length / 2);
  return [...buildBatches(entries.slice(0, mid), { maxBytes }), ...buildBatches(entries.slice(mid), { maxBytes })];
}
