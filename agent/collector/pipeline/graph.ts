// The pipeline graph as data (STYLE.md: "the graph is data, so it can be printed, diffed on reload
// and tested"): source nodes, destination nodes, lanes (destination × upload stream) and routes
// (source stream → lane). Every node has a stable `key` = hash of its definition; reload keeps nodes
// whose key is unchanged (with their sockets, timers and state) and replaces the others.
import { createHash } from 'node:crypto';
import type { PerfSourceSpec } from '../sources/perf/index.js';
import type { SyslogFilter, SyslogSourceSpec } from '../sources/syslog/index.js';
import type { TextLogSpec } from '../sources/text-logs/index.js';

export type SourceKind = 'perf' | 'syslog' | 'text-logs' | 'heartbeat';
export type DestinationKind = 'logs-ingestion' | 'metrics' | 'file';

interface SourceNodeOf<K extends SourceKind, S> {
  id: string;
  kind: K;
  /** Kind-specific definition handed to the source factory (DCR data source + what it needs). */
  spec: S;
  /** Streams this source emits. */
  streams: string[];
  key: string;
}

/** What the graph holds for a perf source: its PerfSourceSpec without the id and the test-only /proc root. */
export type PerfNodeSpec = Pick<PerfSourceSpec, 'counterSpecifiers' | 'intervalSec' | 'streams'>;

/** The syslog source: one listener, one filter per distinct DCR selection. */
export type SyslogNodeSpec = Pick<SyslogSourceSpec, 'streams'> & {
  port: number;
  filters: Pick<SyslogFilter, 'key' | 'facilities' | 'levels'>[];
};

/** A text-log source: its TextLogSpec without the id, the test-only intervals and the environment's options. */
export type TextLogNodeSpec = Pick<
  TextLogSpec,
  'filePatterns' | 'format' | 'recordStartTimestampFormat' | 'stream' | 'columns'
>;

/** A source node, discriminated by kind: the factory gets a typed spec without a cast. */
export type SourceNode =
  | SourceNodeOf<'perf', PerfNodeSpec>
  | SourceNodeOf<'syslog', SyslogNodeSpec>
  | SourceNodeOf<'text-logs', TextLogNodeSpec>
  | SourceNodeOf<'heartbeat', Record<string, never>>;

interface DestinationNodeOf<K extends DestinationKind> {
  id: string;
  kind: K;
  dcrImmutableId: string;
  name: string;
  key: string;
}

/** A destination node, discriminated by kind: only logs-ingestion has (and always has) an endpoint. */
export type DestinationNode =
  | (DestinationNodeOf<'logs-ingestion'> & {
      /** The ingestion endpoint base URL. */
      endpoint: string;
    })
  | DestinationNodeOf<'metrics'>
  | DestinationNodeOf<'file'>;

export interface LaneNode {
  /** "<destination id>/<upload stream>" — also the queue directory name. */
  id: string;
  destinationId: string;
  /** The stream name used when uploading (e.g. Custom-OpenAma-Syslog; for file: the output stream). */
  uploadStream: string;
  key: string;
}

export interface RouteNode {
  /** Stream a source emits (e.g. Microsoft-Syslog). */
  sourceStream: string;
  laneId: string;
  /** Agent-side transform (subset of KQL), or undefined for `source`. */
  transformKql?: string;
  /** The data source's own transformKql (logFiles), run in full on the agent before transformKql. */
  sourceTransformKql?: string;
  /** full: the service will not run it on what we upload; prefilter: it will, so only leading `where`s run here. */
  transformMode?: 'full' | 'prefilter';
  /** Columns declared for the upload stream (records are projected onto them when known). */
  columns?: string[];
}

export interface PipelineGraph {
  sources: SourceNode[];
  destinations: DestinationNode[];
  lanes: LaneNode[];
  routes: RouteNode[];
}

export function nodeKey(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const obj = value as Record<string, unknown>;
  return `{${Object.keys(obj)
    .sort()
    .filter((k) => obj[k] !== undefined)
    .map((k) => `${JSON.stringify(k)}:${stableStringify(obj[k])}`)
    .join(',')}}`;
}

export interface GraphDiff<T> {
  kept: T[];
  added: T[];
  removed: T[];
}

export function diffNodes<T extends { id: string; key: string }>(before: T[], after: T[]): GraphDiff<T> {
  const old = new Map(before.map((n) => [n.id, n]));
  const next = new Map(after.map((n) => [n.id, n]));
  const kept: T[] = [];
  const added: T[] = [];
  const removed: T[] = [];
  for (const n of after) {
    const o = old.get(n.id);
    if (o && o.key === n.key) kept.push(n);
    else added.push(n);
  }
  for (const o of before) {
    const n = next.get(o.id);
    if (!n || n.key !== o.key) removed.push(o);
  }
  return { kept, added, removed };
}

/** A human-readable rendering (dcr explain, logs). */
export function describeGraph(g: PipelineGraph): string {
  const lines: string[] = [];
  for (const s of g.sources) lines.push(`source ${s.id} (${s.kind}) → ${s.streams.join(', ')}`);
  for (const r of g.routes)
    lines.push(
      `route ${r.sourceStream} → ${r.laneId}${r.transformKql && r.transformKql !== 'source' ? ` [transform: ${r.transformKql}]` : ''}`,
    );
  for (const d of g.destinations)
    lines.push(`destination ${d.id} (${d.kind}${d.kind === 'logs-ingestion' ? ` ${d.endpoint}` : ''})`);
  return lines.join('\n');
}
