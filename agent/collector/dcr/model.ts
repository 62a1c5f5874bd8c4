// The DCR subset open-ama runs (docs/azure-interfaces.md §2), normalised from either an ARM resource
// ({ properties: {…} }) or the bare properties object.

export interface ColumnDecl {
  name: string;
  type: string;
}
export interface PerfDataSource {
  name: string;
  streams: string[];
  samplingFrequencyInSeconds?: number;
  counterSpecifiers: string[];
}
export interface SyslogDataSource {
  name: string;
  streams: string[];
  facilityNames?: string[];
  logLevels?: string[];
}
export interface LogFileDataSource {
  name: string;
  streams: string[];
  filePatterns: string[];
  /** `w3c` is an open-ama extension (W3C extended / IIS logs, docs/dcr-support.md). */
  format: 'text' | 'json' | 'w3c';
  settings?: { text?: { recordStartTimestampFormat?: string } };
  /** Data-source transform: run on the machine (as Azure Monitor Agent does) before the flows' transforms. */
  transformKql?: string;
}
export interface DataFlow {
  streams: string[];
  destinations: string[];
  transformKql?: string;
  outputStream?: string;
}
export interface Dcr {
  immutableId: string;
  name?: string;
  endpoints?: { logsIngestion?: string };
  dataCollectionEndpoint?: { logsIngestion?: string };
  agentSettings?: { logs?: { name: string; value: string }[] };
  streamDeclarations: Record<string, { columns: ColumnDecl[] }>;
  dataSources: {
    performanceCounters?: PerfDataSource[];
    syslog?: SyslogDataSource[];
    logFiles?: LogFileDataSource[];
    windowsEventLogs?: unknown[];
    iisLogs?: unknown[];
    extensions?: unknown[];
  };
  destinations: {
    logAnalytics?: { name: string; workspaceResourceId?: string }[];
    azureMonitorMetrics?: { name: string };
    openAmaFile?: { name: string }[];
  };
  dataFlows: DataFlow[];
}

/** ARM resource or bare properties → properties object (plus the resource name if any). */
export function dcrProperties(json: unknown): { props: Record<string, unknown>; name?: string } {
  const obj = (json ?? {}) as Record<string, unknown>;
  if (typeof obj.properties === 'object' && obj.properties !== null) {
    return {
      props: obj.properties as Record<string, unknown>,
      name: typeof obj.name === 'string' ? obj.name : undefined,
    };
  }
  return { props: obj };
}

export const BUILT_IN_COMPANIONS: Record<string, { companion: string; outputStream: string }> = {
  'Microsoft-Syslog': { companion: 'Custom-OpenAma-Syslog', outputStream: 'Microsoft-Syslog' },
  'Microsoft-CommonSecurityLog': {
    companion: 'Custom-OpenAma-CommonSecurityLog',
    outputStream: 'Microsoft-CommonSecurityLog',
  },
  'Microsoft-Perf': { companion: 'Custom-OpenAma-Perf', outputStream: 'Custom-OpenAmaPerf_CL' },
  'Microsoft-InsightsMetrics': {
    companion: 'Custom-OpenAma-InsightsMetrics',
    outputStream: 'Custom-OpenAmaInsightsMetrics_CL',
  },
};
