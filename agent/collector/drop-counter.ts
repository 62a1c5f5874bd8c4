// The collector's DropCounter: every drop is counted by reason (for status and self-metrics) and
// logged at most once per reason and component per minute, so a flood cannot flood the log.
import type { Logger } from '../telemetry/index.js';
import type { SelfMetrics } from '../telemetry/self-metrics.js';
import type { DropCounter, DropReason } from './pipeline/types.js';

export class CountingDropCounter implements DropCounter {
  readonly byReason: Record<string, number> = {};
  readonly byComponent = new Map<string, number>();
  private readonly lastLogged = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: SelfMetrics,
  ) {}

  drop(reason: DropReason, count: number, component: string): void {
    if (count <= 0) return;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + count;
    this.byComponent.set(component, (this.byComponent.get(component) ?? 0) + count);
    this.metrics?.dropped.inc({ reason, component }, count);
    const key = `${reason}|${component}`;
    const now = performance.now(); // monotonic: a wall-clock step back must not silence the warnings
    const last = this.lastLogged.get(key);
    if (last === undefined || last + 60_000 < now) {
      this.lastLogged.set(key, now);
      const level = reason === 'filtered' ? 'debug' : 'warn';
      this.logger.log(
        level,
        `dropped ${count} record(s) (${reason}) at ${component}; total for this reason: ${this.byReason[reason]}`,
      );
    }
  }

  /** Drops that lose data (filtering by the DCR's own transform is not a loss). */
  lossTotal(): number {
    return Object.entries(this.byReason).reduce((sum, [reason, n]) => (reason === 'filtered' ? sum : sum + n), 0);
  }
}
