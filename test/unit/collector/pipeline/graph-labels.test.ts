// The names self-metrics and drop log lines use for the graph's internal ids (docs/troubleshooting.md,
// "Metrics"): a virtual source stream names every DCR data source producing it (a perf data source two DCRs
// share is one source node, counted under each DCR), a lane names its DCR, destination and DCR stream (not
// the companion upload stream), and nothing carries a node hash — the labels are the same after a reload.
import { expect, test } from '@jest/globals';
import { buildPipelineGraph, type DcrInput } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const ctx = { computer: 'vm1', config: testAgentConfig(), env: {}, outDir: '/tmp/out' };
const LA = '/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w';

function dcr(id: string, perfName: string): DcrInput {
  return {
    origin: 'inline',
    ref: id,
    json: {
      properties: {
        immutableId: id,
        endpoints: { logsIngestion: 'https://x.westeurope-1.ingest.monitor.azure.com' },
        streamDeclarations: {
          'Custom-OpenAma-Perf': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'CounterValue', type: 'real' },
            ],
          },
        },
        dataSources: {
          performanceCounters: [
            {
              name: perfName,
              streams: ['Microsoft-Perf'],
              samplingFrequencyInSeconds: 60,
              counterSpecifiers: ['\\Processor(*)\\% Processor Time'],
            },
          ],
        },
        destinations: { logAnalytics: [{ name: 'ws', workspaceResourceId: LA }] },
        dataFlows: [
          { streams: ['Microsoft-Perf'], destinations: ['ws'], transformKql: 'source' },
          {
            streams: ['Custom-OpenAma-Perf'],
            destinations: ['ws'],
            transformKql: 'source',
            outputStream: 'Microsoft-Perf',
          },
        ],
      },
    },
  };
}

test('labels name DCRs, data sources, destinations and DCR streams; a reload gives the same ones', () => {
  const inputs = [
    dcr('dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', 'perfA'),
    dcr('dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', 'perfB'),
  ];
  const { graph, labels } = buildPipelineGraph(inputs, ctx);
  expect(graph.sources.filter((s) => s.kind === 'perf')).toHaveLength(1); // shared: collected once
  expect([...labels.streams.values()]).toEqual([
    [
      { dcr: 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', data_source: 'perfA', stream: 'Microsoft-Perf' },
      { dcr: 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', data_source: 'perfB', stream: 'Microsoft-Perf' },
    ],
  ]);
  expect([...labels.lanes.values()]).toEqual([
    { dcr: 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', destination: 'ws', stream: 'Microsoft-Perf' },
    { dcr: 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb', destination: 'ws', stream: 'Microsoft-Perf' },
  ]);
  const again = buildPipelineGraph(inputs, ctx).labels;
  expect([...again.streams]).toEqual([...labels.streams]);
  expect([...again.lanes]).toEqual([...labels.lanes]);
});
