// A lane = one destination × one upload stream: its durable queue, the writer the router appends
// to (serialise → queue; metric lanes aggregate per minute first) and the delivery worker draining it.
import * as path from 'node:path';
import type { Logger } from '../../telemetry/index.js';
import { DiskQueue, type QuotaManager } from '../buffer/index.js';
import { DeliveryWorker, MetricAggregator, RecordFrameEncoder, type Uploader } from '../destinations/index.js';
import type { LaneNode } from './graph.js';
import type { DropCounter, LogRecord } from './types.js';
import type { LaneWriter } from './router.js';

/** Azure Monitor's per-field limit (docs/azure-interfaces.md §4.2). */
export const MAX_FIELD_BYTES = 64 * 1024;
const METRIC_FLUSH_INTERVAL_MS = 10_000;

/** What a lane's delivery reports, with the lane id (the collector turns it into self-metrics). */
export interface LaneEvents {
  sent?(laneId: string, records: number, latencyMs: number): void;
  retry?(laneId: string): void;
  /** One per HTTP attempt; status undefined when no response arrived. Not called for file lanes. */
  response?(laneId: string, status: number | undefined): void;
}

export interface LaneDeps {
  queueDir: string;
  quota: QuotaManager;
  drops: DropCounter;
  logger: Logger;
  uploader: Uploader;
  aggregateMetrics: boolean;
  events?: LaneEvents;
}

export class Lane implements LaneWriter {
  private aggregator?: MetricAggregator;
  private metricTimer?: NodeJS.Timeout;
  /** This lane's serialiser: it keeps the quoted column names of the lane's records and its frame buffer. */
  private readonly frames = new RecordFrameEncoder(MAX_FIELD_BYTES);
  private constructor(
    readonly node: LaneNode,
    readonly queue: DiskQueue,
    readonly worker: DeliveryWorker,
    private readonly deps: LaneDeps,
  ) {
    if (deps.aggregateMetrics) {
      this.aggregator = new MetricAggregator();
      this.metricTimer = setInterval(() => void this.flushMetrics(false), METRIC_FLUSH_INTERVAL_MS);
      this.metricTimer.unref();
    }
  }

  static async open(node: LaneNode, deps: LaneDeps): Promise<Lane> {
    const dir = path.join(deps.queueDir, laneDirName(node.id));
    const queue = await DiskQueue.open(dir, { id: node.id, quota: deps.quota, drops: deps.drops, logger: deps.logger });
    const worker = new DeliveryWorker({
      laneId: node.id,
      stream: node.uploadStream,
      queue,
      uploader: deps.uploader,
      drops: deps.drops,
      logger: deps.logger,
      onSent: (n, ms) => deps.events?.sent?.(node.id, n, ms),
      onRetry: () => deps.events?.retry?.(node.id),
      onResponse: (status) => deps.events?.response?.(node.id, status),
    });
    return new Lane(node, queue, worker, deps);
  }

  start(): void {
    this.worker.start();
  }

  /** Not async: the promise returned holds no reference to `records` (router.ts write()). */
  append(records: LogRecord[]): Promise<void> {
    if (this.aggregator) {
      for (const r of records) this.aggregator.add(r);
      return Promise.resolve();
    }
    return this.appendSerialized(records);
  }

  /** fsyncs the queue now (metric minutes still aggregating in memory are not records yet). */
  sync(): Promise<void> {
    return this.queue.syncNow();
  }

  /** Stops delivery and moves the open metric minute to disk; the queue keeps everything unsent. */
  async stop(): Promise<void> {
    if (this.metricTimer) clearInterval(this.metricTimer);
    await this.flushMetrics(true);
    await this.worker.stop();
    await this.queue.close();
    await this.deps.uploader.close();
  }

  private async flushMetrics(all: boolean): Promise<void> {
    if (!this.aggregator) return;
    const docs = this.aggregator.takeClosed(Date.now(), all);
    if (docs.length > 0) await this.appendSerialized(docs as unknown as LogRecord[]);
  }

  /**
   * Serialises each record once, straight into queue frames (no JSON string per record), now: the records
   * die young (nothing here keeps them once this returns) instead of waiting in memory for the queue's
   * turn and being promoted to V8's old generation (docs/performance.md).
   */
  private appendSerialized(records: LogRecord[]): Promise<void> {
    const encoded = this.frames.encode(records);
    if (encoded.truncatedFields > 0)
      this.deps.logger.warn(
        `lane ${this.node.id}: truncated ${encoded.truncatedFields} field(s) longer than ${MAX_FIELD_BYTES} bytes`,
      );
    return this.queue.appendFramed(encoded.frames, encoded.count).finally(() => this.frames.release(encoded));
  }
}

/** Lane ids contain "/" (dcr/destination/stream); queue dirs are flat and filesystem-safe. */
export function laneDirName(id: string): string {
  return id.replace(/[^A-Za-z0-9._-]/g, '_');
}
