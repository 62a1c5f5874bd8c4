// The embedded default configuration of the main job (docs/architecture.md): an inline DCR collecting a few
// performance counters every 10 s, syslog (all facilities, Info and above) from the local listener and
// a text-log glob under the harness root, all to the file destination (/var/opt/open-ama/out/*.jsonl
// under OPEN_AMA_ROOT) — it runs on any machine, with no Azure.
export const HARNESS_TEXT_STREAM = 'Custom-HarnessText';
export const DEFAULT_DCR_ID = 'dcr-0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a';

export function defaultPublicSettings(root: string): Record<string, unknown> {
  return {
    dcrSource: 'inline',
    diskQuotaMB: 500,
    dataCollectionRules: [
      {
        immutableId: DEFAULT_DCR_ID,
        description: 'open-ama harness default: perf + syslog + text logs to local files',
        streamDeclarations: {
          [HARNESS_TEXT_STREAM]: {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'RawData', type: 'string' },
              { name: 'FilePath', type: 'string' },
              { name: 'Computer', type: 'string' },
            ],
          },
        },
        dataSources: {
          performanceCounters: [
            {
              name: 'perfBasic',
              streams: ['Microsoft-Perf'],
              samplingFrequencyInSeconds: 10,
              counterSpecifiers: [
                'Processor(*)\\% Processor Time',
                'Memory(*)\\% Used Memory',
                'Memory(*)\\Available MBytes Memory',
                'Logical Disk(*)\\% Free Space',
                'System(*)\\Load1',
              ],
            },
          ],
          syslog: [
            {
              name: 'syslogInfoPlus',
              streams: ['Microsoft-Syslog'],
              facilityNames: ['*'],
              logLevels: ['Info', 'Notice', 'Warning', 'Error', 'Critical', 'Alert', 'Emergency'],
            },
          ],
          logFiles: [
            {
              name: 'harnessApp',
              streams: [HARNESS_TEXT_STREAM],
              filePatterns: [`${root}/var/log/harness-app/*.log`],
              format: 'text',
            },
          ],
        },
        destinations: { openAmaFile: [{ name: 'local-file' }] },
        dataFlows: [
          { streams: ['Microsoft-Perf', 'Microsoft-Syslog', HARNESS_TEXT_STREAM], destinations: ['local-file'] },
        ],
      },
    ],
  };
}

export const DEFAULT_STREAMS = ['Microsoft-Perf', 'Microsoft-Syslog', HARNESS_TEXT_STREAM];
