// The collector's IPC contract with whoever spawned it (the supervisor), over Node's IPC channel.
// The collector never imports the supervisor; the supervisor imports these types.

export type ComponentState = 'ok' | 'degraded' | 'failed';

export interface DestinationHealth {
  id: string;
  kind: 'logs-ingestion' | 'metrics' | 'file';
  state: ComponentState;
  lastSuccessAt?: string;
  lastError?: string;
  backlogRecords: number;
  backlogBytes: number;
  /** Records lost at this destination (docs/reliability.md, "Drop reasons"); never includes filtered ones. */
  droppedRecords: number;
  droppedByReason?: Record<string, number>;
  /** Records the DCR's transform filtered out on purpose (`where`): not a loss. */
  filteredRecords?: number;
}

export interface DcrHealth {
  immutableId: string;
  source: 'inline' | 'file' | 'arm' | 'control-plane';
  state: 'loaded' | 'rejected';
  reason?: string;
  /** Parts of a loaded DCR open-ama ignores on Linux, unknown properties (docs/dcr-support.md). */
  warnings?: string[];
}

export interface CollectorHealth {
  configVersion: number;
  dcrs: DcrHealth[];
  destinations: DestinationHealth[];
  sources: { id: string; state: ComponentState; detail?: string }[];
  recordsIn: number;
  recordsOut: number;
  /** Records lost, by reason; records filtered by a transform are not among them (filteredRecords). */
  droppedByReason: Record<string, number>;
  /** The part of droppedByReason lost before any destination's queue (sources, routing), by reason. */
  droppedBeforeDestinations?: Record<string, number>;
  filteredRecords?: number;
  /** Durable queue use across all lanes against the disk quota (diskQuotaMB or an AgentSettings DCR). */
  queue?: { usedBytes: number; quotaBytes: number; quotaSource?: string };
  rssBytes: number;
}

/** Supervisor → collector. */
export type SupervisorToCollector =
  { type: 'apply-config'; configVersion: number } | { type: 'health-request' } | { type: 'shutdown' };

/** Collector → supervisor. */
export type CollectorToSupervisor =
  | { type: 'ready'; configVersion: number; pid: number }
  | { type: 'config-applied'; configVersion: number; hot: boolean }
  | { type: 'config-rejected'; configVersion: number; reason: string }
  | { type: 'health'; health: CollectorHealth };
