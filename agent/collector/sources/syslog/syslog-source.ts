// Syslog source: ONE listener (listener.ts) shared by every DCR syslog data source. Each message is
// parsed once (parse-message.ts) and written for every filter (facility × level set) that selects it on
// "<filterKey>|Microsoft-Syslog", or "<filterKey>|Microsoft-CommonSecurityLog" for CEF/vendor messages
// when that filter asks for it. Messages no filter selects are counted as `filtered` (a DCR choice, not
// a loss). Batches ≤ 500 records or 50 ms; while more than HIGH_WATERMARK records wait for the sink the
// listener is paused (bounded memory; the sending daemon queues).
import { DiskFullError } from '../../buffer/index.js';
import type { Component, LogRecord, SourceContext } from '../../pipeline/index.js';
import {
  compileFilter,
  filterSelects,
  CEF_STREAM,
  SYSLOG_STREAM,
  type CompiledFilter,
  type SyslogFilter,
} from './filter.js';
import type { ParseProblem } from './header.js';
import { DEFAULT_SYSLOG_PORT, SyslogListener, type SyslogListenerOptions } from './listener.js';
import { parseMessage, type ParseContext } from './parse-message.js';

export type { SyslogFilter } from './filter.js';
export { MAX_MESSAGE_BYTES as MAX_LINE_BYTES } from './parse-message.js';
export const HIGH_WATERMARK = 10_000;
export const LOW_WATERMARK = 2_000;
const NOT_QUEUED_LOG_MS = 10_000;
export const BATCH_MAX_RECORDS = 500;
export const BATCH_MAX_DELAY_MS = 50;

export interface SyslogSourceSpec {
  id: string;
  /** One per DCR syslog data source (deduplicated by key). */
  filters: SyslogFilter[];
  /** Streams of filters that do not list their own. */
  streams: string[];
  /** Shorthand for listener.tcp (default 127.0.0.1:28330); ignored when `listener` is given. */
  port?: number;
  host?: string;
  udp?: boolean;
  listener?: SyslogListenerOptions;
  /** Called once the listener is bound (e.g. to write the syslog daemon's drop-in for this port). */
  onListening?: (port: number, filters: SyslogFilter[]) => Promise<unknown>;
  highWatermark?: number;
  lowWatermark?: number;
}

export interface SyslogSourceStats {
  received: number;
  /** Records written to the sink (one message may feed several filters). */
  written: number;
  /** Messages no filter selected (not a drop). */
  filtered: number;
  /** Messages longer than 64 KiB, delivered truncated. */
  oversized: number;
  parseProblems: Partial<Record<ParseProblem, number>>;
  connections: number;
  paused: boolean;
  /** The listener's limits at work (docs/syslog.md). */
  refusedConnections: number;
  evictedConnections: number;
  idleClosedConnections: number;
  partialFrameTimeouts: number;
  udpDroppedWhilePaused: number;
  discardedPartialFrames: number;
}

export class SyslogSource implements Component {
  readonly id: string;
  readonly listener: SyslogListener;
  private readonly filters: CompiledFilter[];
  /** CEF/vendor parsing only when some filter routes to CommonSecurityLog. */
  private readonly wantsSecurity: boolean;
  /** Per filter: its "<key>|<stream>" pending keys, built once (not a template string per message). */
  private readonly syslogKeys: string[];
  private readonly cefKeys: string[];
  private nowMs = 0;
  /** One parse context, updated per message (receive time per millisecond, sender), not one per message. */
  private readonly parseCtx: ParseContext;
  private pending = new Map<string, LogRecord[]>();
  private pendingCount = 0;
  private flushTimer?: NodeJS.Timeout;
  private inflight: Promise<void> = Promise.resolve();
  /** Records handed to the sink whose write has not resolved: the back-pressure measure. */
  private unqueued = 0;
  private stopped = false;
  private notQueuedLoggedAt?: number;
  private notQueuedSinceLog = 0;
  private readonly problems: Partial<Record<ParseProblem, number>> = {};
  received = 0;
  written = 0;
  filtered = 0;
  oversized = 0;

  constructor(
    private readonly spec: SyslogSourceSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
    this.filters = spec.filters.map((f) => compileFilter(f, spec.streams));
    this.wantsSecurity = this.filters.some((f) => f.toCef);
    this.syslogKeys = this.filters.map((f) => `${f.key}|${SYSLOG_STREAM}`);
    this.cefKeys = this.filters.map((f) => `${f.key}|${CEF_STREAM}`);
    this.parseCtx = { computer: ctx.computer, sourceIp: '', now: new Date(0), security: this.wantsSecurity };
    const listenerOptions: SyslogListenerOptions = spec.listener ?? {
      tcp: { port: spec.port ?? DEFAULT_SYSLOG_PORT, host: spec.host ?? '127.0.0.1' },
      ...(spec.udp ? { udp: { port: spec.port ?? DEFAULT_SYSLOG_PORT, host: spec.host ?? '127.0.0.1' } } : {}),
    };
    this.listener = new SyslogListener(
      listenerOptions,
      {
        onMessage: (b, start, end, r) => this.onMessage(b, start, end, r),
        onOversized: () => this.oversized++,
        onDiscarded: (reason, count) => this.ctx.drops.drop(reason, count, this.id),
      },
      ctx.logger,
    );
  }

  /** Bound TCP port (0 before start or without TCP). */
  get boundPort(): number {
    return this.listener.tcpPort;
  }

  stats(): SyslogSourceStats {
    const l = this.listener;
    return {
      received: this.received,
      written: this.written,
      filtered: this.filtered,
      oversized: this.oversized,
      parseProblems: { ...this.problems },
      connections: this.listener.connections,
      paused: this.listener.isPaused,
      refusedConnections: l.refusedConnections,
      evictedConnections: l.evictedConnections,
      idleClosedConnections: l.idleClosedConnections,
      partialFrameTimeouts: l.partialFrameTimeouts,
      udpDroppedWhilePaused: l.udpDroppedWhilePaused,
      discardedPartialFrames: l.discardedPartialFrames,
    };
  }

  async start(): Promise<void> {
    await this.listener.start();
    const l = this.listener;
    this.ctx.logger.info(
      `syslog listener: tcp ${l.tcpPort || '-'}, udp ${l.udpPort || '-'}, ${this.filters.length} filter(s)`,
    );
    if (this.spec.onListening && l.tcpPort) {
      void this.spec
        .onListening(l.tcpPort, this.spec.filters)
        .catch((err: Error) => this.ctx.logger.warn(`syslog daemon integration: ${err.message}`));
    }
  }

  private onMessage(b: Buffer, start: number, end: number, remote: string): void {
    this.received++;
    const ms = Date.now();
    if (ms !== this.nowMs) this.parseCtx.now = new Date((this.nowMs = ms));
    this.parseCtx.sourceIp = remote;
    const p = parseMessage(b, this.parseCtx, start, end);
    for (const problem of p.problems) this.problems[problem] = (this.problems[problem] ?? 0) + 1;
    let selected = false;
    for (let i = 0; i < this.filters.length; i++) {
      const f = this.filters[i]!;
      if (!filterSelects(f, p.facilityCode, p.severity, p.hasPri)) continue;
      if (p.cef && f.toCef) this.enqueue(this.cefKeys[i]!, p.cef);
      else if (f.toSyslog) this.enqueue(this.syslogKeys[i]!, p.record);
      else continue;
      selected = true;
    }
    if (!selected) this.filtered++;
  }

  private enqueue(stream: string, record: LogRecord): void {
    let list = this.pending.get(stream);
    if (!list) this.pending.set(stream, (list = []));
    list.push(record);
    this.pendingCount++;
    if (this.pendingCount >= BATCH_MAX_RECORDS) void this.flush();
    else this.flushTimer ??= setTimeout(() => void this.flush(), BATCH_MAX_DELAY_MS);
    if (this.unqueued + this.pendingCount >= (this.spec.highWatermark ?? HIGH_WATERMARK)) this.listener.pause();
  }

  /**
   * Hands pending records to the sink now; resolves once everything handed so far is written. The sink
   * serialises them before its first await and each lane's queue keeps the order of the calls, so batches
   * are not chained here: a chain kept every waiting batch's records alive until the writes before it
   * finished, long enough for V8 to promote them to its old generation (docs/performance.md).
   */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pendingCount === 0) return this.inflight;
    const batches = this.pending;
    const count = this.pendingCount;
    this.pending = new Map();
    this.pendingCount = 0;
    this.unqueued += count;
    const writes: Promise<void>[] = [];
    for (const [stream, records] of batches) writes.push(this.write(stream, records));
    const done = Promise.all(writes).then(() => {
      this.unqueued -= count;
      if (this.unqueued + this.pendingCount < (this.spec.lowWatermark ?? LOW_WATERMARK) && !this.stopped)
        this.listener.resume();
    });
    this.inflight = Promise.all([this.inflight, done]).then(() => undefined);
    return this.inflight;
  }

  /** Not async: the promise keeps the count, not the records (pipeline/router.ts write()). */
  private write(stream: string, records: LogRecord[]): Promise<void> {
    const count = records.length;
    return this.ctx.sink.write(stream, records).then(
      () => {
        this.written += count;
      },
      (err: unknown) => {
        this.ctx.drops.drop(err instanceof DiskFullError ? 'disk_full' : 'shutdown', count, this.id);
        this.logNotQueued(count, (err as Error).message);
      },
    );
  }

  /** One error line per NOT_QUEUED_LOG_MS (a full disk refuses every batch: ~20 a second): counts summed. */
  private logNotQueued(count: number, reason: string): void {
    this.notQueuedSinceLog += count;
    const now = performance.now(); // monotonic: a wall-clock step back must not silence it
    if (this.notQueuedLoggedAt !== undefined && now - this.notQueuedLoggedAt < NOT_QUEUED_LOG_MS) return;
    this.ctx.logger.error(
      `syslog: ${this.notQueuedSinceLog} record(s) not queued${this.notQueuedLoggedAt !== undefined ? ` in the last ${Math.round((now - this.notQueuedLoggedAt) / 1000)} s` : ''} (counted as drops): ${reason}`,
    );
    this.notQueuedLoggedAt = now;
    this.notQueuedSinceLog = 0;
  }

  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      await this.listener.stop();
    }
    await this.flush();
  }
}
