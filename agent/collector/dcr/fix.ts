// `open-ama dcr fix`: adds the Custom-OpenAma-<Name> companion declarations (DESIGN.md §3.1) to an
// AMA-style DCR, with the table's columns (SPEC.md §7), and routes each to the same Log Analytics
// destinations with the right outputStream. Pure: JSON in, JSON out; existing declarations are kept.
import { BUILT_IN_COMPANIONS, dcrProperties } from './model.js';
import { COMMON_SECURITY_LOG_COLUMNS } from './common-security-log-columns.js';

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
export const COMPANION_COLUMNS: Record<string, { name: string; type: string }[]> = {
  'Custom-OpenAma-Syslog': SYSLOG,
  'Custom-OpenAma-CommonSecurityLog': COMMON_SECURITY_LOG_COLUMNS.map((c) => ({ ...c })),
  'Custom-OpenAma-Perf': PERF,
  'Custom-OpenAma-InsightsMetrics': IM,
};

export function addCompanionDeclarations(dcrJson: unknown): { dcr: unknown; added: string[] } {
  const copy = JSON.parse(JSON.stringify(dcrJson)) as Record<string, unknown>;
  const { props } = dcrProperties(copy);
  const decls = (props.streamDeclarations ??= {}) as Record<string, unknown>;
  const flows = (props.dataFlows ??= []) as {
    streams: string[];
    destinations: string[];
    transformKql?: string;
    outputStream?: string;
  }[];
  const la = new Set(
    (((props.destinations as Record<string, unknown>)?.logAnalytics as { name: string }[]) ?? []).map((d) => d.name),
  );
  const added: string[] = [];
  for (const flow of [...flows]) {
    for (const s of flow.streams) {
      const c = BUILT_IN_COMPANIONS[s];
      const dests = flow.destinations.filter((d) => la.has(d));
      if (!c || dests.length === 0) continue;
      if (!decls[c.companion]) {
        decls[c.companion] = { columns: COMPANION_COLUMNS[c.companion] };
        added.push(c.companion);
      }
      const existing = flows.find((f) => f.streams.includes(c.companion));
      if (existing) {
        for (const d of dests) if (!existing.destinations.includes(d)) existing.destinations.push(d);
      } else {
        flows.push({
          streams: [c.companion],
          destinations: dests,
          transformKql: 'source',
          outputStream: c.outputStream,
        });
      }
    }
  }
  return { dcr: copy, added };
}
