// The collector: reads AgentConfig, gathers DCRs (settings, dcr.d files, ARM or control plane),
// validates each alone (an invalid DCR is rejected with its reason, the others keep running), merges
// them into a plan, turns the plan into a pipeline graph and applies it by hot reload. Remote DCRs are
// re-read periodically (default 5 min) in the background; startup never waits on the network.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAgentConfig, type AgentConfig, type AgentPaths } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import type { DropLabels, LaneLabels, SelfMetrics, SourceLabels } from '../telemetry/self-metrics.js';
import type { CollectorHealth, DcrHealth, DestinationHealth } from './ipc.js';
import { QuotaManager, FileCheckpointStore } from './buffer/index.js';
import { CountingDropCounter } from './drop-counter.js';
import { Pipeline, type ApplyReport, buildPipelineGraph, type DcrInput } from './pipeline/index.js';
import { createComponentFactories, type RuntimeServices } from './component-factories.js';
import { createRemoteDcrSource } from './remote-dcr-source.js';
import { type FetchedDcr, type RemoteDcrSource, agentSettingsOf } from './dcr/index.js';

export const DCR_REFRESH_INTERVAL_MS = 5 * 60_000;

export interface CollectorOptions {
  paths: AgentPaths;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  metrics: SelfMetrics;
  computer?: string;
}

export class Collector {
  readonly drops: CountingDropCounter;
  private pipeline?: Pipeline;
  private config?: AgentConfig;
  private dcrHealth: DcrHealth[] = [];
  private remote?: RemoteDcrSource;
  private remoteDcrs: FetchedDcr[] = [];
  private refreshTimer?: NodeJS.Timeout;
  private services?: RuntimeServices;
  private quota?: QuotaManager;
  /** What set the quota: "diskQuotaMB" or "AgentSettings DCR <immutableId>". */
  private quotaSource?: string;
  private recordsIn = 0;
  private recordsOut = 0;
  /** Lane id → records its transforms filtered out on purpose (not drops). */
  private readonly filtered = new Map<string, number>();
  // Readable labels of the graph's ids (GraphLabels), kept across reloads: a drop or an upload that
  // finishes after its lane was replaced is still named.
  private readonly streamLabels = new Map<string, SourceLabels[]>();
  private readonly sourceLabels = new Map<string, SourceLabels[]>();
  private readonly laneLabels = new Map<string, LaneLabels>();
  private stopped = false;

  constructor(private readonly o: CollectorOptions) {
    this.drops = new CountingDropCounter(o.logger, o.metrics);
    this.drops.setLabels((c) => this.labelsOf(c));
    o.metrics.setQueueBytesSource(() =>
      (this.pipeline?.laneHealth() ?? []).flatMap(({ lane }) => {
        const labels = this.laneLabels.get(lane.node.id);
        return labels ? [{ labels, bytes: lane.queue.stats().bytes }] : [];
      }),
    );
  }

  /** Labels of a drop's component: a lane, a virtual source stream, or a source node. */
  private labelsOf(component: string): DropLabels[] {
    const lane = this.laneLabels.get(component);
    if (lane) return [lane];
    return this.streamLabels.get(component) ?? this.sourceLabels.get(component) ?? [];
  }

  private destinationLabels(laneId: string): { dcr: string; destination: string } | undefined {
    const l = this.laneLabels.get(laneId);
    return l ? { dcr: l.dcr, destination: l.destination } : undefined;
  }

  get configVersion(): number {
    return this.config?.configVersion ?? -1;
  }

  /** Reads the AgentConfig file and applies it; returns whether it was applied without restarts. */
  async applyConfig(): Promise<{ configVersion: number; report: ApplyReport }> {
    const config = await readAgentConfig(this.o.paths.agentConfigFile);
    if (!config) throw new Error(`no agent configuration at ${this.o.paths.agentConfigFile}`);
    this.config = config;
    const quotaBytes = config.diskQuotaMB * 1024 * 1024;
    if (!this.pipeline) {
      this.quota = new QuotaManager({ maxBytes: quotaBytes, drops: this.drops, logger: this.o.logger });
      this.services = {
        paths: this.o.paths,
        env: this.o.env,
        logger: this.o.logger,
        drops: this.drops,
        computer: this.o.computer ?? os.hostname(),
        checkpoints: new FileCheckpointStore(this.o.paths.checkpointDir),
        config,
        onTokenRefresh: () => this.o.metrics.tokenRefreshed(),
      };
      this.pipeline = new Pipeline({
        queueDir: this.o.paths.queueDir,
        quota: this.quota,
        drops: this.drops,
        logger: this.o.logger,
        checkpoints: this.services.checkpoints,
        factories: createComponentFactories(this.services),
        onRecordsIn: (stream, n) => {
          this.recordsIn += n;
          for (const l of this.streamLabels.get(stream) ?? []) this.o.metrics.recordsIn(l, n);
        },
        onFiltered: (laneId, n) => {
          if (!this.filtered.has(laneId)) {
            const l = this.laneLabels.get(laneId);
            this.o.logger.info(
              `the transform of DCR ${l?.dcr ?? '?'} filters records for destination ${l?.destination ?? laneId} (stream ${l?.stream ?? '?'}) on purpose: counted as filtered (open_ama_records_filtered_total), not dropped`,
            );
          }
          this.filtered.set(laneId, (this.filtered.get(laneId) ?? 0) + n);
          const l = this.laneLabels.get(laneId);
          if (l) this.o.metrics.recordsFiltered(l, n);
        },
        laneEvents: {
          sent: (laneId, n, latencyMs) => {
            this.recordsOut += n;
            const l = this.laneLabels.get(laneId);
            if (l) this.o.metrics.recordsOut(l, n);
            const d = this.destinationLabels(laneId);
            if (d) this.o.metrics.uploaded(d, latencyMs / 1000);
          },
          retry: (laneId) => {
            const l = this.laneLabels.get(laneId);
            if (l) this.o.metrics.retry(l);
          },
          response: (laneId, status) => {
            const d = this.destinationLabels(laneId);
            if (d) this.o.metrics.httpResponse(d, status);
          },
        },
      });
    } else if (this.services) {
      this.services.config = config;
    }
    this.configureRemote(config);
    const report = await this.rebuild();
    return { configVersion: config.configVersion, report };
  }

  private async rebuild(): Promise<ApplyReport> {
    const config = this.config!;
    const inputs: DcrInput[] = [
      ...config.dataCollectionRules.map((json, i) => ({
        json,
        origin: 'inline' as const,
        ref: `settings.dataCollectionRules[${i}]`,
      })),
      ...(await this.readLocalDcrs()),
      ...this.remoteDcrs.map((d) => ({
        json: d.json,
        origin: d.origin,
        ref: d.ref,
        ...(d.error ? { error: d.error } : {}),
      })),
    ];
    const agentSettings = agentSettingsOf(inputs);
    await this.applyQuota(
      agentSettings.diskQuota?.mb ?? config.diskQuotaMB,
      agentSettings.diskQuota ? `AgentSettings DCR ${agentSettings.diskQuota.from}` : 'diskQuotaMB',
    );
    const built = buildPipelineGraph(inputs, {
      computer: this.services!.computer,
      config,
      env: this.o.env,
      outDir: this.o.paths.outDir,
    });
    this.dcrHealth = built.dcrs;
    // Before apply(): a lane or source started by it is named from its first record on.
    for (const [id, l] of built.labels.lanes) this.laneLabels.set(id, l);
    for (const [stream, l] of built.labels.streams) {
      this.streamLabels.set(stream, l);
      const source = stream.split('|')[0]!;
      const all = this.sourceLabels.get(source) ?? [];
      for (const x of l)
        if (!all.some((y) => y.dcr === x.dcr && y.data_source === x.data_source && y.stream === x.stream)) all.push(x);
      this.sourceLabels.set(source, all);
    }
    for (const w of agentSettings.warnings) {
      const h = this.dcrHealth.find((d) => d.immutableId === w.dcr);
      if (h) h.warnings = [...(h.warnings ?? []), w.message];
      this.o.logger.warn(`DCR ${w.dcr}: ${w.message}`);
    }
    for (const d of built.dcrs.filter((x) => x.state === 'rejected'))
      this.o.logger.warn(`DCR ${d.immutableId} rejected: ${d.reason}`);
    for (const w of built.warnings) this.o.logger.warn(w);
    const report = await this.pipeline!.apply(built.graph);
    this.o.logger.info(
      `pipeline applied (config ${config.configVersion}): started ${report.started.length}, stopped ${report.stopped.length}, kept ${report.kept.length}`,
    );
    return report;
  }

  /**
   * The queue quota: an AgentSettings DCR's MaxDiskQuotaInMB, else diskQuotaMB (dcr/agent-settings.ts).
   * A change applies at once: a smaller quota evicts the oldest sealed segments now.
   */
  private async applyQuota(mb: number, source: string): Promise<void> {
    const bytes = mb * 1024 * 1024;
    const quota = this.quota!;
    const changed = quota.maxBytes !== bytes || this.quotaSource !== source;
    if (changed && this.quotaSource !== undefined)
      this.o.logger.info(`disk quota changed from ${Math.round(quota.maxBytes / 1048576)} MB to ${mb} MB (${source})`);
    this.quotaSource = source;
    if (quota.maxBytes === bytes) return;
    quota.maxBytes = bytes;
    await quota.reserve(0);
  }

  private async readLocalDcrs(): Promise<DcrInput[]> {
    let names: string[];
    try {
      names = (await fs.readdir(this.o.paths.dcrDir)).filter((n) => n.endsWith('.json')).sort();
    } catch {
      return [];
    }
    const out: DcrInput[] = [];
    for (const name of names) {
      const file = path.join(this.o.paths.dcrDir, name);
      try {
        out.push({ json: JSON.parse(await fs.readFile(file, 'utf8')), origin: 'file', ref: file });
      } catch (err) {
        out.push({
          json: undefined,
          origin: 'file',
          ref: file,
          error: `cannot read ${file}: ${(err as Error).message}`,
        });
      }
    }
    return out;
  }

  private configureRemote(config: AgentConfig): void {
    const want =
      config.dcrSource === 'arm' ||
      config.dcrSource === 'control-plane' ||
      (config.dcrSource === 'auto' && config.dataCollectionRules.length === 0 && !this.o.env.OPEN_AMA_OFFLINE);
    if (!want) {
      this.remote = undefined;
      this.remoteDcrs = [];
      if (this.refreshTimer) clearInterval(this.refreshTimer);
      this.refreshTimer = undefined;
      return;
    }
    this.remote = createRemoteDcrSource(config, this.o.env, this.o.logger);
    if (!this.refreshTimer) {
      this.refreshTimer = setInterval(
        () => void this.refreshRemote(),
        Number(this.o.env.OPEN_AMA_DCR_REFRESH_MS ?? DCR_REFRESH_INTERVAL_MS),
      );
      this.refreshTimer.unref();
      void this.refreshRemote();
    }
  }

  private async refreshRemote(): Promise<void> {
    if (!this.remote || this.stopped) return;
    try {
      const fetched = await this.remote.fetch();
      if (JSON.stringify(fetched) !== JSON.stringify(this.remoteDcrs)) {
        this.remoteDcrs = fetched;
        await this.rebuild();
      }
    } catch (err) {
      this.o.logger.warn(
        `could not read DCRs from ${this.remote.name}: ${(err as Error).message}; keeping the ${this.remoteDcrs.length} DCR(s) read before`,
      );
    }
  }

  health(): CollectorHealth {
    const destinations: DestinationHealth[] = [];
    const byDestination = new Map<string, DestinationHealth>();
    for (const { lane } of this.pipeline?.laneHealth() ?? []) {
      const destId = lane.node.destinationId;
      const kind = this.pipeline!.current().destinations.find((d) => d.id === destId)?.kind ?? 'file';
      let d = byDestination.get(destId);
      if (!d) {
        d = { id: destId, kind, state: 'ok', backlogRecords: 0, backlogBytes: 0, droppedRecords: 0 };
        byDestination.set(destId, d);
        destinations.push(d);
      }
      const st = lane.queue.stats();
      d.backlogRecords += st.entries;
      d.backlogBytes += st.bytes;
      // Every loss at the lane went through the drop counter (the worker's own count is a subset of it).
      for (const [reason, n] of Object.entries(this.drops.droppedAt(lane.node.id))) {
        d.droppedRecords += n;
        d.droppedByReason = { ...d.droppedByReason, [reason]: (d.droppedByReason?.[reason] ?? 0) + n };
      }
      const filtered = this.filtered.get(lane.node.id) ?? 0;
      if (filtered > 0) d.filteredRecords = (d.filteredRecords ?? 0) + filtered;
      const h = lane.worker.health;
      if (h.lastSuccessAt && (!d.lastSuccessAt || h.lastSuccessAt > d.lastSuccessAt)) d.lastSuccessAt = h.lastSuccessAt;
      if (h.state !== 'ok') {
        d.state = h.state === 'failed' || d.state === 'failed' ? 'failed' : 'degraded';
        d.lastError = h.lastError;
      }
    }
    return {
      configVersion: this.configVersion,
      dcrs: this.dcrHealth,
      destinations,
      sources: (this.pipeline?.current().sources ?? []).map((s) => ({ id: s.id, state: 'ok' as const })),
      recordsIn: this.recordsIn,
      recordsOut: this.recordsOut,
      droppedByReason: { ...this.drops.byReason },
      ...this.dropsBeforeDestinations(),
      ...(this.filtered.size ? { filteredRecords: [...this.filtered.values()].reduce((a, b) => a + b, 0) } : {}),
      ...(this.quota
        ? {
            queue: {
              usedBytes: this.quota.usedBytes(),
              quotaBytes: this.quota.maxBytes,
              ...(this.quotaSource ? { quotaSource: this.quotaSource } : {}),
            },
          }
        : {}),
      rssBytes: process.memoryUsage().rss,
    };
  }

  /** Drops at sources and routing (components that are not lanes), for the status's sources substatus. */
  private dropsBeforeDestinations(): { droppedBeforeDestinations?: Record<string, number> } {
    const out: Record<string, number> = {};
    for (const [component, reasons] of this.drops.byComponent) {
      if (this.laneLabels.has(component)) continue;
      for (const [r, n] of Object.entries(reasons)) out[r] = (out[r] ?? 0) + n;
    }
    return Object.keys(out).length ? { droppedBeforeDestinations: out } : {};
  }

  /** Stops sources, flushes lanes to disk; idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    await this.pipeline?.stop();
    this.drops.flush();
  }
}
