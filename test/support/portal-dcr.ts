// A DCR as the Azure portal creates it for Linux machines (Syslog, CEF through syslog, Perf) — AMA
// style: no companion streams, the DCE named by dataCollectionEndpointId, built-in output streams.
// Shape after the portal's ARM template export and the Learn DCR samples.
export function portalLinuxDcr(o: { workspace: string; dceId: string; location?: string }): Record<string, unknown> {
  const la = 'la-1164479785';
  return {
    location: o.location ?? 'westeurope',
    kind: 'Linux',
    properties: {
      dataCollectionEndpointId: o.dceId,
      dataSources: {
        performanceCounters: [
          {
            streams: ['Microsoft-Perf'],
            samplingFrequencyInSeconds: 10,
            counterSpecifiers: [
              'Processor(*)\\% Processor Time',
              'Memory(*)\\Available MBytes Memory',
              'Logical Disk(*)\\% Free Space',
            ],
            name: 'perfCounterDataSource10',
          },
        ],
        syslog: [
          {
            streams: ['Microsoft-Syslog'],
            facilityNames: ['auth', 'authpriv', 'daemon', 'user', 'local0'],
            logLevels: ['Debug', 'Info', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency'],
            name: 'sysLogsDataSource-1688419672',
          },
          {
            streams: ['Microsoft-CommonSecurityLog'],
            facilityNames: ['local4'],
            logLevels: ['Debug', 'Info', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency'],
            name: 'sysLogsDataSource-CEF',
          },
        ],
      },
      destinations: {
        logAnalytics: [
          { workspaceResourceId: o.workspace, workspaceId: '2d1f3a4b-0000-4000-8000-00000000ab12', name: la },
        ],
      },
      dataFlows: [
        { streams: ['Microsoft-Perf'], destinations: [la], transformKql: 'source', outputStream: 'Microsoft-Perf' },
        { streams: ['Microsoft-Syslog'], destinations: [la], transformKql: 'source', outputStream: 'Microsoft-Syslog' },
        {
          streams: ['Microsoft-CommonSecurityLog'],
          destinations: [la],
          transformKql: 'source',
          outputStream: 'Microsoft-CommonSecurityLog',
        },
      ],
    },
  };
}
