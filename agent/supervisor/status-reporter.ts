// Keeps the guest agent informed while the agent runs, once the handler's enable has handed over (a
// configuration applied through the socket; before that the handler owns <seq>.status). Rewrites the
// status file and the heartbeat: at once when the health class changes (success/warning/error, Ready/
// NotReady), otherwise at most once per MIN_WRITE_INTERVAL_MS, and at least every REFRESH_INTERVAL_MS
// so the heartbeat never looks stale (the agent says "Unresponsive" after 600 s). Writes are atomic
// and serialised.
import type { StatusTarget } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { writeStatusFile, writeHeartbeat } from '../../handler/guest-agent/index.js';
import type { ComposedStatus } from './status-compose.js';

export const MIN_WRITE_INTERVAL_MS = 5_000;
export const REFRESH_INTERVAL_MS = 60_000;

export class StatusReporter {
  private target?: StatusTarget;
  private configVersion = 0;
  private lastWrite = 0;
  private lastText = '';
  private lastClass = '';
  private refresh?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly compose: (configVersion: number) => ComposedStatus,
    private readonly logger: Logger,
  ) {}

  get active(): boolean {
    return this.target !== undefined && !this.stopped;
  }

  /** From now on the supervisor keeps <target.seq>.status current (a new seq moves it to the new file). */
  takeOver(target: StatusTarget, configVersion: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const moved = this.target?.seq !== target.seq || this.target?.statusFolder !== target.statusFolder;
    this.target = target;
    this.configVersion = configVersion;
    if (moved) this.logger.info(`reporting status to ${target.statusFolder}/${target.seq}.status`);
    this.refresh ??= setInterval(() => void this.write(true), REFRESH_INTERVAL_MS);
    return this.write(true);
  }

  /** Something changed: write now if the class changed, else within the rate limit. */
  changed(): void {
    if (!this.active) return;
    const s = this.compose(this.configVersion);
    if (classOf(s) !== this.lastClass) {
      void this.write(false);
      return;
    }
    if (this.pending) return;
    const wait = Math.max(0, this.lastWrite + MIN_WRITE_INTERVAL_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.write(false);
    }, wait);
  }

  private write(force: boolean): Promise<void> {
    this.chain = this.chain.then(() => this.writeNow(force));
    return this.chain;
  }

  private async writeNow(force: boolean): Promise<void> {
    const t = this.target;
    if (!t || this.stopped) return;
    const s = this.compose(this.configVersion);
    // The heartbeat needs its mtime refreshed even when nothing changed; the status file does not.
    const text = JSON.stringify([s.status, s.message, s.substatus]);
    if (!force && text === this.lastText) return;
    this.lastText = text;
    this.lastClass = classOf(s);
    this.lastWrite = Date.now();
    try {
      await writeStatusFile(t.statusFolder, t.seq, t.handlerName, {
        operation: 'Enable',
        status: s.status,
        code: s.code,
        message: s.message,
        substatus: s.substatus,
      });
      if (t.heartbeatFile) await writeHeartbeat(t.heartbeatFile, s.heartbeat);
    } catch (err) {
      this.logger.warn(`could not update the status file: ${(err as Error).message}`);
    }
  }

  /** Stops writing (disable/stop: the handler reports from here on); waits for a write in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refresh) clearInterval(this.refresh);
    if (this.pending) clearTimeout(this.pending);
    await this.chain;
  }
}

function classOf(s: ComposedStatus): string {
  const worst = s.substatus.some((x) => x.status === 'error')
    ? 'error'
    : s.substatus.some((x) => x.status === 'warning')
      ? 'warning'
      : 'ok';
  return `${s.status}/${worst}/${s.heartbeat.status}`;
}
