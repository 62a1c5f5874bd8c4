// DCR analysis and runtime tolerance: parts open-ama does not run (Windows sources and paths, extensions,
// prometheusForwarder, Event Hubs / Storage, streams nothing produces) are warnings and the rest runs;
// facility names are case-insensitive; typos are named with a "did you mean"; every defect and blocker
// is reported at once; a built-in flow whose companion carries the transform is only pre-filtered here.
import { describe, expect, test } from '@jest/globals';
import { analyzeDcr } from '../../../../agent/collector/dcr/analysis.js';
import { validateDcr } from '../../../../agent/collector/dcr/validate.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { healthSubstatus } from '../../../../agent/supervisor/control/health-substatus.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const ID = 'dcr-0123456789abcdef0123456789abcdef';
const ctx = { computer: 'vm1', config: testAgentConfig(), env: {}, outDir: '/tmp/out' };
const SYSLOG_COLS = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'SyslogMessage', type: 'string' },
];

function mixed(): Record<string, unknown> {
  return {
    location: 'westeurope',
    properties: {
      immutableId: ID,
      endpoints: { logsIngestion: 'https://x.westeurope-1.ingest.monitor.azure.com' },
      streamDeclarations: {
        'Custom-OpenAma-Syslog': { columns: SYSLOG_COLS },
        'Custom-App_CL': {
          columns: [
            { name: 'TimeGenerated', type: 'datetime' },
            { name: 'RawData', type: 'string' },
          ],
        },
      },
      dataSources: {
        syslog: [
          { name: 'sys', streams: ['Microsoft-Syslog'], facilityNames: ['UUCP', 'Auth', 'mark'], logLevels: ['*'] },
        ],
        windowsEventLogs: [{ name: 'evt', streams: ['Microsoft-Event'], xPathQueries: ['System!*'] }],
        extensions: [{ name: 'dep', streams: ['Microsoft-ServiceMap'], extensionName: 'DependencyAgent' }],
        prometheusForwarder: [{ name: 'prom', streams: ['Microsoft-PrometheusMetrics'] }],
        logFiles: [
          { name: 'win', streams: ['Custom-App_CL'], filePatterns: ['C:\\logs\\*.log'], format: 'text' },
          {
            name: 'lin',
            streams: ['Custom-App_CL'],
            filePatterns: ['/var/log/app/*.log', 'D:\\x.log'],
            format: 'text',
          },
        ],
      },
      destinations: {
        logAnalytics: [{ name: 'la', workspaceResourceId: '/subscriptions/s/rg/ws' }],
        eventHubsDirect: [{ name: 'eh', eventHubResourceId: '/subscriptions/s/eh' }],
      },
      dataFlows: [
        {
          streams: ['Microsoft-Syslog'],
          destinations: ['la', 'eh'],
          transformKql: 'source | where SyslogMessage has "x"',
        },
        {
          streams: ['Custom-OpenAma-Syslog'],
          destinations: ['la'],
          transformKql: 'source',
          outputStream: 'Microsoft-Syslog',
        },
        { streams: ['Microsoft-Event', 'Microsoft-ServiceMap'], destinations: ['la'] },
        { streams: ['Microsoft-PrometheusMetrics'], destinations: ['la'] },
        { streams: ['Custom-App_CL'], destinations: ['la'], outputStream: 'Custom-App_CL' },
      ],
    },
  };
}

describe('DCR analysis', () => {
  test('ignored parts are warnings, the rest runs (runtime and status)', () => {
    const a = analyzeDcr(mixed(), 'mixed.json');
    expect(a.defects).toEqual([]);
    expect(a.blockers).toEqual([]);
    const w = a.warnings.map((x) => x.message).join('\n');
    expect(w).toMatch(/windowsEventLogs source "evt" is ignored/);
    expect(w).toMatch(/extensions source "dep" is ignored: extension DependencyAgent/);
    expect(w).toMatch(/prometheusForwarder source "prom" is ignored/);
    expect(w).toMatch(/logFiles source "win" is ignored/);
    expect(w).toMatch(/Windows path D:\\x.log ignored/);
    expect(w).toMatch(/destination "eh" is ignored: open-ama does not send to Event Hubs/);
    expect(w).toMatch(/stream Microsoft-ServiceMap → la is ignored: produced only by extensions source "dep"/);
    const syslogRoute = a.flows[0]!.routes.find((r) => r.destination === 'la')!;
    expect(syslogRoute).toMatchObject({
      collected: true,
      uploadStream: 'Custom-OpenAma-Syslog',
      table: 'Syslog',
      transform: 'agent',
    });

    const { graph, dcrs } = buildPipelineGraph([{ json: mixed(), origin: 'file', ref: 'mixed.json' }], ctx);
    expect(dcrs[0]).toMatchObject({ immutableId: ID, state: 'loaded' });
    expect(dcrs[0]!.warnings!.length).toBe(a.warnings.length);
    expect(graph.sources.map((s) => s.kind).sort()).toEqual(['syslog', 'text-logs']);
    const text = graph.sources.find((s) => s.kind === 'text-logs')!;
    expect((text.spec as { filePatterns: string[] }).filePatterns).toEqual(['/var/log/app/*.log']);
    expect(graph.destinations.map((d) => d.name).sort()).toEqual(['la']);
    const filters = (graph.sources.find((s) => s.kind === 'syslog')!.spec as { filters: { facilities: string[] }[] })
      .filters;
    expect(filters[0]!.facilities).toEqual(['auth', 'mark', 'uucp']);

    const sub = healthSubstatus({
      configVersion: 1,
      dcrs,
      destinations: [],
      sources: [],
      recordsIn: 0,
      recordsOut: 0,
      droppedByReason: {},
      rssBytes: 0,
    })[0]!;
    expect(sub.status).toBe('warning');
    expect(sub.message).toMatch(
      new RegExp(`${ID} from file, ${a.warnings.length} warnings: .*windowsEventLogs source "evt" is ignored`),
    );
    expect(sub.message).toMatch(/more in collector\.log/);
  });

  test('a typo is named with its path and a did-you-mean, and the DCR still loads', () => {
    const d = mixed();
    const sys = (d.properties as { dataSources: { syslog: Record<string, unknown>[] } }).dataSources.syslog[0]!;
    sys.facilityName = sys.facilityNames;
    delete sys.facilityNames;
    const a = analyzeDcr(d);
    expect(a.typos).toEqual([
      {
        path: '/properties/dataSources/syslog/0/facilityName',
        message: 'no DCR schema knows the property "facilityName" — did you mean "facilityNames"?; it has no effect',
        fix: 'rename it to "facilityNames"',
      },
    ]);
    const v = validateDcr(d, 'x');
    expect(v.ok && v.warnings.some((x) => x.includes('did you mean "facilityNames"'))).toBe(true);
  });

  test('every defect and blocker is reported at once; a contradictory DCR is refused with all reasons', () => {
    const d = mixed();
    const p = d.properties as Record<string, unknown> & {
      dataFlows: unknown[];
      destinations: Record<string, unknown[]>;
    };
    delete p.immutableId;
    delete p.endpoints;
    p.dataFlows.push({ streams: ['Custom-Nothing_CL'], destinations: ['lA'] });
    p.destinations.logAnalytics!.push({ name: 'eh' });
    (p.dataSources as { syslog: { facilityNames: string[] }[] }).syslog[0]!.facilityNames.push('kernel');
    const a = analyzeDcr(d, 'bad.json');
    expect(a.defects.map((x) => x.message)).toEqual(
      expect.arrayContaining([
        'destination name "eh" is used twice',
        '"kernel" is not a syslog facility name — did you mean "kern"? (known: *, kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron, authpriv, ftp, ntp, audit, alert, clock, local0, local1, local2, local3, local4, local5, local6, local7, mark, nopri)',
        'sends to destination "lA", which destinations does not define — did you mean "la"?',
        'reads the custom stream Custom-Nothing_CL, which streamDeclarations does not declare',
      ]),
    );
    // eh now names a Log Analytics destination (the first definition wins), which the companion flow misses
    expect(a.blockers.map((x) => x.path)).toEqual([
      '/properties/immutableId',
      '/properties/dataFlows',
      '/properties/endpoints',
    ]);
    const v = validateDcr(d, 'bad.json');
    expect(v.ok).toBe(false);
    if (!v.ok) {
      expect(v.immutableId).toBe('bad.json');
      expect(v.reason).toMatch(/used twice.*kernel.*"lA".*Custom-Nothing_CL.*immutableId.*ingestion endpoint/);
    }
  });

  test('a built-in flow whose companion flow carries the transform is pre-filtered on the agent only', () => {
    const d = mixed();
    const flows = (d.properties as { dataFlows: { transformKql?: string }[] }).dataFlows;
    flows[0]!.transformKql = 'source | where SyslogMessage has "x" | extend Tag = "y"';
    const full = buildPipelineGraph([{ json: d, origin: 'file', ref: 'a' }], ctx);
    expect(full.graph.routes.find((r) => r.laneId.endsWith('/Custom-OpenAma-Syslog'))!.transformMode).toBe('full');
    flows[1]!.transformKql = flows[0]!.transformKql;
    expect(analyzeDcr(d).flows[0]!.routes.find((r) => r.destination === 'la')!.transform).toBe('agent-prefilter');
    const pre = buildPipelineGraph([{ json: d, origin: 'file', ref: 'a' }], ctx);
    expect(pre.graph.routes.find((r) => r.laneId.endsWith('/Custom-OpenAma-Syslog'))!.transformMode).toBe('prefilter');
  });

  test('a transform the agent cannot run with a "source" companion flow is reported lost', () => {
    const d = mixed();
    (d.properties as { dataFlows: { transformKql?: string }[] }).dataFlows[0]!.transformKql =
      'source | summarize count() by Computer';
    const a = analyzeDcr(d);
    expect(a.flows[0]!.routes.find((r) => r.destination === 'la')!.transform).toBe('lost');
    expect(a.warnings.some((w) => /nobody applies it/.test(w.message) && /dcr fix/.test(w.fix ?? ''))).toBe(true);
  });

  test('the immutableId is required only for what goes to Log Analytics; a metrics-only DCR loads without one', () => {
    const metrics = {
      properties: {
        dataSources: {
          performanceCounters: [
            {
              name: 'p',
              streams: ['Microsoft-InsightsMetrics'],
              counterSpecifiers: ['Processor(*)\\% Processor Time'],
            },
          ],
        },
        destinations: { azureMonitorMetrics: { name: 'm' } },
        dataFlows: [{ streams: ['Microsoft-InsightsMetrics'], destinations: ['m'] }],
      },
    };
    expect(analyzeDcr(metrics).blockers).toEqual([]);
    const v = validateDcr(metrics, 'metrics.json');
    expect(v).toMatchObject({ ok: true, dcr: { immutableId: 'metrics.json' } });
    const la = mixed();
    delete (la.properties as Record<string, unknown>).immutableId;
    expect(analyzeDcr(la).blockers.map((b) => b.path)).toEqual(['/properties/immutableId']);
  });

  test('counter specifiers that are no Linux counter are named (a Windows-form one collects nothing)', () => {
    const d = {
      properties: {
        dataSources: {
          performanceCounters: [
            {
              name: 'p',
              streams: ['Microsoft-InsightsMetrics'],
              counterSpecifiers: [
                '\\Processor(_Total)\\% Processor Time',
                'Memory(*)\\% Used Memory',
                'Memory(*)\\Nope',
              ],
            },
          ],
        },
        destinations: { azureMonitorMetrics: { name: 'm' } },
        dataFlows: [{ streams: ['Microsoft-InsightsMetrics'], destinations: ['m'] }],
      },
    };
    const a = analyzeDcr(d);
    expect(a.sources[0]!.detail).toMatch(/; 2 not collected on Linux$/);
    expect(a.warnings.map((w) => w.message)).toEqual([
      'performanceCounters source "p": \\Processor(_Total)\\% Processor Time, Memory(*)\\Nope are not Linux counters open-ama collects (Windows counters, or not in the Linux list of docs/azure-interfaces.md); nothing is collected for them',
    ]);
    expect(a.warnings[0]!.path).toBe('/properties/dataSources/performanceCounters/0/counterSpecifiers');
  });
});
