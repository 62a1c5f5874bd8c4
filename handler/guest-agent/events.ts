// Telemetry events for the guest agent's extension telemetry pipeline (PROTOCOL.md §7): files named
// <19-digit nanosecond timestamp>.json in eventsFolder, all eight keys as strings, written to
// <logFolder>/.events-tmp/ then renamed in. At most 360 events per 300 s, counted across processes in
// a small state file. Never throws: telemetry must not fail an operation.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { redactString, type Logger } from '../../agent/telemetry/index.js';

export type EventLevel = 'Critical' | 'Error' | 'Warning' | 'Verbose' | 'Informational' | 'LogAlways';

export const EVENTS_PER_WINDOW = 360;
export const WINDOW_MS = 300_000;

export interface EventWriterOptions {
  eventsFolder?: string;
  logFolder: string;
  version: string;
  logger?: Logger;
  operationId?: string;
}

interface GuestAgentEvent {
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
  private pending: GuestAgentEvent[] = [];
  private readonly operationId: string;
  dropped = 0;

  constructor(private readonly o: EventWriterOptions) {
    this.operationId = o.operationId ?? randomUUID();
  }

  emit(taskName: string, level: EventLevel, message: string): void {
    if (!this.o.eventsFolder) return;
    const text = redactString(message).trim().slice(0, 3072) || '(empty)';
    this.pending.push({
      Version: this.o.version,
      Timestamp: new Date().toISOString().replace('Z', '000Z'),
      TaskName: taskName,
      EventLevel: level,
      Message: text,
      EventPid: String(process.pid),
      EventTid: '1',
      OperationId: this.operationId,
    });
  }

  /** Writes the pending events as one file (rate-limited); never throws. */
  async flush(): Promise<void> {
    if (!this.o.eventsFolder || this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    try {
      const tmpDir = path.join(this.o.logFolder, '.events-tmp');
      await fs.mkdir(tmpDir, { recursive: true, mode: 0o700 });
      const allowed = await this.reserve(tmpDir, events.length);
      if (allowed < events.length) this.dropped += events.length - allowed;
      if (allowed === 0) return;
      const name = `${process.hrtime.bigint() + BigInt(Date.now()) * 1_000_000n}`.padStart(19, '0').slice(-19) + '.json';
      const tmp = path.join(tmpDir, name);
      await fs.writeFile(tmp, JSON.stringify(events.slice(0, allowed)), { mode: 0o600 });
      await fs.mkdir(this.o.eventsFolder, { recursive: true, mode: 0o700 });
      await fs.rename(tmp, path.join(this.o.eventsFolder, name));
    } catch (err) {
      this.o.logger?.warn(`telemetry events not written: ${(err as Error).message}`);
    }
  }

  /** Takes up to `n` slots of the shared 360-per-300-s budget. */
  private async reserve(tmpDir: string, n: number): Promise<number> {
    const file = path.join(tmpDir, 'rate.json');
    const now = Date.now();
    let state = { windowStart: now, count: 0 };
    try {
      const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as { windowStart: number; count: number };
      if (typeof parsed.windowStart === 'number' && now - parsed.windowStart < WINDOW_MS) state = parsed;
    } catch {
      // first use or unreadable: start a new window
    }
    const allowed = Math.max(0, Math.min(n, EVENTS_PER_WINDOW - state.count));
    state.count += allowed;
    await fs.writeFile(file, JSON.stringify(state), { mode: 0o600 });
    return allowed;
  }
}
