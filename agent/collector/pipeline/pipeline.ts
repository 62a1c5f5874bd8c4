// Runs a PipelineGraph and hot-reloads it by diffing (docs/architecture.md): start destinations/lanes before
// sources, stop sources before lanes. Unchanged nodes keep running (sockets, timers, tail positions);
// sources write into a stable sink whose routes are swapped atomically, so a reload loses nothing.
import type { Logger } from '../../telemetry/index.js';
import type { QuotaManager } from '../buffer/index.js';
import type { Uploader } from '../destinations/index.js';
import { diffNodes, type DestinationNode, type PipelineGraph, type SourceNode } from './graph.js';
import { Lane, type LaneEvents } from './lane.js';
import { Router } from './router.js';
import type { CheckpointStore, Component, DropCounter, LogRecord, RecordSink } from './types.js';

export interface PipelineFactories {
  source(node: SourceNode, sink: RecordSink): Component;
  uploader(node: DestinationNode): Uploader;
  transform?: (kql: string, records: LogRecord[], mode: 'full' | 'prefilter') => LogRecord[];
}

export interface PipelineDeps {
  queueDir: string;
  quota: QuotaManager;
  drops: DropCounter;
  logger: Logger;
  checkpoints: CheckpointStore;
  factories: PipelineFactories;
  onRecordsIn?: (stream: string, count: number) => void;
  /** Records a transform filtered out on purpose, per lane (not a drop). */
  onFiltered?: (laneId: string, count: number) => void;
  laneEvents?: LaneEvents;
}

export interface ApplyReport {
  /** True when nothing had to be restarted except what changed. */
  hot: boolean;
  started: string[];
  stopped: string[];
  kept: string[];
}

/** Forwards to the current router; lets sources outlive route changes. */
class SwitchableSink implements RecordSink {
  router?: Router;
  constructor(private readonly drops: DropCounter) {}
  /** Not async: the promise must not hold `records` (router.ts write()). */
  write(stream: string, records: LogRecord[]): Promise<void> {
    if (!this.router) {
      this.drops.drop('no_route', records.length, stream);
      return Promise.resolve();
    }
    return this.router.write(stream, records);
  }
  async sync(): Promise<void> {
    await this.router?.sync();
  }
}

export class Pipeline {
  private graph: PipelineGraph = { sources: [], destinations: [], lanes: [], routes: [] };
  private readonly sources = new Map<string, Component>();
  private readonly lanes = new Map<string, Lane>();
  private readonly sink: SwitchableSink;
  private applying: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PipelineDeps) {
    this.sink = new SwitchableSink(deps.drops);
  }

  current(): PipelineGraph {
    return this.graph;
  }

  laneHealth(): { lane: Lane }[] {
    return [...this.lanes.values()].map((lane) => ({ lane }));
  }

  /** Serialised: concurrent applies run one after the other. */
  apply(next: PipelineGraph): Promise<ApplyReport> {
    const run = this.applying.then(() => this.applyNow(next));
    this.applying = run.catch(() => undefined); // the caller gets the failure through `run`; the queue goes on
    return run;
  }

  private async applyNow(next: PipelineGraph): Promise<ApplyReport> {
    const report: ApplyReport = { hot: true, started: [], stopped: [], kept: [] };
    const destDiff = diffNodes(this.graph.destinations, next.destinations);
    const changedDestinations = new Set(destDiff.removed.map((d) => d.id));
    // A lane is rebuilt when it changed or its destination changed (new endpoint, new uploader).
    const laneDiff = diffNodes(this.graph.lanes, next.lanes);
    const lanesToStop = new Set([
      ...laneDiff.removed.map((l) => l.id),
      ...this.graph.lanes.filter((l) => changedDestinations.has(l.destinationId)).map((l) => l.id),
    ]);
    const sourceDiff = diffNodes(this.graph.sources, next.sources);

    // 1. Stop removed/changed sources first (they flush into the still-running lanes).
    for (const s of sourceDiff.removed) {
      await this.sources.get(s.id)?.stop();
      this.sources.delete(s.id);
      report.stopped.push(s.id);
    }
    // 2. Start new lanes before switching routes to them.
    const destinations = new Map(next.destinations.map((d) => [d.id, d]));
    for (const l of next.lanes) {
      if (this.lanes.has(l.id) && !lanesToStop.has(l.id)) continue;
      if (lanesToStop.has(l.id)) {
        await this.lanes.get(l.id)?.stop();
        this.lanes.delete(l.id);
        lanesToStop.delete(l.id);
        report.stopped.push(l.id);
      }
      const dest = destinations.get(l.destinationId);
      if (!dest) continue;
      const lane = await Lane.open(l, {
        queueDir: this.deps.queueDir,
        quota: this.deps.quota,
        drops: this.deps.drops,
        logger: this.deps.logger,
        uploader: this.deps.factories.uploader(dest),
        aggregateMetrics: dest.kind === 'metrics',
        events: this.deps.laneEvents,
      });
      lane.start();
      this.lanes.set(l.id, lane);
      report.started.push(l.id);
    }
    // 3. Switch routes atomically.
    this.sink.router = new Router(next.routes, {
      lanes: this.lanes as Map<string, Lane>,
      drops: this.deps.drops,
      transform: this.deps.factories.transform,
      onRecordsIn: this.deps.onRecordsIn,
      onFiltered: this.deps.onFiltered,
    });
    // 4. Stop lanes nobody routes to any more (their queues stay on disk for a later config).
    for (const id of lanesToStop) {
      await this.lanes.get(id)?.stop();
      this.lanes.delete(id);
      report.stopped.push(id);
    }
    // 5. Start new sources last.
    for (const s of sourceDiff.added) {
      const component = this.deps.factories.source(s, this.sink);
      this.sources.set(s.id, component);
      await component.start();
      report.started.push(s.id);
    }
    report.kept = [...sourceDiff.kept.map((s) => s.id), ...laneDiff.kept.map((l) => l.id)];
    report.hot = sourceDiff.kept.length + laneDiff.kept.length > 0 || this.graph.sources.length === 0;
    this.graph = next;
    return report;
  }

  /** Sources first (they flush into lanes), then lanes (their queues are closed durably). Idempotent. */
  async stop(): Promise<void> {
    await this.applying;
    for (const [id, s] of this.sources) {
      await s.stop().catch((err: Error) => this.deps.logger.error(`stopping source ${id}: ${err.message}`));
    }
    this.sources.clear();
    for (const [id, lane] of this.lanes) {
      await lane.stop().catch((err: Error) => this.deps.logger.error(`stopping lane ${id}: ${err.message}`));
    }
    this.lanes.clear();
    this.sink.router = undefined;
    this.graph = { sources: [], destinations: [], lanes: [], routes: [] };
  }
}
