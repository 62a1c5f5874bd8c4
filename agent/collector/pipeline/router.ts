// The RecordSink sources write into: routes each stream's records to every lane that wants them
// (multi-homing: one source, several DCRs/destinations), projecting onto the upload stream's columns
// and serialising once per lane. write() resolves when every lane has the records on disk, or they
// are counted as dropped. Metric lanes go through the per-minute aggregator first.
import type { DropCounter, LogRecord, RecordSink } from './types.js';
import type { RouteNode } from './graph.js';

export interface LaneWriter {
  /** Appends serialised records durably (resolves when written). */
  append(records: LogRecord[]): Promise<void>;
  /** fsyncs what was appended. */
  sync(): Promise<void>;
}

export interface RouterDeps {
  lanes: Map<string, LaneWriter>;
  drops: DropCounter;
  /**
   * Applies an agent-side transform; returns the records to keep (identity when absent). Records it
   * dropped for spending their evaluation budget are reported through onBudgetDrop (a drop, not filtering).
   */
  transform?: (
    kql: string,
    records: LogRecord[],
    mode: 'full' | 'prefilter',
    onBudgetDrop?: (count: number) => void,
  ) => LogRecord[];
  onRecordsIn?: (stream: string, count: number) => void;
  /** Records a transform removed on purpose (`where`): not a drop, counted apart (docs/reliability.md). */
  onFiltered?: (laneId: string, count: number) => void;
}

export class Router implements RecordSink {
  private readonly byStream = new Map<string, RouteNode[]>();
  /** Lanes appended to since the last sync(). */
  private readonly unsynced = new Set<LaneWriter>();

  constructor(
    routes: RouteNode[],
    private readonly deps: RouterDeps,
  ) {
    for (const r of routes) {
      const list = this.byStream.get(r.sourceStream) ?? [];
      list.push(r);
      this.byStream.set(r.sourceStream, list);
    }
  }

  streams(): string[] {
    return [...this.byStream.keys()];
  }

  /**
   * Not an async function, on purpose: everything up to the lanes' appends runs now, and the promise
   * returned holds no reference to `records` (an async frame would keep them alive until the disk write,
   * long enough for V8 to promote them: docs/performance.md).
   */
  write(stream: string, records: LogRecord[]): Promise<void> {
    try {
      return this.route(stream, records);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private route(stream: string, records: LogRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    this.deps.onRecordsIn?.(stream, records.length);
    const routes = this.byStream.get(stream);
    if (!routes || routes.length === 0) {
      this.deps.drops.drop('no_route', records.length, stream);
      return Promise.resolve();
    }
    const appends: Promise<void>[] = [];
    for (const route of routes) {
      const lane = this.deps.lanes.get(route.laneId);
      if (!lane) {
        this.deps.drops.drop('no_route', records.length, route.laneId);
        continue;
      }
      let out = records;
      // The data source's transform (logFiles) first, then the flow's.
      for (const [kql, mode] of [
        [route.sourceTransformKql, 'full'],
        [route.transformKql, route.transformMode ?? 'full'],
      ] as const) {
        if (!kql || kql.trim() === 'source' || !this.deps.transform || out.length === 0) continue;
        const before = out.length;
        let overBudget = 0;
        out = this.deps.transform(kql, out, mode, (n) => {
          overBudget += n;
          this.deps.drops.drop('transform_budget', n, route.laneId);
        });
        const filtered = before - out.length - overBudget;
        if (filtered > 0) this.deps.onFiltered?.(route.laneId, filtered);
      }
      if (route.columns && route.columns.length > 0) out = out.map((r) => project(r, route.columns!));
      if (out.length > 0) {
        appends.push(lane.append(out));
        this.unsynced.add(lane);
      }
    }
    if (appends.length === 1) return appends[0]!;
    return Promise.all(appends).then(() => undefined);
  }

  async sync(): Promise<void> {
    const lanes = [...this.unsynced];
    this.unsynced.clear();
    await Promise.all(lanes.map((l) => l.sync()));
  }
}

function project(record: LogRecord, columns: string[]): LogRecord {
  // Already exactly the columns, in order (the common case: a companion stream of the same shape):
  // the same record, no copy.
  let i = 0;
  let same = true;
  for (const k in record) {
    if (columns[i] !== k || record[k] === undefined) {
      same = false;
      break;
    }
    i++;
  }
  if (same && i === columns.length) return record;
  const out: LogRecord = {};
  for (const c of columns) if (Object.hasOwn(record, c) && record[c] !== undefined) out[c] = record[c];
  return out;
}
