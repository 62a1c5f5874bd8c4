// When the text-log source runs a pass: one at a time, never overlapping. A `discover` pass (globs walked,
// every file read) runs on each poll tick and soon after an inotify event about names; a `read` pass (only
// the files with events) runs EVENT_READ_DELAY_MS after a write event, so a busy file is read in batches.
// A request during a pass is kept (a discover request absorbs a read one) and served when the pass ends.

export type PassKind = 'read' | 'discover';

/** After a write event: reads are batched this long (a truncation is probed at once, outside any pass). */
export const EVENT_READ_DELAY_MS = 200;
export const EVENT_DISCOVER_DELAY_MS = 20;

export class PassScheduler {
  private timer?: NodeJS.Timeout;
  private wakeTimer?: NodeJS.Timeout;
  private pending?: PassKind;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly pass: (kind: PassKind) => Promise<void>,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Polls every `intervalMs` and runs the first discover pass now. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => this.request('discover', 0), intervalMs);
    this.timer.unref();
    this.request('discover', 0);
  }

  request(kind: PassKind, delayMs: number): void {
    if (kind === 'discover' || this.pending === undefined) this.pending = kind;
    if (this.running || this.wakeTimer || this.stopped) return;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.run();
    }, delayMs);
    this.wakeTimer.unref();
  }

  private run(): void {
    const kind = this.pending;
    if (this.running || kind === undefined || this.stopped) return;
    this.pending = undefined;
    this.running = this.pass(kind)
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.pending) this.request(this.pending, this.pending === 'read' ? EVENT_READ_DELAY_MS : 0);
      });
  }

  /** No pass starts after this; resolves when the one running (if any) ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.timer = this.wakeTimer = undefined;
    await this.running;
  }
}
