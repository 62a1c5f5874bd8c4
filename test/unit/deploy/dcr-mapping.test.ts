// Settings → ARM DCR mapping of `open-ama deploy dcr` (pure): sources kept, destinations become the
// workspace, flows split per stream with explicit output tables, text-log declarations and companion
// streams added, read-only fields dropped; the settings snippet is accepted by the agent as is.
import { describe, expect, test } from '@jest/globals';
import { validateDcr } from '../../../agent/collector/dcr/validate.js';
import { buildPipelineGraph } from '../../../agent/collector/pipeline/plan-to-graph.js';
import { type AgentConfig } from '../../../agent/config/index.js';
import { testAgentConfig } from '../../support/agent-config.js';
import { defaultPublicSettings, DEFAULT_DCR_ID } from '../../../harness/default-settings.js';
import { validatePublicSettings } from '../../../settings-schemas/generated/validators.js';
import {
  customOutputStream,
  DcrMappingError,
  settingsSnippet,
  settingsToArmDcr,
  TEXT_LOG_COLUMNS,
  workspaceName,
} from '../../../deploy/dcr-mapping.js';
import { describeArmError } from '../../../deploy/monitor-arm.js';

const WS = '/subscriptions/s1/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/ws-main';
const DCE = '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionEndpoints/dce1';
const target = { workspaceResourceId: WS, location: 'westeurope', dataCollectionEndpointId: DCE };

function config(): AgentConfig {
  return testAgentConfig({ configVersion: 0, writtenAt: '', diskQuotaMB: 10000 }, '');
}

describe('settingsToArmDcr', () => {
  test('the harness default settings: sources kept, file destination → workspace, companions and text-log stream declared', () => {
    const settings = defaultPublicSettings('/tmp/root');
    const src = (settings.dataCollectionRules as { dataSources: Record<string, unknown> }[])[0]!;
    const { body, warnings, customTables } = settingsToArmDcr(settings, target);
    expect(warnings).toEqual([]);
    expect(body.location).toBe('westeurope');
    expect(body.kind).toBe('Linux');
    const p = body.properties;
    expect(p).not.toHaveProperty('immutableId');
    expect(p).not.toHaveProperty('endpoints');
    expect(p.dataCollectionEndpointId).toBe(DCE);
    expect(p.dataSources).toEqual(src.dataSources);
    expect(p.destinations).toEqual({ logAnalytics: [{ name: 'la-ws-main', workspaceResourceId: WS }] });
    expect(Object.keys(p.streamDeclarations).sort()).toEqual([
      'Custom-HarnessText',
      'Custom-OpenAma-Perf',
      'Custom-OpenAma-Syslog',
    ]);
    expect(p.dataFlows).toEqual([
      {
        streams: ['Microsoft-Perf'],
        destinations: ['la-ws-main'],
        transformKql: 'source',
        outputStream: 'Microsoft-Perf',
      },
      {
        streams: ['Microsoft-Syslog'],
        destinations: ['la-ws-main'],
        transformKql: 'source',
        outputStream: 'Microsoft-Syslog',
      },
      {
        streams: ['Custom-HarnessText'],
        destinations: ['la-ws-main'],
        transformKql: 'source',
        outputStream: 'Custom-HarnessText_CL',
      },
      {
        streams: ['Custom-OpenAma-Perf'],
        destinations: ['la-ws-main'],
        transformKql: 'source',
        outputStream: 'Custom-OpenAmaPerf_CL',
      },
      {
        streams: ['Custom-OpenAma-Syslog'],
        destinations: ['la-ws-main'],
        transformKql: 'source',
        outputStream: 'Microsoft-Syslog',
      },
    ]);
    expect(Object.keys(customTables).sort()).toEqual(['HarnessText_CL', 'OpenAmaPerf_CL']);
    expect(customTables.HarnessText_CL).toEqual(TEXT_LOG_COLUMNS);
  });

  test('the settings snippet is valid public settings, and the agent runs the DCR through the Logs Ingestion API', () => {
    const settings = defaultPublicSettings('/tmp/root');
    const { body } = settingsToArmDcr(settings, target);
    const snippet = settingsSnippet(
      body.properties,
      DEFAULT_DCR_ID,
      'https://dce1-abcd.westeurope-1.ingest.monitor.azure.com',
      settings,
    );
    expect(validatePublicSettings(snippet)).toBe(true);
    expect(snippet).toMatchObject({ dcrSource: 'inline', diskQuotaMB: 500 });
    const dcr = (snippet.dataCollectionRules as unknown[])[0];
    const v = validateDcr(dcr);
    expect(v.ok).toBe(true);
    const built = buildPipelineGraph([{ json: dcr, origin: 'inline', ref: 'snippet' }], {
      computer: 'm',
      config: config(),
      env: {},
      outDir: '/tmp/out',
    });
    // One upload lane per input stream: built-in streams only through their companion, no duplicates.
    expect([...new Set(built.graph.routes.map((r) => r.laneId))].sort()).toEqual([
      `${DEFAULT_DCR_ID}/la-ws-main/Custom-HarnessText`,
      `${DEFAULT_DCR_ID}/la-ws-main/Custom-OpenAma-Perf`,
      `${DEFAULT_DCR_ID}/la-ws-main/Custom-OpenAma-Syslog`,
    ]);
    expect(built.warnings).toEqual([]);
  });

  test('a bare DCR with a metrics destination and a text log without declaration', () => {
    const dcr = {
      location: 'ignored',
      properties: {
        immutableId: 'dcr-11111111111111111111111111111111',
        endpoints: { logsIngestion: 'https://x.ingest.monitor.azure.com' },
        dataSources: {
          performanceCounters: [
            {
              name: 'p',
              streams: ['Microsoft-InsightsMetrics', 'Microsoft-Perf'],
              samplingFrequencyInSeconds: 60,
              counterSpecifiers: ['Processor(*)\\% Processor Time'],
            },
          ],
          logFiles: [{ name: 'app', streams: ['Custom-App_CL'], filePatterns: ['/var/log/app.log'], format: 'text' }],
          windowsEventLogs: [{ name: 'w', streams: ['Microsoft-Event'], xPathQueries: ['System!*'] }],
        },
        destinations: {
          logAnalytics: [
            {
              name: 'old-ws',
              workspaceResourceId:
                '/subscriptions/x/resourceGroups/y/providers/Microsoft.OperationalInsights/workspaces/old',
            },
          ],
          azureMonitorMetrics: { name: 'm' },
        },
        dataFlows: [
          { streams: ['Microsoft-InsightsMetrics'], destinations: ['m'] },
          {
            streams: ['Microsoft-Perf', 'Custom-App_CL'],
            destinations: ['old-ws'],
            transformKql: 'source | where true',
          },
        ],
      },
    };
    const { body, warnings } = settingsToArmDcr(dcr, target);
    const p = body.properties;
    expect(warnings).toEqual([expect.stringContaining('windowsEventLogs')]);
    expect(p.dataSources).not.toHaveProperty('windowsEventLogs');
    expect(p.destinations).toEqual({
      logAnalytics: [{ name: 'la-ws-main', workspaceResourceId: WS }],
      azureMonitorMetrics: { name: 'azureMonitorMetrics-default' },
    });
    expect(p.streamDeclarations['Custom-App_CL']).toEqual({ columns: TEXT_LOG_COLUMNS });
    expect(p.dataFlows).toEqual(
      expect.arrayContaining([
        { streams: ['Microsoft-InsightsMetrics'], destinations: ['azureMonitorMetrics-default'] },
        {
          streams: ['Microsoft-Perf'],
          destinations: ['la-ws-main'],
          transformKql: 'source | where true',
          outputStream: 'Microsoft-Perf',
        },
        {
          streams: ['Custom-App_CL'],
          destinations: ['la-ws-main'],
          transformKql: 'source | where true',
          outputStream: 'Custom-App_CL',
        },
        {
          streams: ['Custom-OpenAma-Perf'],
          destinations: ['la-ws-main'],
          transformKql: 'source', // the agent runs all of the user's transform: nothing left to the service
          outputStream: 'Custom-OpenAmaPerf_CL',
        },
      ]),
    );
    expect(p.dataFlows.some((f) => f.streams.includes('Custom-OpenAma-InsightsMetrics'))).toBe(false);
  });

  test('several inline DCRs merge into one; clashing source names are made unique', () => {
    const one = (id: string) => ({
      immutableId: id,
      dataSources: {
        syslog: [{ name: 'sys', streams: ['Microsoft-Syslog'], facilityNames: ['cron'], logLevels: ['Error'] }],
      },
      destinations: { logAnalytics: [{ name: 'la' }] },
      dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['la'] }],
      endpoints: { logsIngestion: 'https://a.ingest.monitor.azure.com' },
    });
    const { body } = settingsToArmDcr(
      {
        dataCollectionRules: [one('dcr-11111111111111111111111111111111'), one('dcr-22222222222222222222222222222222')],
      },
      target,
    );
    expect(body.properties.dataSources.syslog!.map((s) => s.name)).toEqual(['sys', 'sys-2']);
    expect(body.properties.dataFlows.filter((f) => f.streams[0] === 'Microsoft-Syslog')).toHaveLength(1);
  });

  test('refuses what cannot become a DCR, naming the problem', () => {
    expect(() => settingsToArmDcr({ logLevel: 'info' }, target)).toThrow(/no dataCollectionRules/);
    expect(() => settingsToArmDcr({ logLevel: 'info', bogus: 1 }, target)).toThrow(DcrMappingError);
    expect(() =>
      settingsToArmDcr(defaultPublicSettings('/r'), {
        ...target,
        workspaceResourceId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/x',
      }),
    ).toThrow(/--workspace must be a Log Analytics workspace resource ID/);
    const json = {
      dataSources: {
        logFiles: [{ name: 'j', streams: ['Custom-J'], filePatterns: ['/var/log/j.json'], format: 'json' }],
      },
      destinations: { logAnalytics: [{ name: 'la' }] },
      dataFlows: [{ streams: ['Custom-J'], destinations: ['la'] }],
    };
    expect(() => settingsToArmDcr(json, target)).toThrow(
      /JSON log source "j" writes Custom-J, which streamDeclarations must declare/,
    );
    const nowhere = {
      dataSources: { syslog: [{ name: 's', streams: ['Microsoft-Syslog'] }] },
      destinations: {},
      dataFlows: [],
    };
    expect(() => settingsToArmDcr(nowhere, target)).toThrow(/collect nothing/);
  });

  test('helpers', () => {
    expect(customOutputStream('Custom-App')).toBe('Custom-App_CL');
    expect(customOutputStream('Custom-App_CL')).toBe('Custom-App_CL');
    expect(workspaceName(WS)).toBe('ws-main');
  });
});

describe('ARM call helpers', () => {
  test('describeArmError: status, code, message and the details ARM gives', () => {
    const err = Object.assign(new Error('Data collection rule is invalid'), {
      statusCode: 400,
      code: 'InvalidPayload',
      response: {
        bodyAsText: JSON.stringify({
          error: {
            code: 'InvalidPayload',
            message: 'Data collection rule is invalid',
            details: [
              {
                code: 'InvalidProperty',
                message: 'Property cannot be null or empty.',
                target: 'Properties.Destinations',
              },
            ],
          },
        }),
      },
    });
    expect(describeArmError(err)).toBe(
      '400 InvalidPayload: Data collection rule is invalid (Properties.Destinations: Property cannot be null or empty.)',
    );
    expect(describeArmError(new Error('socket hang up'))).toBe('socket hang up');
  });
});
