// DCRs → PipelineGraph. Each DCR is validated alone (rejected ones are reported, the rest run); the parts
// of a loaded DCR open-ama does not run are left out by validateDcr and reported as the DCR's warnings.
// Identical data sources across DCRs become ONE source node (collected once) whose records fan out to
// every DCR's routes (multi-homing). Source records travel on virtual streams "<sourceId>|<stream>"
// (syslog adds its filter key) so two DCRs with different filters or files never see each other's
// records. Lanes: Log Analytics uploads built-in streams through their Custom-OpenAma-* companion
// (agent runs the whole transform) and Custom-* streams as themselves (agent pre-filters only).
import { randomBytes } from 'node:crypto';
import type { AgentConfig } from '../../config/index.js';
import type { DcrHealth } from '../ipc.js';
import type { LaneLabels, SourceLabels } from '../../telemetry/self-metrics.js';
import { BUILT_IN_COMPANIONS, type Dcr, validateDcr } from '../dcr/index.js';
import { companionTransformMode } from '../transform/index.js';
import { HEARTBEAT_STREAM } from '../sources/heartbeat/index.js';
import { DEFAULT_SYSLOG_PORT } from '../sources/syslog/index.js';
import {
  nodeKey,
  type DestinationNode,
  type LaneNode,
  type PipelineGraph,
  type RouteNode,
  type SourceNode,
  type SyslogNodeSpec,
} from './graph.js';

export interface DcrInput {
  json: unknown;
  origin: DcrHealth['source'];
  ref: string;
  /** Set when the DCR could not even be read (e.g. a broken dcr.d file). */
  error?: string;
}

export interface BuildContext {
  computer: string;
  config: AgentConfig;
  env: NodeJS.ProcessEnv;
  outDir: string;
}

/**
 * The readable names behind the graph's internal ids, for self-metrics and log lines
 * (docs/troubleshooting.md, "Metrics"): which DCR data source and stream a virtual source stream
 * carries (several, when DCRs share a source), and which DCR destination and stream(s) a lane carries.
 */
export interface GraphLabels {
  /** Virtual stream ("<sourceId>|…|<stream>") → the DCR data sources producing it. */
  streams: Map<string, SourceLabels[]>;
  /** Lane id → its DCR, destination name and the DCR stream(s) routed to it (joined by ","). */
  lanes: Map<string, LaneLabels>;
}

type SyslogFilterSpec = SyslogNodeSpec['filters'][number];

export function syslogFilterKey(
  facilities: string[] | undefined,
  levels: string[] | undefined,
): { key: string; facilities: string[]; levels: string[] } {
  const f = [...new Set((facilities ?? ['*']).map((x) => x.toLowerCase()))].sort();
  const l = [...new Set((levels ?? ['*']).map((x) => x.toLowerCase()))].sort();
  return { key: nodeKey({ f, l }).slice(0, 8), facilities: f, levels: l };
}

// A network destination's uploader is built with the proxy and identity of its time, so changing them
// must rebuild it (a new proxy or a rotated password would otherwise never take effect). They enter the
// key only hashed with a per-process salt: the proxy password must not be guessable from a key.
const NETWORK_KEY_SALT = randomBytes(16).toString('hex');
function networkKey(config: AgentConfig): string {
  return nodeKey({ salt: NETWORK_KEY_SALT, proxy: config.proxy, identity: config.managedIdentity ?? null });
}

export function buildPipelineGraph(
  inputs: DcrInput[],
  ctx: BuildContext,
): { graph: PipelineGraph; dcrs: DcrHealth[]; warnings: string[]; labels: GraphLabels } {
  const dcrs: DcrHealth[] = [];
  const warnings: string[] = [];
  const accepted: Dcr[] = [];
  for (const input of inputs) {
    if (input.error) {
      dcrs.push({ immutableId: input.ref, source: input.origin, state: 'rejected', reason: input.error });
      continue;
    }
    const v = validateDcr(input.json, input.ref);
    if (!v.ok) {
      dcrs.push({ immutableId: v.immutableId, source: input.origin, state: 'rejected', reason: v.reason });
      continue;
    }
    if (accepted.some((d) => d.immutableId === v.dcr.immutableId)) {
      warnings.push(`DCR ${v.dcr.immutableId} was given twice (${input.ref}); using the first`);
      continue;
    }
    accepted.push(v.dcr);
    warnings.push(...v.warnings);
    dcrs.push({
      immutableId: v.dcr.immutableId,
      source: input.origin,
      state: 'loaded',
      ...(v.warnings.length ? { warnings: v.warnings } : {}),
    });
  }

  const sources = new Map<string, SourceNode>();
  const destinations = new Map<string, DestinationNode>();
  const lanes = new Map<string, LaneNode>();
  const routes: RouteNode[] = [];
  const syslogFilters = new Map<string, SyslogFilterSpec>();
  const syslogStreams = new Set<string>();
  const port = Number(ctx.env.OPEN_AMA_SYSLOG_PORT ?? DEFAULT_SYSLOG_PORT);
  const streamLabels = new Map<string, SourceLabels[]>();
  const laneStreams = new Map<string, { dcr: string; destination: string; streams: Set<string> }>();

  for (const dcr of accepted) {
    // Virtual streams this DCR's data sources produce, per real stream name.
    const produced = new Map<string, string[]>();
    const sourceKql = new Map<string, string>(); // virtual stream → its data source's transformKql
    const add = (stream: string, virtual: string, dataSource: string): void => {
      produced.set(stream, [...(produced.get(stream) ?? []), virtual]);
      const l = streamLabels.get(virtual) ?? [];
      if (!l.some((x) => x.dcr === dcr.immutableId && x.data_source === dataSource))
        l.push({ dcr: dcr.immutableId, data_source: dataSource, stream });
      streamLabels.set(virtual, l);
    };
    for (const pc of dcr.dataSources.performanceCounters ?? []) {
      const spec = {
        counterSpecifiers: [...pc.counterSpecifiers].sort(),
        intervalSec: pc.samplingFrequencyInSeconds ?? 60,
        streams: [...pc.streams].sort(),
      };
      const id = `perf/${nodeKey(spec).slice(0, 10)}`;
      sources.set(id, { id, kind: 'perf', spec, streams: spec.streams, key: nodeKey(spec) });
      for (const s of pc.streams) add(s, `${id}|${s}`, pc.name);
    }
    for (const sl of dcr.dataSources.syslog ?? []) {
      const f = syslogFilterKey(sl.facilityNames, sl.logLevels);
      syslogFilters.set(f.key, f);
      for (const s of sl.streams) {
        syslogStreams.add(s);
        add(s, `syslog|${f.key}|${s}`, sl.name);
      }
    }
    for (const lf of dcr.dataSources.logFiles ?? []) {
      const stream = lf.streams[0]!;
      const spec = {
        filePatterns: [...lf.filePatterns].sort(),
        format: lf.format,
        recordStartTimestampFormat: lf.settings?.text?.recordStartTimestampFormat,
        stream,
        columns: dcr.streamDeclarations[stream]?.columns.map((c) => c.name) ?? [],
      };
      const id = `text-logs/${nodeKey(spec).slice(0, 10)}`;
      sources.set(id, { id, kind: 'text-logs', spec, streams: [stream], key: nodeKey(spec) });
      add(stream, `${id}|${stream}`, lf.name);
      // Per DCR: two DCRs tailing the same files share the source, each with its own data-source transform.
      const kql = lf.transformKql?.trim();
      if (kql && kql !== 'source') sourceKql.set(`${id}|${stream}`, kql);
    }
    if (dcr.streamDeclarations[HEARTBEAT_STREAM]) add(HEARTBEAT_STREAM, `heartbeat|${HEARTBEAT_STREAM}`, 'heartbeat');

    // A DCR's named DCE wins over its own endpoints (private link needs the DCE; docs/dcr-support.md).
    const endpoint = dcr.dataCollectionEndpoint?.logsIngestion ?? dcr.endpoints?.logsIngestion;
    const companions = new Set(Object.values(BUILT_IN_COMPANIONS).map((c) => c.companion));
    for (const flow of dcr.dataFlows) {
      for (const destName of flow.destinations) {
        const kind = (dcr.destinations.logAnalytics ?? []).some((d) => d.name === destName)
          ? 'logs-ingestion'
          : dcr.destinations.azureMonitorMetrics?.name === destName
            ? 'metrics'
            : 'file';
        const destId = `${dcr.immutableId}/${destName}`;
        const base = { id: destId, dcrImmutableId: dcr.immutableId, name: destName, key: '' };
        // validateDcr rejects a DCR with a Log Analytics destination and no ingestion endpoint.
        const dest: DestinationNode =
          kind === 'logs-ingestion' ? { ...base, kind, endpoint: endpoint! } : { ...base, kind };
        dest.key = nodeKey({ ...dest, key: undefined, ...(kind === 'file' ? {} : { net: networkKey(ctx.config) }) });
        destinations.set(destId, dest);
        for (const stream of flow.streams) {
          if (companions.has(stream)) continue; // the service-side half of a companion pair
          const virtuals = produced.get(stream) ?? [];
          if (virtuals.length === 0) {
            warnings.push(
              `${dcr.immutableId}: no data source produces ${stream}; its flow to ${destName} carries nothing`,
            );
            continue;
          }
          const companion = BUILT_IN_COMPANIONS[stream];
          let uploadStream = stream;
          let transformMode: RouteNode['transformMode'] = 'full';
          if (kind === 'logs-ingestion') {
            uploadStream = companion ? companion.companion : stream;
            // Built-in stream: the companion flow's transformKql is what the service runs on the upload. When it
            // is the remainder of the split (or `source`), the agent runs the agent part; when it is the whole
            // transform, the agent only pre-filters, so nothing is applied twice (docs/dcr-support.md).
            if (companion) {
              const serviceKql = dcr.dataFlows.find(
                (f) => f.streams.includes(companion.companion) && f.destinations.includes(destName),
              )?.transformKql;
              transformMode = companionTransformMode(flow.transformKql, serviceKql).mode;
              // (A part of the transform nobody runs is a warning of the DCR analysis, dcr/analysis.ts.)
            } else transformMode = 'prefilter';
          } else if (kind === 'metrics') {
            if (stream !== 'Microsoft-Perf' && stream !== 'Microsoft-InsightsMetrics') {
              warnings.push(
                `${dcr.immutableId}: stream ${stream} cannot go to the metrics destination ${destName}; only performance counters can`,
              );
              continue;
            }
            uploadStream = 'metrics';
          } else {
            uploadStream = flow.outputStream ?? stream;
          }
          const laneId = `${destId}/${uploadStream}`;
          lanes.set(laneId, {
            id: laneId,
            destinationId: destId,
            uploadStream,
            key: nodeKey({ laneId, dest: dest.key }),
          });
          const ls = laneStreams.get(laneId) ?? { dcr: dcr.immutableId, destination: destName, streams: new Set() };
          ls.streams.add(stream);
          laneStreams.set(laneId, ls);
          const columns =
            kind === 'logs-ingestion' ? dcr.streamDeclarations[uploadStream]?.columns.map((c) => c.name) : undefined;
          for (const v of virtuals) {
            routes.push({
              sourceStream: v,
              laneId,
              transformKql: flow.transformKql,
              transformMode,
              ...(sourceKql.has(v) ? { sourceTransformKql: sourceKql.get(v) } : {}),
              ...(columns ? { columns } : {}),
            });
          }
        }
      }
    }
  }
  if (syslogFilters.size > 0) {
    const spec = {
      port,
      // Code-unit order, not localeCompare: the order only has to be stable, and the first localeCompare
      // loads ICU's collator into the collector for good (+2.9 MB RSS on the bundled runtime, docs/performance.md).
      filters: [...syslogFilters.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
      streams: [...syslogStreams].sort(),
    };
    sources.set('syslog', { id: 'syslog', kind: 'syslog', spec, streams: spec.streams, key: nodeKey(spec) });
  }
  if (routes.some((r) => r.sourceStream.startsWith('heartbeat|'))) {
    sources.set('heartbeat', {
      id: 'heartbeat',
      kind: 'heartbeat',
      spec: {},
      streams: [HEARTBEAT_STREAM],
      key: 'heartbeat',
    });
  }
  return {
    graph: {
      sources: [...sources.values()],
      destinations: [...destinations.values()],
      lanes: [...lanes.values()],
      routes,
    },
    dcrs,
    warnings,
    labels: {
      streams: streamLabels,
      lanes: new Map(
        [...laneStreams].map(([id, l]) => [
          id,
          { dcr: l.dcr, destination: l.destination, stream: [...l.streams].sort().join(',') },
        ]),
      ),
    },
  };
}
