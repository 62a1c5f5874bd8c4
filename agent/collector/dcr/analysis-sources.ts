// DCR analysis, first half: data sources and destinations. Says for each what open-ama does on Linux —
// collected (with what filter) or ignored and why — and records which streams each source produces, so the
// flow analysis (analysis.ts) can tell a stream open-ama collects from one only Windows or an extension makes.
import type { DcrAnalysis, Finding } from './analysis-types.js';
import { isArmExpression } from './analysis-types.js';
import { closestName } from './analysis-typos.js';
import { DCR_LEVELS, DCR_ONLY_FACILITIES, FACILITIES, SEVERITIES } from '../sources/syslog/index.js';
import { resolveSpecifiers } from '../sources/perf/index.js';
import { compileTransform } from '../transform/index.js';

export type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
export const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
export const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Who produces a stream: `runnable` when open-ama runs that producer. */
export interface Producer {
  runnable: boolean;
  by: string;
}
export type Produced = Map<string, Producer[]>;

/** Facility names a DCR may use (case-insensitive): the 24 RFC 5424 facilities, `mark`, `nopri` and `*`. */
export const DCR_FACILITY_NAMES: string[] = ['*', ...FACILITIES, ...DCR_ONLY_FACILITIES];
const LEVEL_NAMES: string[] = ['*', ...DCR_LEVELS, ...SEVERITIES];

/** Sources open-ama does not run, with the reason given to the user. */
const IGNORED_SOURCES: Record<string, string> = {
  windowsEventLogs: 'Windows event logs exist only on Windows',
  iisLogs: 'IIS logs are a Windows source (open-ama reads W3C logs through logFiles with format "w3c")',
  windowsFirewallLogs: 'Windows Firewall logs exist only on Windows',
  etwProviders: 'ETW providers exist only on Windows',
  extensions: 'open-ama does not run VM extensions data sources (their data comes from another agent extension)',
  prometheusForwarder: 'prometheusForwarder is for Kubernetes (Azure Monitor managed Prometheus), not a VM agent',
  platformTelemetry: 'platform telemetry is collected by the Azure platform, not by an agent',
  performanceCountersOTel: 'OpenTelemetry performance counters are not implemented by open-ama',
  otelLogs: 'OpenTelemetry logs are not implemented by open-ama',
  otelTraces: 'OpenTelemetry traces are not implemented by open-ama',
  otelMetrics: 'OpenTelemetry metrics are not implemented by open-ama',
};

export const SUPPORTED_DESTINATIONS: Record<string, string> = {
  logAnalytics: 'Log Analytics workspace, through the Logs Ingestion API',
  azureMonitorMetrics: 'Azure Monitor Metrics (custom metrics of the machine)',
  openAmaFile: 'JSON-lines files under /var/opt/open-ama/out',
};
const IGNORED_DESTINATIONS: Record<string, string> = {
  eventHubs: 'Event Hubs',
  eventHubsDirect: 'Event Hubs',
  storageBlobsDirect: 'Storage blobs',
  storageTablesDirect: 'Storage tables',
  storageAccounts: 'Storage',
  monitoringAccounts: 'an Azure Monitor workspace (managed Prometheus)',
  azureDataExplorer: 'Azure Data Explorer',
  microsoftFabric: 'Microsoft Fabric',
};

/** The syslog streams open-ama produces. */
export const SYSLOG_STREAMS = ['Microsoft-Syslog', 'Microsoft-CommonSecurityLog'];
const WINDOWS_PATH = /^(?:[A-Za-z]:[\\/]|\\\\)/;

function addProducer(produced: Produced, stream: string, p: Producer): void {
  produced.set(stream, [...(produced.get(stream) ?? []), p]);
}

function namesCheck(
  values: string[],
  known: string[],
  what: string,
  path: string,
  defects: Finding[],
  dcrPath: string,
): void {
  values.forEach((v, i) => {
    if (isArmExpression(v) || known.includes(v.toLowerCase())) return;
    const guess = closestName(v, known);
    defects.push({
      path: `${dcrPath}${path}/${i}`,
      message: `"${v}" is not a syslog ${what} name${guess ? ` — did you mean "${guess}"?` : ''} (known: ${known.join(', ')})`,
    });
  });
}

function syslogDetail(s: Json, a: DcrAnalysis, path: string): string {
  const facilities = Array.isArray(s.facilityNames) ? strings(s.facilityNames) : ['*'];
  const levels = Array.isArray(s.logLevels) ? strings(s.logLevels) : ['*'];
  namesCheck(facilities, DCR_FACILITY_NAMES, 'facility', '/facilityNames', a.defects, path);
  namesCheck(levels, LEVEL_NAMES, 'level', '/logLevels', a.defects, path);
  const fac = isArmExpression(s.facilityNames) ? String(s.facilityNames) : facilities.join(', ');
  const lev = isArmExpression(s.logLevels) ? String(s.logLevels) : levels.join(', ');
  return `facilities ${fac}; levels ${lev} (each level named is selected, not a threshold)`;
}

function logFilesDetail(s: Json, a: DcrAnalysis, path: string, name: string): { runs: boolean; detail: string } {
  const patterns = strings(s.filePatterns);
  const linux = patterns.filter((p) => p.startsWith('/') || isArmExpression(p));
  const windows = patterns.filter((p) => WINDOWS_PATH.test(p));
  const other = patterns.filter((p) => !linux.includes(p) && !windows.includes(p));
  if (windows.length > 0)
    a.warnings.push({
      path: `${path}/filePatterns`,
      message: `logFiles source "${name}": Windows path${windows.length > 1 ? 's' : ''} ${windows.join(', ')} ignored on Linux`,
    });
  if (other.length > 0)
    a.warnings.push({
      path: `${path}/filePatterns`,
      message: `logFiles source "${name}": ${other.join(', ')} ignored: not an absolute path`,
    });
  const format = str(s.format) ?? 'text';
  // A data-source transform runs on the machine, never in the service: outside the subset, the source is refused.
  const kql = str(s.transformKql);
  const t = kql === undefined ? undefined : compileTransform(kql, 'full');
  if (t && (t.kind === 'service' || (t.kind === 'agent' && t.rest)))
    return {
      runs: false,
      detail: `its transformKql runs on the machine, and the agent cannot run it: ${t.kind === 'service' ? t.reason : t.rest!.reason}`,
    };
  return linux.length > 0
    ? { runs: true, detail: `${format} files ${linux.join(', ')}` }
    : { runs: false, detail: 'no Linux file pattern (only Windows or relative paths)' };
}

/** Analyses dataSources: fills a.sources, warnings/defects, and returns who produces which stream. */
export function analyzeSources(dataSources: unknown, decls: Json, base: string, a: DcrAnalysis): Produced {
  const produced: Produced = new Map();
  if (!isObject(dataSources)) return produced;
  const seenNames = new Map<string, string>();
  for (const [kind, value] of Object.entries(dataSources)) {
    const items = kind === 'dataImports' ? (isObject(value) ? [value] : []) : objects(value);
    items.forEach((s, i) => {
      const path = kind === 'dataImports' ? `${base}/dataSources/${kind}` : `${base}/dataSources/${kind}/${i}`;
      const name = str(s.name) ?? (kind === 'dataImports' ? 'dataImports' : `#${i}`);
      const streams = strings(s.streams);
      if (str(s.name) && !isArmExpression(s.name)) {
        const other = seenNames.get(name);
        if (other) a.defects.push({ path, message: `data source name "${name}" is also used by ${other}` });
        else seenNames.set(name, path);
      }
      let runs = true;
      let detail: string;
      if (kind === 'performanceCounters') {
        const counters = strings(s.counterSpecifiers);
        detail = `${counters.length} counter specifier${counters.length === 1 ? '' : 's'} (${counters.slice(0, 4).join(', ')}${counters.length > 4 ? ', …' : ''}) every ${String(s.samplingFrequencyInSeconds ?? 60)} s`;
        // Windows-form specifiers (\Processor(_Total)\…) and names the Linux catalogue lacks collect nothing here.
        const unknown = counters.filter((c) => !isArmExpression(c) && resolveSpecifiers([c]).unknown.length > 0);
        if (unknown.length > 0) {
          const none = unknown.length === counters.length;
          detail += none ? '; none is a Linux counter open-ama collects' : `; ${unknown.length} not collected on Linux`;
          a.warnings.push({
            path: `${path}/counterSpecifiers`,
            message: `performanceCounters source "${name}": ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not ${unknown.length === 1 ? 'a Linux counter' : 'Linux counters'} open-ama collects (Windows counters, or not in the Linux list of docs/azure-interfaces.md); nothing is collected for ${unknown.length === 1 ? 'it' : 'them'}`,
          });
        }
      } else if (kind === 'syslog') {
        detail = syslogDetail(s, a, path);
      } else if (kind === 'logFiles') {
        ({ runs, detail } = logFilesDetail(s, a, path, name));
        for (const st of streams) {
          if (!isArmExpression(st) && !Object.hasOwn(decls, st))
            a.defects.push({
              path: `${path}/streams`,
              message: `logFiles source "${name}" writes ${st}, which streamDeclarations does not declare`,
              fix: `declare ${st} in streamDeclarations with the columns of the records (TimeGenerated, RawData, …)`,
            });
        }
      } else if (kind === 'extensions') {
        runs = false;
        detail = `extension ${str(s.extensionName) ?? '?'}: ${IGNORED_SOURCES[kind]!}`;
      } else if (kind === 'dataImports') {
        runs = false;
        detail = 'data imports (Event Hubs) are run by the service, not by an agent';
      } else if (IGNORED_SOURCES[kind]) {
        runs = false;
        detail = IGNORED_SOURCES[kind];
      } else {
        return; // unknown kind: reported by the typo finder
      }
      if (!runs) a.warnings.push({ path, message: `${kind} source "${name}" is ignored: ${detail}` });
      if (typeof s.transformKql === 'string' && s.transformKql.trim() !== 'source' && runs)
        detail += `; data-source transformKql: ${s.transformKql}`;
      a.sources.push({ kind, name, path, streams, collected: runs, detail });
      for (const st of streams) {
        const made = runs && (kind !== 'syslog' || SYSLOG_STREAMS.includes(st));
        if (runs && !made)
          a.warnings.push({
            path: `${path}/streams`,
            message: `syslog source "${name}": open-ama does not produce ${st}`,
          });
        addProducer(produced, st, { runnable: made, by: `${kind} source "${name}"` });
      }
    });
  }
  return produced;
}

/** Analyses destinations: fills a.destinations and returns each destination name's kind. */
export function analyzeDestinations(destinations: unknown, base: string, a: DcrAnalysis): Map<string, string> {
  const kinds = new Map<string, string>();
  if (!isObject(destinations)) return kinds;
  for (const [kind, value] of Object.entries(destinations)) {
    const items = kind === 'azureMonitorMetrics' ? (isObject(value) ? [value] : []) : objects(value);
    items.forEach((d, i) => {
      const path =
        kind === 'azureMonitorMetrics' ? `${base}/destinations/${kind}` : `${base}/destinations/${kind}/${i}`;
      const name = str(d.name);
      if (name === undefined) return; // the schema check reports it
      if (kinds.has(name)) {
        a.defects.push({ path, message: `destination name "${name}" is used twice` });
        return;
      }
      kinds.set(name, kind);
      const supported = Object.hasOwn(SUPPORTED_DESTINATIONS, kind);
      const label = SUPPORTED_DESTINATIONS[kind] ?? IGNORED_DESTINATIONS[kind];
      if (!label) return; // unknown kind: reported by the typo finder
      const target = str(d.workspaceResourceId) ?? str(d.eventHubResourceId) ?? str(d.storageAccountResourceId);
      a.destinations.push({
        kind,
        name,
        path,
        supported,
        detail: supported
          ? `${label}${target ? ` (${target})` : ''}`
          : `ignored: open-ama does not send to ${label}${target ? ` (${target})` : ''}`,
      });
      if (!supported)
        a.warnings.push({ path, message: `destination "${name}" is ignored: open-ama does not send to ${label}` });
    });
  }
  return kinds;
}
