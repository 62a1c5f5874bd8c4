// Telemetry events for the guest agent's extension telemetry pipeline (docs/guest-agent-protocol.md §7), only when
// HandlerEnvironment names an eventsFolder: batches of events in files named <19-digit nanosecond
// timestamp>.json, all eight keys as strings, Message redacted, trimmed and ≤ 3072 chars; each file is
// written in <logFolder>/.events-tmp/ then moved in without overwriting. Rate-limited (event-rate-limit.ts).
// emit() and flush() never throw: telemetry must not fail an operation — failures are logged and counted.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { randomHex } from '../../agent/config/index.js';
import { redactString, type Logger } from '../../agent/telemetry/index.js';
import { EventRateLimit } from './event-rate-limit.js';

export { EVENTS_PER_WINDOW, WINDOW_MS } from './event-rate-limit.js';

export type EventLevel = 'Critical' | 'Error' | 'Warning' | 'Verbose' | 'Informational' | 'LogAlways';

export const MAX_EVENT_MESSAGE_CHARS = 3072;
export const MAX_EVENTS_PER_FILE = 100;
export const EVENT_FILE_NAME = /^\d+\.json$/i;
const TMP_DIR = '.events-tmp';

export interface EventWriterOptions {
  /** From HandlerEnvironment; without it emit() is a no-op. */
  eventsFolder?: string;
  logFolder: string;
  version: string;
  logger?: Logger;
  operationId?: string;
  /** ms since the epoch; tests move it to cross a rate-limit window. */
  clock?: () => number;
  /** Pending events are written after this delay (unref'd timer) if nobody flushes first. Default 5000. */
  autoFlushMs?: number;
}

export interface GuestAgentEvent {
  Version: string;
  Timestamp: string;
  TaskName: string;
  EventLevel: EventLevel;
  Message: string;
  EventPid: string;
  EventTid: string;
  OperationId: string;
}

export class EventWriter {
  /** Events written into eventsFolder. */
  written = 0;
  /** Events not written: over the rate limit, or a write failed. */
  dropped = 0;
  private pending: GuestAgentEvent[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private lastNs = 0n;
  private readonly operationId: string;
  private readonly clock: () => number;
  private readonly limit: EventRateLimit;

  constructor(private readonly o: EventWriterOptions) {
    this.operationId = o.operationId ?? randomUUID();
    this.clock = o.clock ?? Date.now;
    this.limit = new EventRateLimit(path.join(o.logFolder, TMP_DIR), this.clock);
  }

  emit(taskName: string, level: EventLevel, message: string): void {
    if (!this.o.eventsFolder) return;
    try {
      const ns = this.nextTimestampNs();
      this.pending.push({
        Version: String(this.o.version).slice(0, 64),
        Timestamp: isoMicros(ns),
        TaskName: clean(taskName, 256) || 'Handler',
        EventLevel: level,
        Message: clean(message, MAX_EVENT_MESSAGE_CHARS) || '(no message)',
        // Node runs JavaScript on the main thread, whose Linux thread id equals the process id.
        EventPid: String(process.pid),
        EventTid: String(process.pid),
        OperationId: this.operationId,
      });
      if (this.pending.length >= MAX_EVENTS_PER_FILE) void this.flush();
      else if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), this.o.autoFlushMs ?? 5_000);
        this.timer.unref();
      }
    } catch (err) {
      this.dropped++;
      this.warn('telemetry event not recorded', err);
    }
  }

  /** Writes the pending events (one file per batch); serialised; never throws. */
  flush(): Promise<void> {
    this.chain = this.chain.then(() => this.writePending());
    return this.chain;
  }

  private async writePending(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0 && this.o.eventsFolder) {
      const batch = this.pending.splice(0, MAX_EVENTS_PER_FILE);
      try {
        const allowed = await this.limit.reserve(batch.length, (err) =>
          this.warn('event rate counter unavailable, using the per-process limit', err),
        );
        this.dropped += batch.length - allowed;
        if (allowed === 0) continue;
        await this.writeFile(this.o.eventsFolder, batch.slice(0, allowed));
        this.written += allowed;
      } catch (err) {
        this.dropped += batch.length;
        this.warn('telemetry events not written', err);
      }
    }
  }

  private async writeFile(eventsFolder: string, events: GuestAgentEvent[]): Promise<void> {
    const tmpDir = path.join(this.o.logFolder, TMP_DIR);
    await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
    await fs.mkdir(eventsFolder, { recursive: true, mode: 0o700 });
    const tmp = path.join(tmpDir, `${process.pid}.${randomHex(6)}.tmp`);
    await fs.writeFile(tmp, JSON.stringify(events), { mode: 0o600 });
    try {
      await this.moveIn(tmp, eventsFolder);
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** link() never replaces an existing file (another process may have used the same name): retry with the next ns. */
  private async moveIn(tmp: string, eventsFolder: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const target = path.join(eventsFolder, `${formatNs(this.nextTimestampNs())}.json`);
      try {
        await fs.link(tmp, target);
        return;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') continue;
        if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
        // Another file system, or no hard links: complete the file in eventsFolder under a name the
        // agent does not collect, then rename it (atomic within one directory).
        const staging = path.join(eventsFolder, `.${path.basename(tmp)}`);
        await fs.copyFile(tmp, staging);
        await fs.rename(staging, target);
        return;
      }
    }
    throw new Error('no free event file name after 10 attempts');
  }

  /** Wall-clock nanoseconds, strictly increasing within this writer. */
  private nextTimestampNs(): bigint {
    const ns = BigInt(Math.floor(this.clock())) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    this.lastNs = ns > this.lastNs ? ns : this.lastNs + 1n;
    return this.lastNs;
  }

  private warn(what: string, err: unknown): void {
    try {
      this.o.logger?.warn(`${what}: ${redactString(err instanceof Error ? err.message : String(err))}`);
    } catch {
      // a failing logger must not fail the operation either
    }
  }
}

/** Fixed width (19 digits until the year 2286): the agent processes names in reverse lexicographic order. */
export function formatNs(ns: bigint): string {
  return ns.toString().padStart(19, '0');
}

function isoMicros(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const micros = Number((ns / 1_000n) % 1_000_000n);
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${String(micros).padStart(6, '0')}Z`);
}

function clean(text: string, max: number): string {
  const t = redactString(String(text)).trim();
  if (t.length <= max) return t;
  const code = t.charCodeAt(max - 1);
  return t.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max).trim();
}
