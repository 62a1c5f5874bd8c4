// The collector's DropCounter: every drop (a record lost, docs/reliability.md "Drop reasons") is counted
// by reason and by component (for status and self-metrics) and logged, naming the reason and the DCR,
// data source, destination and stream it happened at. The log is rate-limited per reason and place: the
// first drop is logged at once, later ones within the minute are summed into one line at the minute's end,
// so a flood cannot flood the log and the log still accounts for every dropped record. Records a DCR's
// transform filters out on purpose are not drops and never come here (Router.onFiltered).
import type { Logger } from '../telemetry/index.js';
import type { DropLabels, SelfMetrics } from '../telemetry/self-metrics.js';
import type { DropCounter, DropReason } from './pipeline/index.js';

export const DROP_LOG_WINDOW_MS = 60_000;

/** One line per reason: what the operator reads in collector.log. */
const MEANING: Record<DropReason, string> = {
  quota: 'the durable queue reached its disk quota',
  oversized: 'a record larger than one upload request',
  parse_error: 'unreadable input or a damaged queue frame',
  transform_budget: 'the transform spent its evaluation budget on the record',
  no_route: 'no data flow routes the stream to a destination',
  rejected_400: 'the destination rejected the batch with 400',
  invalid_encoding: 'a text-log line that is not valid UTF-8',
  disk_full: 'the file system holding the queue is full',
  shutdown: 'arrived while the collector was stopping',
  backpressure: 'syslog UDP datagrams arrived while the queue could not keep up',
  incomplete_frame: 'a partial syslog message lost with its connection',
};

interface Window {
  suppressed: number;
  timer?: NodeJS.Timeout;
}

export class CountingDropCounter implements DropCounter {
  readonly byReason: Record<string, number> = {};
  /** component id → reason → records dropped there. */
  readonly byComponent = new Map<string, Record<string, number>>();
  private readonly windows = new Map<string, Window>();
  private labelsOf: (component: string) => DropLabels[] = () => [];

  constructor(
    private readonly logger: Logger,
    private readonly metrics?: SelfMetrics,
    private readonly windowMs = DROP_LOG_WINDOW_MS,
  ) {}

  /** How a component id (lane, source, virtual stream) reads in metrics and logs; set on every reload. */
  setLabels(fn: (component: string) => DropLabels[]): void {
    this.labelsOf = fn;
  }

  drop(reason: DropReason, count: number, component: string): void {
    if (count <= 0) return;
    this.byReason[reason] = (this.byReason[reason] ?? 0) + count;
    const at = this.byComponent.get(component) ?? {};
    at[reason] = (at[reason] ?? 0) + count;
    this.byComponent.set(component, at);
    const labels = this.labelsOf(component);
    if (labels.length === 0) this.metrics?.dropped(reason, {}, count);
    for (const l of labels) this.metrics?.dropped(reason, l, count);
    const key = `${reason}|${component}`;
    const w = this.windows.get(key);
    if (w) {
      w.suppressed += count;
      return;
    }
    this.log(reason, count, component, labels, false);
    this.openWindow(key, reason, component);
  }

  /** Records dropped at one component, by reason. */
  droppedAt(component: string): Record<string, number> {
    return this.byComponent.get(component) ?? {};
  }

  /** Logs what the open windows still hold (at shutdown) and stops their timers. */
  flush(): void {
    for (const [key, w] of this.windows) {
      clearTimeout(w.timer);
      this.windows.delete(key);
      const [reason, ...rest] = key.split('|');
      const component = rest.join('|');
      if (w.suppressed > 0) this.log(reason as DropReason, w.suppressed, component, this.labelsOf(component), true);
    }
  }

  private openWindow(key: string, reason: DropReason, component: string): void {
    const w: Window = { suppressed: 0 };
    w.timer = setTimeout(() => {
      this.windows.delete(key);
      if (w.suppressed === 0) return;
      this.log(reason, w.suppressed, component, this.labelsOf(component), true);
      this.openWindow(key, reason, component); // drops keep coming: keep summing per minute
    }, this.windowMs);
    w.timer.unref();
    this.windows.set(key, w);
  }

  private log(reason: DropReason, count: number, component: string, labels: DropLabels[], more: boolean): void {
    this.logger.warn(
      `dropped ${count} ${more ? 'more ' : ''}record(s)${more ? ' since the last line' : ''}, reason ${reason} (${MEANING[reason] ?? reason}), at ${place(component, labels)}; total dropped for ${reason}: ${this.byReason[reason]}`,
    );
  }
}

/** "DCR dcr-1 destination la stream Microsoft-Syslog", or the component id when nothing is known. */
function place(component: string, labels: DropLabels[]): string {
  if (labels.length === 0) return component;
  return labels
    .map((l) =>
      [
        l.dcr && `DCR ${l.dcr}`,
        l.data_source && `data source ${l.data_source}`,
        l.destination && `destination ${l.destination}`,
        l.stream && `stream ${l.stream}`,
      ]
        .filter(Boolean)
        .join(' '),
    )
    .join('; ');
}
