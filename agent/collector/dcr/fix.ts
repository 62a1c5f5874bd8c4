// `open-ama dcr fix` (pure, offline; `dcr fix --apply` calls fixDcr too): makes a DCR runnable by open-ama.
// For every built-in stream a flow sends to Log Analytics it declares the Custom-OpenAma-<Name> companion
// stream with EVERY column of its table (docs/dcr-support.md) and adds the companion flow to the same
// destinations carrying the SERVICE part of the user's transformKql (splitTransform: the agent runs the
// prefix it can on the built-in stream, the service runs the rest on the companion; `source` when the
// agent runs all of it, the whole transform when the agent runs none); it adds a heartbeat flow per
// workspace. Idempotent: fixing twice changes nothing more.
import { BUILT_IN_COMPANIONS } from './model.js';
import { analyzeDcr } from './analysis.js';
import { HEARTBEAT_STREAM } from '../sources/heartbeat/index.js';
import { COMMON_SECURITY_LOG_COLUMNS } from '../sources/syslog/index.js';
import { splitTransform } from '../transform/index.js';

const col = (name: string, type: string): { name: string; type: string } => ({ name, type });
const SYSLOG = [
  col('TimeGenerated', 'datetime'),
  col('Computer', 'string'),
  col('EventTime', 'datetime'),
  col('Facility', 'string'),
  col('HostName', 'string'),
  col('HostIP', 'string'),
  col('SeverityLevel', 'string'),
  col('SyslogMessage', 'string'),
  col('ProcessID', 'int'),
  col('ProcessName', 'string'),
  col('CollectorHostName', 'string'),
];
const PERF = [
  col('TimeGenerated', 'datetime'),
  col('Computer', 'string'),
  col('ObjectName', 'string'),
  col('CounterName', 'string'),
  col('InstanceName', 'string'),
  col('CounterValue', 'real'),
  col('CounterPath', 'string'),
];
const IM = [
  col('TimeGenerated', 'datetime'),
  col('Computer', 'string'),
  col('Origin', 'string'),
  col('Namespace', 'string'),
  col('Name', 'string'),
  col('Val', 'real'),
  col('Tags', 'string'),
  col('AgentId', 'string'),
];
const HEARTBEAT = [
  col('TimeGenerated', 'datetime'),
  ...[
    'Computer',
    'Category',
    'Version',
    'OSType',
    'OSName',
    'OSMajorVersion',
    'OSMinorVersion',
    'ComputerIP',
    'Agent',
  ].map((n) => col(n, 'string')),
];
export const HEARTBEAT_OUTPUT_STREAM = 'Custom-OpenAmaHeartbeat_CL';
export const COMPANION_COLUMNS: Record<string, { name: string; type: string }[]> = {
  'Custom-OpenAma-Syslog': SYSLOG,
  'Custom-OpenAma-CommonSecurityLog': COMMON_SECURITY_LOG_COLUMNS.map((c) => ({ ...c })),
  'Custom-OpenAma-Perf': PERF,
  'Custom-OpenAma-InsightsMetrics': IM,
  [HEARTBEAT_STREAM]: HEARTBEAT,
};

type Json = Record<string, unknown>;
interface Flow {
  streams: string[];
  destinations: string[];
  transformKql?: string;
  outputStream?: string;
}
export interface FixResult {
  /** The fixed DCR (a copy; the input is not changed). */
  dcr: unknown;
  /** One line per change, for the summary; empty when the DCR needed nothing. */
  changes: string[];
  /** What the fix left as it was and the user should check (not changes: a second run repeats them). */
  notes: string[];
  /** Companion / heartbeat declarations added. */
  added: string[];
  /** Custom tables the added flows write (name → columns): they must exist in the workspace. */
  customTables: Record<string, { name: string; type: string }[]>;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const norm = (kql: string | undefined): string => (kql ?? 'source').trim() || 'source';
const isFlow = (f: unknown): f is Flow => isObject(f) && Array.isArray(f.streams) && Array.isArray(f.destinations);

function declare(decls: Json, stream: string, r: FixResult): void {
  const wanted = COMPANION_COLUMNS[stream]!;
  const decl = decls[stream];
  if (!isObject(decl) || !Array.isArray(decl.columns)) {
    decls[stream] = { columns: wanted.map((c) => ({ ...c })) };
    r.added.push(stream);
    r.changes.push(`declared ${stream} (${wanted.length} columns)`);
    return;
  }
  const have = new Set((decl.columns as unknown[]).filter(isObject).map((c) => c.name));
  const missing = wanted.filter((c) => !have.has(c.name));
  if (missing.length === 0) return;
  (decl.columns as unknown[]).push(...missing.map((c) => ({ ...c })));
  r.changes.push(`added ${missing.length} missing column(s) to ${stream}: ${missing.map((c) => c.name).join(', ')}`);
}

/**
 * Makes sure `stream` reaches destination `d` through a flow with transform `kql` and output stream `out`.
 * `whole`: the built-in flow's whole transform, which an older fix put on the companion flow (the agent
 * then only pre-filters); such a flow gets `kql`, the part the agent cannot run.
 */
function route(flows: Flow[], stream: string, d: string, kql: string, out: string, r: FixResult, whole = kql): void {
  const mine = flows.filter((f) => f.streams.includes(stream) && (f.outputStream ?? out) === out);
  const serving = mine.find((f) => f.destinations.includes(d));
  if (serving) {
    const have = norm(serving.transformKql);
    if (have === norm(kql)) return;
    if ((have === 'source' || have === norm(whole)) && serving.streams.length === 1) {
      serving.transformKql = kql;
      r.changes.push(
        norm(kql) === 'source'
          ? `set the transformKql of the ${stream} flow to ${serving.destinations.join(', ')} to "source": the agent runs all of the built-in flow's transformKql`
          : `carried the part of the transformKql the agent cannot run onto the ${stream} flow to ${serving.destinations.join(', ')}: ${kql}`,
      );
    } else {
      r.notes.push(
        `kept the existing transformKql of the ${stream} flow to ${d}; it is not the part of the built-in flow's the agent cannot run (check which one you want)`,
      );
    }
    return;
  }
  const same = mine.find((f) => f.streams.length === 1 && norm(f.transformKql) === norm(kql));
  if (same) {
    same.destinations.push(d);
    r.changes.push(`routed ${stream} to ${d} too`);
    return;
  }
  flows.push({ streams: [stream], destinations: [d], transformKql: kql, outputStream: out });
  r.changes.push(
    `added the flow ${stream} → ${d} (outputStream ${out}${norm(kql) === 'source' ? '' : `, with the transformKql part the agent cannot run: ${kql}`})`,
  );
}

function fixInPlace(dcr: Json, r: FixResult): void {
  const props = isObject(dcr.properties) ? dcr.properties : dcr;
  const analysis = analyzeDcr(dcr);
  if (!isObject(props.streamDeclarations)) props.streamDeclarations = {};
  if (!Array.isArray(props.dataFlows)) props.dataFlows = [];
  const decls = props.streamDeclarations as Json;
  const flows = (props.dataFlows as unknown[]).filter(isFlow);
  const destinations = isObject(props.destinations) ? props.destinations : {};
  const la = new Set(
    (Array.isArray(destinations.logAnalytics) ? destinations.logAnalytics : [])
      .filter(isObject)
      .map((d) => d.name)
      .filter((n): n is string => typeof n === 'string'),
  );
  const workspaces = new Set<string>();
  for (const flow of [...flows]) {
    for (const s of flow.streams) {
      const c = BUILT_IN_COMPANIONS[s];
      if (!c) continue;
      const dests = flow.destinations.filter((d) => la.has(d));
      if (dests.length === 0) continue;
      declare(decls, c.companion, r);
      const out =
        s === 'Microsoft-Perf' || s === 'Microsoft-InsightsMetrics'
          ? c.outputStream
          : (flow.outputStream ?? c.outputStream);
      const whole = flow.transformKql ?? 'source';
      const service = splitTransform(whole).servicePart;
      for (const d of dests) route(flows, c.companion, d, service, out, r, whole);
      if (out.startsWith('Custom-')) r.customTables[out.slice('Custom-'.length)] = COMPANION_COLUMNS[c.companion]!;
    }
  }
  // A heartbeat per workspace that receives something open-ama collects.
  for (const f of analysis.flows)
    for (const rt of f.routes)
      if (la.has(rt.destination) && (rt.collected || rt.detail.startsWith('blocked'))) workspaces.add(rt.destination);
  for (const d of [...workspaces].sort()) {
    declare(decls, HEARTBEAT_STREAM, r);
    route(flows, HEARTBEAT_STREAM, d, 'source', HEARTBEAT_OUTPUT_STREAM, r);
    r.customTables[HEARTBEAT_OUTPUT_STREAM.slice('Custom-'.length)] = HEARTBEAT;
  }
  const added = flows.filter((f) => !(props.dataFlows as unknown[]).includes(f));
  (props.dataFlows as unknown[]).push(...added);
}

/** Fixes one DCR (ARM resource, az output or bare body); the input is not changed. */
export function fixDcr(dcrJson: unknown): FixResult {
  const r: FixResult = { dcr: undefined, changes: [], notes: [], added: [], customTables: {} };
  const copy = JSON.parse(JSON.stringify(dcrJson ?? {})) as unknown;
  if (isObject(copy)) fixInPlace(copy, r);
  r.dcr = copy;
  return r;
}

/** Fixes a DCR object where it is (for DCRs inside a template or an array the CLI writes back whole). */
export function fixDcrInPlace(dcr: Record<string, unknown>): FixResult {
  const r: FixResult = { dcr, changes: [], notes: [], added: [], customTables: {} };
  fixInPlace(dcr, r);
  return r;
}

/** The companion part of the fix alone (deploy's settings → DCR mapping), without the heartbeat flows. */
export function addCompanionDeclarations(dcrJson: unknown): { dcr: unknown; added: string[] } {
  const r = fixDcr(dcrJson);
  const props = (isObject(r.dcr) && isObject(r.dcr.properties) ? r.dcr.properties : r.dcr) as Json;
  const decls = props.streamDeclarations as Json;
  const hadHeartbeat = isObject(dcrJson) && JSON.stringify(dcrJson).includes(HEARTBEAT_STREAM);
  if (!hadHeartbeat) {
    delete decls[HEARTBEAT_STREAM];
    props.dataFlows = (props.dataFlows as Flow[]).filter((f) => !f.streams.includes(HEARTBEAT_STREAM));
  }
  return { dcr: r.dcr, added: r.added.filter((a) => hadHeartbeat || a !== HEARTBEAT_STREAM) };
}
