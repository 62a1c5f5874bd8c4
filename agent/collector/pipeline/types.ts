// Contracts between collector components (docs/architecture.md): records, the component lifecycle,
// the sink sources write into, and the context every component is built with.
import type { Logger } from '../../telemetry/logger.js';

/** One row of a stream: column name → value (JSON-serialisable). */
export type LogRecord = Record<string, unknown>;

/**
 * Lifecycle: start() is quick and does not block on I/O that can hang (connect lazily, retry in
 * the background); stop() is idempotent, and flushes in-flight records downstream before resolving.
 * The pipeline starts destinations before sources and stops sources first.
 */
export interface Component {
  /** "<dcrImmutableId>/<dataSourceName>" or "<dcrImmutableId>/<destinationName>". */
  readonly id: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Where sources deliver records. write() resolves once the records are appended to every durable
 * queue they route to (or counted as dropped with a reason), so a text-log source may commit its
 * checkpoint after it resolves. Records for a stream with no route are counted, not queued.
 */
export interface RecordSink {
  write(stream: string, records: LogRecord[]): Promise<void>;
  /**
   * Makes every record written so far survive a power loss (fsync of the queues written to), not only
   * a process crash. A source whose position must never run ahead of the queue (text-log checkpoints)
   * calls it before saving its position.
   */
  sync?(): Promise<void>;
}

/**
 * Why a record was dropped; every drop is counted under dropped_records_total{reason}. Every reason is emitted
 * somewhere and documented in docs/reliability.md, "Drop reasons" (test/unit/collector/drop-reasons.test.ts).
 */
export type DropReason =
  | 'quota'
  | 'oversized'
  | 'parse_error'
  /** A record that spent its agent-side transform evaluation budget (docs/dcr-support.md). */
  | 'transform_budget'
  | 'no_route'
  | 'rejected_400'
  | 'invalid_encoding'
  | 'disk_full'
  | 'shutdown'
  /** Syslog UDP datagrams that arrived while the source was paused for back-pressure. */
  | 'backpressure'
  /** Syslog partial messages lost with their connection (timeout, eviction, reset mid-message). */
  | 'incomplete_frame';

export interface DropCounter {
  drop(reason: DropReason, count: number, component: string): void;
}

/** Durable key → value store for source positions (text-log checkpoints). */
export interface CheckpointStore {
  load<T>(key: string): Promise<T | undefined>;
  save<T>(key: string, value: T): Promise<void>;
}

export interface ComponentContext {
  logger: Logger;
  drops: DropCounter;
  /** Host name put into Computer columns. */
  computer: string;
}

export interface SourceContext extends ComponentContext {
  sink: RecordSink;
  checkpoints: CheckpointStore;
}
