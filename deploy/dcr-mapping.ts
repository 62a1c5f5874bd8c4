// Our settings → the ARM data collection rule `open-ama deploy dcr` creates (pure, no I/O).
// The data sources (perf counters, syslog facilities/levels, text/JSON log files) come from the inline
// DCRs of our public settings (or one bare DCR); every Log Analytics or file destination becomes the
// given workspace; each flow is split per stream with the output table made explicit (Custom-X → X_CL);
// text-log streams get their declaration; built-in streams get their Custom-OpenAma-* companion
// (docs/dcr-support.md, through the collector's own `dcr fix`); read-only ARM fields are dropped.
import {
  addCompanionDeclarations,
  dcrProperties,
  type ColumnDecl,
  type DataFlow,
  type LogFileDataSource,
  type PerfDataSource,
  type SyslogDataSource,
} from '../agent/collector/dcr/index.js';
import { outputColumns } from './transform-columns.js';
import {
  validateDataCollectionRule,
  validatePublicSettings,
  type Validator,
} from '../settings-schemas/generated/validators.js';

export interface ArmDcrProperties {
  description?: string;
  dataCollectionEndpointId: string;
  streamDeclarations: Record<string, { columns: ColumnDecl[] }>;
  dataSources: { performanceCounters?: PerfDataSource[]; syslog?: SyslogDataSource[]; logFiles?: LogFileDataSource[] };
  destinations: {
    logAnalytics: { name: string; workspaceResourceId: string }[];
    azureMonitorMetrics?: { name: string };
  };
  dataFlows: DataFlow[];
}

export interface ArmDcrBody {
  location: string;
  kind: 'Linux';
  properties: ArmDcrProperties;
}

export interface DcrMappingTarget {
  workspaceResourceId: string;
  location: string;
  dataCollectionEndpointId: string;
  description?: string;
}

export interface DcrMapping {
  body: ArmDcrBody;
  warnings: string[];
  /** Custom tables (name → columns) the workspace must have for the flows' output streams. */
  customTables: Record<string, ColumnDecl[]>;
}

export const TEXT_LOG_COLUMNS: ColumnDecl[] = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'RawData', type: 'string' },
  { name: 'FilePath', type: 'string' },
  { name: 'Computer', type: 'string' },
];
const METRICS_DESTINATION = 'azureMonitorMetrics-default';
const WORKSPACE_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/([^/]+)$/i;

export class DcrMappingError extends Error {}

function schemaErrors(v: Validator): string {
  return (v.errors ?? [])
    .filter((e) => e.keyword !== 'if')
    .slice(0, 5)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.keyword === 'enum' ? `must be one of ${JSON.stringify(e.params.allowedValues)}` : (e.message ?? e.keyword)}`,
    )
    .join('; ');
}

/** The inline DCRs of our public settings, or the file itself when it is one DCR (ARM resource or properties). */
export function dcrsFromSettings(json: unknown): {
  dcrs: Record<string, unknown>[];
  settings?: Record<string, unknown>;
} {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new DcrMappingError('--from must hold a JSON object (public settings or a DCR)');
  const obj = json as Record<string, unknown>;
  if ('dataSources' in obj || 'properties' in obj) {
    if (!validateDataCollectionRule(obj))
      throw new DcrMappingError(`--from is not a valid DCR: ${schemaErrors(validateDataCollectionRule)}`);
    return { dcrs: [obj] };
  }
  if (!validatePublicSettings(obj))
    throw new DcrMappingError(`--from is not valid open-ama public settings: ${schemaErrors(validatePublicSettings)}`);
  const dcrs = Array.isArray(obj.dataCollectionRules) ? (obj.dataCollectionRules as Record<string, unknown>[]) : [];
  if (dcrs.length === 0)
    throw new DcrMappingError(
      'the settings carry no dataCollectionRules: nothing describes what to collect (see docs/deploy.md)',
    );
  return { dcrs, settings: obj };
}

export function workspaceName(workspaceResourceId: string): string {
  const m = WORKSPACE_ID.exec(workspaceResourceId.trim());
  if (!m)
    throw new DcrMappingError(
      `--workspace must be a Log Analytics workspace resource ID (/subscriptions/…/resourceGroups/…/providers/Microsoft.OperationalInsights/workspaces/<name>), got "${workspaceResourceId}"`,
    );
  return m[1]!;
}

/** Output table stream of a Custom-* input stream: Custom-MyApp → Custom-MyApp_CL. */
export function customOutputStream(stream: string): string {
  return stream.endsWith('_CL') ? stream : `${stream}_CL`;
}

function uniqueName(name: string, taken: Set<string>): string {
  let n = name;
  for (let i = 2; taken.has(n); i++) n = `${name}-${i}`;
  taken.add(n);
  return n;
}

export function settingsToArmDcr(json: unknown, target: DcrMappingTarget): DcrMapping {
  const wsName = workspaceName(target.workspaceResourceId);
  const laName = `la-${wsName}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 32);
  const { dcrs } = dcrsFromSettings(json);
  const warnings: string[] = [];
  const props: ArmDcrProperties = {
    description: target.description,
    dataCollectionEndpointId: target.dataCollectionEndpointId,
    streamDeclarations: {},
    dataSources: {},
    destinations: { logAnalytics: [{ name: laName, workspaceResourceId: target.workspaceResourceId }] },
    dataFlows: [],
  };
  const sourceNames = new Set<string>();
  const flowKeys = new Set<string>();
  for (const [i, raw] of dcrs.entries()) {
    const src = dcrProperties(raw).props;
    const label = typeof src.immutableId === 'string' ? src.immutableId : `dataCollectionRules[${i}]`;
    const decls = (src.streamDeclarations ?? {}) as Record<string, { columns: ColumnDecl[] }>;
    for (const [stream, decl] of Object.entries(decls)) {
      const prev = props.streamDeclarations[stream];
      if (prev && JSON.stringify(prev.columns) !== JSON.stringify(decl.columns))
        throw new DcrMappingError(`${label} declares ${stream} with other columns than an earlier DCR`);
      props.streamDeclarations[stream] = { columns: decl.columns.map((c) => ({ name: c.name, type: c.type })) };
    }
    const ds = (src.dataSources ?? {}) as Record<string, unknown[] | undefined>;
    for (const kind of ['windowsEventLogs', 'iisLogs', 'extensions']) {
      if ((ds[kind] ?? []).length > 0)
        warnings.push(`${label}: ${kind} data sources are Windows/extension only and are left out of the Linux DCR`);
    }
    if (src.agentSettings)
      warnings.push(`${label}: agentSettings belong in a DCR of kind AgentSettings and are left out`);
    for (const p of (ds.performanceCounters ?? []) as PerfDataSource[])
      (props.dataSources.performanceCounters ??= []).push({ ...p, name: uniqueName(p.name, sourceNames) });
    for (const s of (ds.syslog ?? []) as SyslogDataSource[])
      (props.dataSources.syslog ??= []).push({ ...s, name: uniqueName(s.name, sourceNames) });
    for (const l of (ds.logFiles ?? []) as LogFileDataSource[]) {
      (props.dataSources.logFiles ??= []).push({ ...l, name: uniqueName(l.name, sourceNames) });
      const stream = l.streams[0]!;
      if (props.streamDeclarations[stream]) continue;
      if (l.format === 'json')
        throw new DcrMappingError(
          `${label}: JSON log source "${l.name}" writes ${stream}, which streamDeclarations must declare with the JSON keys as columns`,
        );
      props.streamDeclarations[stream] = { columns: TEXT_LOG_COLUMNS.map((c) => ({ ...c })) };
    }
    // Every Log Analytics or file destination of our settings becomes the workspace; metrics stay metrics.
    const dest = (src.destinations ?? {}) as {
      logAnalytics?: { name: string }[];
      openAmaFile?: { name: string }[];
      azureMonitorMetrics?: { name: string };
    };
    const rename = new Map<string, string>();
    for (const d of [...(dest.logAnalytics ?? []), ...(dest.openAmaFile ?? [])]) rename.set(d.name, laName);
    if (dest.azureMonitorMetrics) {
      rename.set(dest.azureMonitorMetrics.name, METRICS_DESTINATION);
      props.destinations.azureMonitorMetrics = { name: METRICS_DESTINATION };
    }
    for (const flow of (src.dataFlows ?? []) as DataFlow[]) {
      const destinations = [
        ...new Set(flow.destinations.map((d) => rename.get(d)).filter((d): d is string => d !== undefined)),
      ];
      for (const d of flow.destinations)
        if (!rename.has(d)) warnings.push(`${label}: flow destination "${d}" is not defined; left out`);
      for (const stream of flow.streams) {
        for (const d of destinations) {
          const toLa = d === laName;
          const out: DataFlow = { streams: [stream], destinations: [d] };
          if (toLa) {
            out.transformKql = flow.transformKql ?? 'source';
            out.outputStream =
              flow.outputStream ?? (stream.startsWith('Custom-') ? customOutputStream(stream) : stream);
          } else if (flow.transformKql) {
            out.transformKql = flow.transformKql;
          }
          const key = JSON.stringify(out);
          if (flowKeys.has(key)) continue;
          flowKeys.add(key);
          const same = props.dataFlows.find(
            (f) =>
              f.streams[0] === stream && f.transformKql === out.transformKql && f.outputStream === out.outputStream,
          );
          if (same && !same.destinations.includes(d)) same.destinations.push(d);
          else if (!same) props.dataFlows.push(out);
        }
      }
    }
  }
  if (props.dataFlows.length === 0)
    throw new DcrMappingError(
      'no data flow of the settings reaches a Log Analytics, file or metrics destination: the DCR would collect nothing',
    );
  const fixed = addCompanionDeclarations(props).dcr as ArmDcrProperties;
  return {
    body: { location: target.location, kind: 'Linux', properties: fixed },
    warnings,
    customTables: customTablesOf(fixed),
  };
}

/** Custom tables the flows write to (Custom-X_CL → X_CL), with the columns their transform outputs. */
export function customTablesOf(props: ArmDcrProperties): Record<string, ColumnDecl[]> {
  const tables: Record<string, ColumnDecl[]> = {};
  for (const f of props.dataFlows) {
    if (!f.outputStream?.startsWith('Custom-')) continue;
    const columns = props.streamDeclarations[f.streams[0]!]?.columns;
    if (columns) tables[f.outputStream.slice('Custom-'.length)] = outputColumns(columns, f.transformKql).columns;
  }
  return tables;
}

/**
 * Public settings that run the created DCR inline: the DCR as created plus its immutableId and the DCE's
 * logs ingestion endpoint (what the agent uploads with), and the other keys of the settings given.
 */
export function settingsSnippet(
  props: ArmDcrProperties,
  immutableId: string,
  logsIngestion: string,
  base?: Record<string, unknown>,
): Record<string, unknown> {
  const rest = { ...(base ?? {}) };
  delete rest.dataCollectionRules;
  delete rest.dcrSource;
  return {
    ...rest,
    dcrSource: 'inline',
    dataCollectionRules: [{ immutableId, dataCollectionEndpoint: { logsIngestion }, ...props }],
  };
}
