// Pre-aggregates perf samples per minute into Azure Monitor custom-metric documents (docs/azure-interfaces.md §5.1):
// one document per (minute, metric) with a series per instance: min, max, sum, count. Samples come
// as Microsoft-Perf records (CounterName/InstanceName/CounterValue) or Microsoft-InsightsMetrics
// records (Name/Val/Tags). Closed minutes are handed on; flushAll() hands on the open ones too.
import type { LogRecord } from '../../pipeline/index.js';

export const GUEST_METRICS_NAMESPACE = 'azure.vm.linux.guestmetrics';
/** Azure Monitor limit on names and dimension values. */
const MAX_NAME = 256;

export interface MetricDocument {
  time: string;
  data: {
    baseData: {
      metric: string;
      namespace: string;
      dimNames: string[];
      series: { dimValues: string[]; min: number; max: number; sum: number; count: number }[];
    };
  };
}

interface Series {
  min: number;
  max: number;
  sum: number;
  count: number;
}

export class MetricAggregator {
  /** minute (ms) → metric → instance → series */
  private readonly minutes = new Map<number, Map<string, Map<string, Series>>>();

  add(record: LogRecord): boolean {
    const sample = toSample(record);
    if (!sample) return false;
    const minute = Math.floor(sample.time / 60_000) * 60_000;
    let metrics = this.minutes.get(minute);
    if (!metrics) this.minutes.set(minute, (metrics = new Map()));
    let series = metrics.get(sample.metric);
    if (!series) metrics.set(sample.metric, (series = new Map()));
    const s = series.get(sample.instance);
    if (s) {
      s.min = Math.min(s.min, sample.value);
      s.max = Math.max(s.max, sample.value);
      s.sum += sample.value;
      s.count++;
    } else {
      series.set(sample.instance, { min: sample.value, max: sample.value, sum: sample.value, count: 1 });
    }
    return true;
  }

  /** Documents for every minute that ended before `now` (all minutes when `all`). */
  takeClosed(now: number, all = false): MetricDocument[] {
    const current = Math.floor(now / 60_000) * 60_000;
    const out: MetricDocument[] = [];
    for (const [minute, metrics] of [...this.minutes.entries()].sort((a, b) => a[0] - b[0])) {
      if (!all && minute >= current) continue;
      this.minutes.delete(minute);
      for (const [metric, series] of metrics) {
        out.push({
          time: new Date(minute).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          data: {
            baseData: {
              metric,
              namespace: GUEST_METRICS_NAMESPACE,
              dimNames: ['instance'],
              series: [...series.entries()].map(([instance, s]) => ({ dimValues: [instance], ...s })),
            },
          },
        });
      }
    }
    return out;
  }
}

function toSample(r: LogRecord): { metric: string; instance: string; value: number; time: number } | undefined {
  const time = Date.parse(String(r.TimeGenerated ?? '')) || Date.now();
  if (typeof r.CounterName === 'string' && typeof r.CounterValue === 'number' && Number.isFinite(r.CounterValue)) {
    return {
      metric: r.CounterName.slice(0, MAX_NAME),
      instance: String(r.InstanceName ?? '_Total').slice(0, MAX_NAME) || '_Total',
      value: r.CounterValue,
      time,
    };
  }
  if (typeof r.Name === 'string' && typeof r.Val === 'number' && Number.isFinite(r.Val)) {
    return { metric: r.Name.slice(0, MAX_NAME), instance: instanceFromTags(r.Tags), value: r.Val, time };
  }
  return undefined;
}

function instanceFromTags(tags: unknown): string {
  if (typeof tags !== 'string' || tags.length === 0) return '_Total';
  try {
    const parsed = JSON.parse(tags) as Record<string, unknown>;
    const first = Object.values(parsed).find((v) => typeof v === 'string');
    return typeof first === 'string' ? first.slice(0, MAX_NAME) : '_Total';
  } catch {
    return '_Total';
  }
}
