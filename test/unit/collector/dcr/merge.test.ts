// Several DCRs merged into one pipeline graph (multi-homing): identical data sources in two DCRs are
// collected once and fan out to both DCRs' lanes; one source feeds two workspaces; different syslog
// filters stay apart; Windows-only sources are parsed, reported as unsupported and ignored while the
// rest of the DCR runs; an invalid DCR is rejected alone with its reason.
import { describe, expect, test } from '@jest/globals';
import { buildPipelineGraph, type DcrInput } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { validateDcr } from '../../../../agent/collector/dcr/validate.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const config = testAgentConfig();
const ctx = { computer: 'vm1', config, env: {}, outDir: '/tmp/out' };
const col = (name: string, type = 'string') => ({ name, type });
const SYSLOG_COLS = [col('TimeGenerated', 'datetime'), col('Computer'), col('SyslogMessage')];
const PERF_COLS = [
  col('TimeGenerated', 'datetime'),
  col('Computer'),
  col('CounterName'),
  col('InstanceName'),
  col('CounterValue', 'real'),
];

function dcr(
  id: string,
  o: { workspaces?: string[]; facilities?: string[]; counters?: string[]; extraSources?: Record<string, unknown> } = {},
): unknown {
  const ws = o.workspaces ?? ['la'];
  return {
    id: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/dataCollectionRules/${id}`,
    name: id,
    location: 'westeurope',
    properties: {
      immutableId: id,
      endpoints: { logsIngestion: `https://${id}.westeurope-1.ingest.monitor.azure.com` },
      streamDeclarations: {
        'Custom-OpenAma-Syslog': { columns: SYSLOG_COLS },
        'Custom-OpenAma-Perf': { columns: PERF_COLS },
      },
      dataSources: {
        syslog: [
          {
            name: 'sys',
            streams: ['Microsoft-Syslog'],
            facilityNames: o.facilities ?? ['auth', 'daemon'],
            logLevels: ['Warning', 'Error'],
          },
        ],
        performanceCounters: [
          {
            name: 'perf',
            streams: ['Microsoft-Perf'],
            samplingFrequencyInSeconds: 60,
            counterSpecifiers: o.counters ?? ['Processor(*)\\% Processor Time', 'Memory(*)\\Available MBytes Memory'],
          },
        ],
        ...(o.extraSources ?? {}),
      },
      destinations: {
        logAnalytics: ws.map((name) => ({
          name,
          workspaceResourceId: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/${name}`,
        })),
      },
      dataFlows: [
        { streams: ['Microsoft-Syslog', 'Microsoft-Perf'], destinations: ws },
        { streams: ['Custom-OpenAma-Syslog'], destinations: ws, outputStream: 'Microsoft-Syslog' },
        { streams: ['Custom-OpenAma-Perf'], destinations: ws, outputStream: 'Custom-OpenAmaPerf_CL' },
      ],
    },
  };
}

const A = 'dcr-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'dcr-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
const input = (json: unknown, ref: string): DcrInput => ({ json, origin: 'arm', ref });

describe('merging DCRs', () => {
  test('identical sources in two DCRs are collected once and fan out to both DCRs (shared, not duplicated)', () => {
    // Same counters in another order, same facilities in another order: still the same source.
    const { graph, dcrs } = buildPipelineGraph(
      [
        input(dcr(A), 'a'),
        input(
          dcr(B, {
            counters: ['Memory(*)\\Available MBytes Memory', 'Processor(*)\\% Processor Time'],
            facilities: ['daemon', 'auth'],
          }),
          'b',
        ),
      ],
      ctx,
    );
    expect(dcrs.map((d) => [d.immutableId, d.state])).toEqual([
      [A, 'loaded'],
      [B, 'loaded'],
    ]);
    expect(graph.sources.filter((s) => s.kind === 'perf')).toHaveLength(1);
    expect(graph.sources.filter((s) => s.kind === 'syslog')).toHaveLength(1);
    const syslog = graph.sources.find((s) => s.kind === 'syslog')!;
    expect((syslog.spec as { filters: unknown[] }).filters).toHaveLength(1);
    const perfId = graph.sources.find((s) => s.kind === 'perf')!.id;
    expect(
      graph.routes
        .filter((r) => r.sourceStream === `${perfId}|Microsoft-Perf`)
        .map((r) => r.laneId)
        .sort(),
    ).toEqual([`${A}/la/Custom-OpenAma-Perf`, `${B}/la/Custom-OpenAma-Perf`]);
    const syslogRoutes = graph.routes.filter((r) => r.sourceStream.startsWith('syslog|'));
    expect(new Set(syslogRoutes.map((r) => r.sourceStream)).size).toBe(1);
    expect(syslogRoutes.map((r) => r.laneId).sort()).toEqual([
      `${A}/la/Custom-OpenAma-Syslog`,
      `${B}/la/Custom-OpenAma-Syslog`,
    ]);
    // Each DCR uploads with its own immutableId and endpoint.
    expect(graph.destinations.map((d) => [d.dcrImmutableId, d.kind === 'logs-ingestion' && d.endpoint]).sort()).toEqual(
      [
        [A, `https://${A}.westeurope-1.ingest.monitor.azure.com`],
        [B, `https://${B}.westeurope-1.ingest.monitor.azure.com`],
      ],
    );
  });

  test('one source feeding two workspaces in one DCR: one source, two lanes, one route each', () => {
    const { graph } = buildPipelineGraph([input(dcr(A, { workspaces: ['ws-eu', 'ws-us'] }), 'a')], ctx);
    expect(graph.sources.map((s) => s.kind).sort()).toEqual(['perf', 'syslog']);
    expect(graph.lanes.map((l) => l.id).sort()).toEqual([
      `${A}/ws-eu/Custom-OpenAma-Perf`,
      `${A}/ws-eu/Custom-OpenAma-Syslog`,
      `${A}/ws-us/Custom-OpenAma-Perf`,
      `${A}/ws-us/Custom-OpenAma-Syslog`,
    ]);
    for (const lane of graph.lanes) expect(graph.routes.filter((r) => r.laneId === lane.id)).toHaveLength(1);
  });

  test('different syslog filters in two DCRs stay apart: one listener, two filters, each DCR sees only its own', () => {
    const { graph } = buildPipelineGraph(
      [input(dcr(A, { facilities: ['auth'] }), 'a'), input(dcr(B, { facilities: ['local4'] }), 'b')],
      ctx,
    );
    const syslog = graph.sources.filter((s) => s.kind === 'syslog');
    expect(syslog).toHaveLength(1);
    expect((syslog[0]!.spec as { filters: unknown[] }).filters).toHaveLength(2);
    const streamFor = (id: string) =>
      graph.routes.filter((r) => r.laneId === `${id}/la/Custom-OpenAma-Syslog`).map((r) => r.sourceStream);
    expect(streamFor(A)).toHaveLength(1);
    expect(streamFor(B)).toHaveLength(1);
    expect(streamFor(A)[0]).not.toBe(streamFor(B)[0]);
  });

  test('different counter sets are two perf sources', () => {
    const { graph } = buildPipelineGraph(
      [input(dcr(A), 'a'), input(dcr(B, { counters: ['Memory(*)\\Available MBytes Memory'] }), 'b')],
      ctx,
    );
    expect(graph.sources.filter((s) => s.kind === 'perf')).toHaveLength(2);
  });

  test('the same DCR given twice (e.g. inline and from ARM) runs once, with a warning', () => {
    const { graph, dcrs, warnings } = buildPipelineGraph([input(dcr(A), 'a'), input(dcr(A), 'again')], ctx);
    expect(dcrs).toHaveLength(1);
    expect(graph.lanes).toHaveLength(2);
    expect(warnings.some((w) => /given twice/.test(w))).toBe(true);
  });

  test('windowsEventLogs, iisLogs and extensions are parsed, reported unsupported, and the rest of the DCR runs', () => {
    const windows = {
      windowsEventLogs: [
        { name: 'evt', streams: ['Microsoft-Event'], xPathQueries: ['Application!*[System[(Level=1 or Level=2)]]'] },
      ],
      iisLogs: [{ name: 'iis', streams: ['Microsoft-W3CIISLog'], logDirectories: ['C:\\inetpub\\logs'] }],
      extensions: [{ name: 'ext', streams: ['Microsoft-SecurityEvent'], extensionName: 'AzureSecurityWindowsAgent' }],
    };
    const v = validateDcr(dcr(A, { extraSources: windows }), 'a');
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.dcr.dataSources).not.toHaveProperty('windowsEventLogs');
    expect(v.warnings).toEqual([
      `${A}: /properties/dataSources/windowsEventLogs/0: windowsEventLogs source "evt" is ignored: Windows event logs exist only on Windows`,
      expect.stringMatching(
        /^dcr-\w+: \/properties\/dataSources\/iisLogs\/0: iisLogs source "iis" is ignored: IIS logs/,
      ),
      expect.stringMatching(
        /^dcr-\w+: \/properties\/dataSources\/extensions\/0: extensions source "ext" is ignored: extension AzureSecurityWindowsAgent/,
      ),
    ]);
    const { graph, dcrs, warnings } = buildPipelineGraph([input(dcr(A, { extraSources: windows }), 'a')], ctx);
    expect(dcrs).toEqual([{ immutableId: A, source: 'arm', state: 'loaded', warnings: v.warnings }]);
    expect(warnings).toEqual(v.warnings);
    expect(graph.sources.map((s) => s.kind).sort()).toEqual(['perf', 'syslog']);
  });

  test('an invalid DCR is rejected alone with its reason; the valid one still runs', () => {
    const broken = dcr(B) as { properties: { dataFlows: { streams: string[]; destinations: string[] }[] } };
    broken.properties.dataFlows.push({ streams: ['Microsoft-Syslog'], destinations: ['nowhere'] });
    const { graph, dcrs } = buildPipelineGraph([input(broken, 'b'), input(dcr(A), 'a')], ctx);
    expect(dcrs).toEqual([
      {
        immutableId: B,
        source: 'arm',
        state: 'rejected',
        reason: expect.stringMatching(/destination "nowhere", which destinations does not define/),
      },
      { immutableId: A, source: 'arm', state: 'loaded' },
    ]);
    expect(graph.destinations.length).toBeGreaterThan(0);
    expect(graph.destinations.every((d) => d.dcrImmutableId === A)).toBe(true);
    expect(graph.lanes.every((l) => l.id.startsWith(A))).toBe(true);
  });
});
