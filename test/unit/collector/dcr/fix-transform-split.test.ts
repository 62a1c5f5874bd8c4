// `dcr fix` and the agent agree on who runs which part of a built-in flow's transformKql
// (docs/dcr-support.md, "Companion streams"): the companion flow gets the SERVICE part of the split —
// the rest after the prefix the agent runs, `source` when the agent runs all of it, the whole transform
// when it runs none — and the pipeline built from the fixed DCR runs the agent part on the machine
// (transformMode full), so no operator is applied twice or nowhere. Fixing twice changes nothing; a
// DCR fixed by an older fix (companion holding the whole transform) gets the service part.
import { describe, expect, test } from '@jest/globals';
import { analyzeDcr } from '../../../../agent/collector/dcr/analysis.js';
import { fixDcr } from '../../../../agent/collector/dcr/fix.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { runTransform } from '../../../../agent/collector/transform/index.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const ctx = { computer: 'vm1', config: testAgentConfig(), env: {}, outDir: '/tmp/out' };
type Flow = { streams: string[]; destinations: string[]; transformKql?: string; outputStream?: string };

function syslogDcr(kql: string): Record<string, unknown> {
  return {
    location: 'westeurope',
    kind: 'Linux',
    properties: {
      immutableId: 'dcr-0123456789abcdef0123456789abcdef',
      endpoints: { logsIngestion: 'https://x.westeurope-1.ingest.monitor.azure.com' },
      dataSources: {
        syslog: [{ name: 's', streams: ['Microsoft-Syslog'], facilityNames: ['user'], logLevels: ['*'] }],
      },
      destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: '/subscriptions/s/ws' }] },
      dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['la'], transformKql: kql }],
    },
  };
}
const flowsOf = (dcr: unknown): Flow[] => (dcr as { properties: { dataFlows: Flow[] } }).properties.dataFlows;
const companionKql = (dcr: unknown): string | undefined =>
  flowsOf(dcr).find((f) => f.streams.includes('Custom-OpenAma-Syslog'))?.transformKql;

function syslogRoute(dcr: unknown): { transformKql?: string; transformMode?: string } {
  const built = buildPipelineGraph([{ json: dcr, origin: 'file', ref: 'd' }], ctx);
  expect(built.dcrs[0]).toMatchObject({ state: 'loaded' });
  expect(built.warnings.filter((w) => /nobody/.test(w))).toEqual([]);
  return built.graph.routes.find((r) => r.laneId.endsWith('/Custom-OpenAma-Syslog'))!;
}

const PREFIX = 'source | where SeverityLevel != "debug"';
const REST = 'source | extend Parts = split(SyslogMessage, ";") | project TimeGenerated, Parts';
const records = [
  { SeverityLevel: 'debug', SyslogMessage: 'a;b' },
  { SeverityLevel: 'info', SyslogMessage: 'c;d' },
];

describe('dcr fix: the companion flow carries the service part of the transform', () => {
  test.each([
    ['a prefix on the agent, the rest in the service', `${PREFIX} ${REST.slice('source '.length)}`, REST, 1],
    ['all of it on the agent', `${PREFIX} | project TimeGenerated, SyslogMessage`, 'source', 1],
    ['none of it on the agent', 'source | summarize count() by Computer', 'source | summarize count() by Computer', 2],
    ['no transform', 'source', 'source', 2],
  ])('%s', (_what, kql, service, kept) => {
    const once = fixDcr(syslogDcr(kql));
    expect(companionKql(once.dcr)).toBe(service);
    // The pipeline of the fixed DCR runs the agent part (full mode) and leaves the companion's part alone.
    const route = syslogRoute(once.dcr);
    expect(route.transformMode).toBe('full');
    expect(runTransform(route.transformKql!, records, route.transformMode as 'full')).toHaveLength(kept);
    // Idempotent.
    const twice = fixDcr(once.dcr);
    expect(twice.changes).toEqual([]);
    expect(twice.dcr).toEqual(once.dcr);
    const a = analyzeDcr(once.dcr);
    expect(a.warnings.filter((w) => /nobody/.test(w.message))).toEqual([]);
  });

  test('the analysis names where each part runs', () => {
    const route = (kql: string): string | undefined =>
      analyzeDcr(fixDcr(syslogDcr(kql)).dcr).flows[0]!.routes.find((r) => r.destination === 'la')!.transform;
    expect(route(`${PREFIX} ${REST.slice('source '.length)}`)).toBe('agent-then-service');
    expect(route(PREFIX)).toBe('agent');
    expect(route('source | summarize count() by Computer')).toBe('service');
  });

  test('a companion flow holding the whole transform (an older fix) gets the service part', () => {
    const kql = `${PREFIX} ${REST.slice('source '.length)}`;
    const old = syslogDcr(kql);
    const props = old.properties as { streamDeclarations?: unknown; dataFlows: Flow[] };
    props.streamDeclarations = (
      fixDcr(syslogDcr(kql)).dcr as typeof old & { properties: typeof props }
    ).properties.streamDeclarations;
    props.dataFlows.push({
      streams: ['Custom-OpenAma-Syslog'],
      destinations: ['la'],
      transformKql: kql,
      outputStream: 'Microsoft-Syslog',
    });
    // Before: consistent but wasteful — the agent only pre-filters, the service runs all of it.
    expect(syslogRoute(old).transformMode).toBe('prefilter');
    const r = fixDcr(old);
    expect(r.changes).toContain(
      `carried the part of the transformKql the agent cannot run onto the Custom-OpenAma-Syslog flow to la: ${REST}`,
    );
    expect(companionKql(r.dcr)).toBe(REST);
    expect(syslogRoute(r.dcr).transformMode).toBe('full');
  });

  test('a companion flow holding a whole transform the agent runs entirely gets "source"', () => {
    const old = fixDcr(syslogDcr(PREFIX)).dcr;
    flowsOf(old).find((f) => f.streams.includes('Custom-OpenAma-Syslog'))!.transformKql = PREFIX;
    expect(syslogRoute(old).transformMode).toBe('prefilter');
    const r = fixDcr(old);
    expect(r.changes).toEqual([
      `set the transformKql of the Custom-OpenAma-Syslog flow to la to "source": the agent runs all of the built-in flow's transformKql`,
    ]);
    expect(companionKql(r.dcr)).toBe('source');
    expect(syslogRoute(r.dcr).transformMode).toBe('full');
    expect(fixDcr(r.dcr).changes).toEqual([]);
  });

  test('a companion flow with a transform of its own is kept and named in a note, every run', () => {
    const d = syslogDcr(PREFIX);
    const once = fixDcr(d);
    flowsOf(once.dcr).find((f) => f.streams.includes('Custom-OpenAma-Syslog'))!.transformKql =
      'source | where Facility == "user"';
    const again = fixDcr(once.dcr);
    expect(again.changes).toEqual([]);
    expect(again.notes).toEqual([
      `kept the existing transformKql of the Custom-OpenAma-Syslog flow to la; it is not the part of the built-in flow's the agent cannot run (check which one you want)`,
    ]);
  });
});
