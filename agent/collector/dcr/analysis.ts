// DCR analysis (pure): what open-ama does with one DCR on Linux — every data source, flow route and
// destination collected (into which table, through which companion, transform on the agent or in the
// service) or ignored and why — and ALL problems at once: blockers with their fix, defects, ignored parts
// (warnings) and typos. validate.ts, the runtime (plan-to-graph.ts) and `open-ama dcr explain` read it.
import { validateDataCollectionRule } from '../../../settings-schemas/generated/validators.js';
import { companionTransformMode, compileTransform, splitTransform } from '../transform/index.js';
import { HEARTBEAT_STREAM } from '../sources/heartbeat/index.js';
import { BUILT_IN_COMPANIONS, type DataFlow, type Dcr } from './model.js';
import {
  isArmExpression,
  type DcrAnalysis,
  type Finding,
  type FlowReport,
  type RouteReport,
} from './analysis-types.js';
import { findTypos, closestName } from './analysis-typos.js';
import {
  analyzeDestinations,
  analyzeSources,
  isObject,
  objects,
  str,
  strings,
  type Json,
  type Produced,
  SYSLOG_STREAMS,
} from './analysis-sources.js';

const COMPANION_STREAMS = new Set(Object.values(BUILT_IN_COMPANIONS).map((c) => c.companion));
const METRIC_STREAMS = new Set(['Microsoft-Perf', 'Microsoft-InsightsMetrics']);

const trivial = (kql: string | undefined): boolean => kql === undefined || ['', 'source'].includes(kql.trim());
/** Table a stream lands in: Microsoft-Syslog → Syslog, Custom-App_CL → App_CL. */
export const tableOf = (stream: string): string => stream.replace(/^(Microsoft|Custom)-/, '');

function valueAt(json: unknown, pointer: string): unknown {
  let v = json;
  for (const part of pointer.split('/').slice(1)) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Json)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return v;
}

function schemaDefects(json: unknown): Finding[] {
  if (validateDataCollectionRule(json)) return [];
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const e of validateDataCollectionRule.errors ?? []) {
    if (e.keyword === 'if' || isArmExpression(valueAt(json, e.instancePath))) continue;
    const message =
      e.keyword === 'enum'
        ? `must be one of ${JSON.stringify(e.params.allowedValues)}`
        : e.keyword === 'pattern' && e.instancePath.endsWith('/immutableId')
          ? 'must be dcr- followed by 32 hex digits (as Azure assigns it)'
          : (e.message ?? e.keyword);
    const key = `${e.instancePath} ${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: e.instancePath || '/', message });
  }
  return out;
}

interface FlowContext {
  a: DcrAnalysis;
  flows: Json[];
  destKinds: Map<string, string>;
  produced: Produced;
  decls: Json;
  base: string;
  companionBlocked: Set<string>;
}

function logAnalyticsRoute(ctx: FlowContext, s: string, d: string, kql: string | undefined, out?: string): RouteReport {
  const companion = BUILT_IN_COMPANIONS[s];
  if (!companion) {
    const t = trivial(kql)
      ? 'none'
      : compileTransform(kql, 'prefilter').kind === 'agent'
        ? 'agent-prefilter'
        : 'service';
    return {
      stream: s,
      destination: d,
      collected: true,
      uploadStream: s,
      table: tableOf(out ?? s),
      transform: t,
      detail: `uploaded as ${s} to table ${tableOf(out ?? s)}`,
    };
  }
  const cflow = ctx.flows.find(
    (f) => strings(f.streams).includes(companion.companion) && strings(f.destinations).includes(d),
  );
  if (!Object.hasOwn(ctx.decls, companion.companion) || !cflow) {
    if (!ctx.companionBlocked.has(`${s}>${d}`)) {
      ctx.companionBlocked.add(`${s}>${d}`);
      ctx.a.blockers.push({
        path: `${ctx.base}/dataFlows`,
        message: `stream ${s} goes to Log Analytics (${d}), which the Logs Ingestion API reaches only through the companion stream ${companion.companion}; this DCR does not declare it and route it to ${d}`,
        fix: 'run "open-ama dcr fix <file>": it adds the companion declaration and flow (carrying the transformKql)',
      });
    }
    return { stream: s, destination: d, collected: false, detail: `blocked: companion ${companion.companion} missing` };
  }
  const table = tableOf(str(cflow.outputStream) ?? companion.outputStream);
  const serviceKql = str(cflow.transformKql);
  let transform: RouteReport['transform'] = 'none';
  if (!trivial(kql)) {
    // As the pipeline decides (plan-to-graph.ts, companionTransformMode): the companion flow holding the
    // part the agent cannot run means the agent runs its prefix; the whole transform, a pre-filter.
    const m = companionTransformMode(kql, serviceKql);
    const split = splitTransform(kql);
    if (m.mode === 'prefilter')
      transform = compileTransform(kql, 'prefilter').kind === 'agent' ? 'agent-prefilter' : 'service';
    else if (m.lost === undefined)
      transform =
        split.reason === undefined ? 'agent' : split.agentPart === 'source' ? 'service' : 'agent-then-service';
    else {
      transform = 'lost';
      ctx.a.warnings.push({
        path: `${ctx.base}/dataFlows`,
        message:
          split.agentPart === 'source'
            ? `the transformKql of ${s} → ${d} cannot run on the agent (${split.reason}) and the companion flow of ${companion.companion} has transformKql "source": nobody applies it, records arrive untransformed`
            : `the agent runs the transformKql of ${s} → ${d} only up to its first operator outside the subset (${split.reason}) and the companion flow of ${companion.companion} has transformKql "source", so nobody runs the rest: ${m.lost}`,
        fix: 'run "open-ama dcr fix <file>": it puts the part the agent cannot run onto the companion flow so the service runs it',
      });
    }
  }
  return {
    stream: s,
    destination: d,
    collected: true,
    uploadStream: companion.companion,
    table,
    transform,
    detail: `uploaded through companion ${companion.companion} to table ${table}`,
  };
}

function ignoredRoute(ctx: FlowContext, path: string, s: string, d: string, why: string): RouteReport {
  ctx.a.warnings.push({ path, message: `stream ${s} → ${d} is ignored: ${why}` });
  return { stream: s, destination: d, collected: false, detail: `ignored: ${why}` };
}

function analyzeFlow(ctx: FlowContext, f: Json, i: number): FlowReport {
  const path = `${ctx.base}/dataFlows/${i}`;
  const streams = strings(f.streams);
  const dests = strings(f.destinations);
  const kql = str(f.transformKql);
  const out = str(f.outputStream);
  const report: FlowReport = { index: i, path, streams, destinations: dests, routes: [] };
  if (kql !== undefined) report.transformKql = kql;
  if (out !== undefined) report.outputStream = out;
  for (const d of dests) {
    if (ctx.destKinds.has(d) || isArmExpression(d)) continue;
    const guess = closestName(d, [...ctx.destKinds.keys()]);
    ctx.a.defects.push({
      path: `${path}/destinations`,
      message: `sends to destination "${d}", which destinations does not define${guess ? ` — did you mean "${guess}"?` : ''}`,
    });
  }
  for (const s of streams) {
    if (s.startsWith('Custom-') && !Object.hasOwn(ctx.decls, s) && !isArmExpression(s)) {
      ctx.a.defects.push({
        path: `${path}/streams`,
        message: `reads the custom stream ${s}, which streamDeclarations does not declare`,
        fix: `declare ${s} in streamDeclarations`,
      });
      continue;
    }
    const producers = ctx.produced.get(s) ?? [];
    const runnable =
      COMPANION_STREAMS.has(s) ||
      producers.some((p) => p.runnable) ||
      (s === HEARTBEAT_STREAM && Object.hasOwn(ctx.decls, s));
    for (const d of dests) {
      const kind = ctx.destKinds.get(d);
      if (!kind) continue;
      if (!runnable) {
        const why = producers.length
          ? `produced only by ${producers.map((p) => p.by).join(', ')}, which open-ama does not run`
          : s.startsWith('Custom-')
            ? 'no data source of this DCR writes it (a Logs Ingestion API client may send it directly)'
            : 'no data source of this DCR produces it';
        report.routes.push(ignoredRoute(ctx, path, s, d, why));
      } else if (!Object.hasOwn({ logAnalytics: 1, azureMonitorMetrics: 1, openAmaFile: 1 }, kind)) {
        report.routes.push(
          ignoredRoute(ctx, path, s, d, `destination ${d} is of kind ${kind}, which open-ama does not send to`),
        );
      } else if (COMPANION_STREAMS.has(s)) {
        const table = tableOf(out ?? s);
        report.routes.push({
          stream: s,
          destination: d,
          collected: true,
          table,
          transform: trivial(kql) ? 'none' : 'service',
          detail: `companion stream: the agent uploads the built-in records here; the service writes table ${table}`,
        });
      } else if (kind === 'azureMonitorMetrics') {
        report.routes.push(
          METRIC_STREAMS.has(s)
            ? {
                stream: s,
                destination: d,
                collected: true,
                uploadStream: 'metrics',
                table: 'azure.vm.linux.guestmetrics',
                detail: 'per-minute aggregates to the custom metrics of the machine',
              }
            : ignoredRoute(ctx, path, s, d, 'only performance counters can go to Azure Monitor Metrics'),
        );
      } else if (kind === 'openAmaFile') {
        report.routes.push({
          stream: s,
          destination: d,
          collected: true,
          uploadStream: out ?? s,
          table: `file ${out ?? s}`,
          transform: trivial(kql) ? 'none' : compileTransform(kql, 'full').kind === 'agent' ? 'agent' : 'lost',
          detail: `JSON lines under /var/opt/open-ama/out`,
        });
      } else {
        report.routes.push(logAnalyticsRoute(ctx, s, d, kql, out));
      }
    }
  }
  return report;
}

/** The runnable subset: supported sources and destinations, one flow per stream with its collected routes. */
function runnableDcr(props: Json, a: DcrAnalysis, immutableId: string, base: string): Dcr {
  const ds = isObject(props.dataSources) ? props.dataSources : {};
  const collected = new Set(a.sources.filter((s) => s.collected).map((s) => s.path));
  const keep = (kind: string): Json[] =>
    objects(ds[kind]).filter((_s, i) => collected.has(`${base}/dataSources/${kind}/${i}`));
  const logFiles = keep('logFiles').map((s) => ({
    ...s,
    filePatterns: strings(s.filePatterns).filter((p) => p.startsWith('/')),
  }));
  const dest = isObject(props.destinations) ? props.destinations : {};
  const flows: DataFlow[] = [];
  const raw = objects(props.dataFlows);
  for (const fr of a.flows) {
    for (const s of fr.streams) {
      const destinations = [
        ...new Set(fr.routes.filter((r) => r.stream === s && r.collected).map((r) => r.destination)),
      ];
      if (destinations.length === 0) continue;
      const f = raw[fr.index]!;
      flows.push({
        streams: [s],
        destinations,
        ...(typeof f.transformKql === 'string' ? { transformKql: f.transformKql } : {}),
        ...(typeof f.outputStream === 'string' ? { outputStream: f.outputStream } : {}),
      });
    }
  }
  return {
    immutableId,
    name: a.name,
    endpoints: props.endpoints as Dcr['endpoints'],
    dataCollectionEndpoint: props.dataCollectionEndpoint as Dcr['dataCollectionEndpoint'],
    agentSettings: props.agentSettings as Dcr['agentSettings'],
    streamDeclarations: (isObject(props.streamDeclarations)
      ? props.streamDeclarations
      : {}) as Dcr['streamDeclarations'],
    dataSources: {
      performanceCounters: keep('performanceCounters') as unknown as NonNullable<
        Dcr['dataSources']['performanceCounters']
      >,
      syslog: keep('syslog')
        .map((s) => ({ ...s, streams: strings(s.streams).filter((st) => SYSLOG_STREAMS.includes(st)) }))
        .filter((s) => s.streams.length > 0) as unknown as NonNullable<Dcr['dataSources']['syslog']>,
      logFiles: logFiles as unknown as NonNullable<Dcr['dataSources']['logFiles']>,
    },
    destinations: {
      logAnalytics: objects(dest.logAnalytics) as unknown as NonNullable<Dcr['destinations']['logAnalytics']>,
      ...(isObject(dest.azureMonitorMetrics)
        ? { azureMonitorMetrics: dest.azureMonitorMetrics as { name: string } }
        : {}),
      openAmaFile: objects(dest.openAmaFile) as unknown as NonNullable<Dcr['destinations']['openAmaFile']>,
    },
    dataFlows: flows,
  };
}

/** Analyses one DCR: an ARM resource ({ properties }), az CLI output (properties flattened) or a bare body. */
export function analyzeDcr(json: unknown, ref = 'DCR'): DcrAnalysis {
  const a: DcrAnalysis = {
    ref,
    sources: [],
    flows: [],
    destinations: [],
    blockers: [],
    defects: [],
    warnings: [],
    typos: [],
  };
  if (!isObject(json)) {
    a.defects.push({ path: '/', message: 'a DCR must be a JSON object' });
    return a;
  }
  const wrapped = isObject(json.properties);
  const props = wrapped ? (json.properties as Json) : json;
  const base = wrapped ? '/properties' : '';
  if (typeof json.name === 'string') a.name = json.name;
  a.defects.push(...schemaDefects(json));
  a.typos.push(...findTypos(json));
  const immutableId =
    typeof props.immutableId === 'string' && props.immutableId.trim() !== '' ? props.immutableId : undefined;
  if (immutableId) a.immutableId = immutableId;
  const decls = isObject(props.streamDeclarations) ? props.streamDeclarations : {};
  for (const [name, decl] of Object.entries(decls)) {
    if (!name.startsWith('Custom-') && !isArmExpression(name))
      a.defects.push({
        path: `${base}/streamDeclarations/${name}`,
        message: `a declared stream must be named Custom-…, not ${name}`,
      });
    const cols = objects(isObject(decl) ? decl.columns : undefined)
      .map((c) => str(c.name))
      .filter((c) => c !== undefined);
    const dup = cols.find((c, i) => cols.indexOf(c) !== i);
    if (dup) a.defects.push({ path: `${base}/streamDeclarations/${name}`, message: `column ${dup} is declared twice` });
  }
  const destKinds = analyzeDestinations(props.destinations, base, a);
  const produced = analyzeSources(props.dataSources, decls, base, a);
  const flows = objects(props.dataFlows);
  const ctx: FlowContext = { a, flows, destKinds, produced, decls, base, companionBlocked: new Set() };
  a.flows = flows.map((f, i) => analyzeFlow(ctx, f, i));
  const toLa = a.flows.some((f) =>
    f.routes.some(
      (r) => (r.collected || r.detail.startsWith('blocked')) && destKinds.get(r.destination) === 'logAnalytics',
    ),
  );
  // The immutableId is part of every Logs Ingestion API URL; a DCR sending nothing there (metrics only,
  // AgentSettings, or nothing open-ama runs) needs none: its file name identifies it.
  if (!immutableId && toLa)
    a.blockers.unshift({
      path: `${base}/immutableId`,
      message: 'no immutableId: the agent uploads to Log Analytics with it',
      fix: 'Azure assigns it when the DCR is created — create the DCR, then use it as Azure returns it (az monitor data-collection rule show, or let the agent read it from Azure)',
    });
  const endpoints = isObject(props.endpoints) ? props.endpoints : {};
  const dce = isObject(props.dataCollectionEndpoint) ? props.dataCollectionEndpoint : {};
  if (toLa && !str(endpoints.logsIngestion) && !str(dce.logsIngestion)) {
    a.blockers.push({
      path: `${base}/endpoints`,
      message: 'a Log Analytics destination needs an ingestion endpoint and this DCR has none',
      fix: str(props.dataCollectionEndpointId)
        ? 'the agent reads the logsIngestion endpoint of the DCE (dataCollectionEndpointId) when it reads the DCR from Azure; for a DCR given inline or in dcr.d add dataCollectionEndpoint.logsIngestion'
        : 'give the DCR a data collection endpoint (dataCollectionEndpointId) or create it with kind "Direct", which gives it endpoints.logsIngestion',
    });
  }
  if (a.defects.length === 0) a.runnable = runnableDcr(props, a, immutableId ?? ref, base);
  return a;
}
