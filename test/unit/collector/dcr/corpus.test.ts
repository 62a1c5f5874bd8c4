// The real-DCR corpus (test/fixtures/dcrs, files kept unchanged from their public sources, see its README):
// `dcr explain` on every file names every stream of every flow and exits 0, or rejects a genuinely
// defective DCR naming the defect; `dcr fix` then validation (with the immutableId and endpoint Azure would
// assign) accepts every Linux-relevant DCR; fix is idempotent; a CEF DCR gets the full CommonSecurityLog
// companion declaration and the part of its transform the agent cannot run carried onto the companion flow.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { runDcr } from '../../../../cli/dcr-command.js';
import { analyzeDcr } from '../../../../agent/collector/dcr/analysis.js';
import { findDcrs, parseJsonText } from '../../../../agent/collector/dcr/explain-input.js';
import { fixDcr } from '../../../../agent/collector/dcr/fix.js';
import { COMMON_SECURITY_LOG_COLUMNS } from '../../../../agent/collector/dcr/common-security-log-columns.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const DIR = path.resolve('test/fixtures/dcrs');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json'));
/** Genuinely defective corpus files and the defect explain must name. */
const DEFECTIVE: Record<string, RegExp> = {
  'rest-2024-03-11-DataCollectionRulesCreateEmbeddedDCE.json':
    /destination "myworkspace", which destinations does not define/,
};

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

function dcrsOf(file: string): Record<string, unknown>[] {
  const parsed = parseJsonText(readFileSync(path.join(DIR, file), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  const found = findDcrs(parsed.value);
  if (!found.ok) throw new Error(found.reason);
  return found.dcrs.map((d) => d.json);
}

/** What Azure adds when it creates the DCR: the immutableId, and an endpoint (kind Direct). */
function asCreated(dcr: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(dcr)) as Record<string, unknown>;
  const props = (typeof copy.properties === 'object' ? copy.properties : copy) as Record<string, unknown>;
  props.immutableId ??= 'dcr-00000000000000000000000000000001';
  if (!props.endpoints && !props.dataCollectionEndpoint)
    props.endpoints = { logsIngestion: 'https://x.eastus-1.ingest.monitor.azure.com' };
  return copy;
}

describe('real DCR corpus', () => {
  test('the corpus holds the files its README lists', () => {
    const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    expect(FILES.length).toBeGreaterThanOrEqual(11);
    for (const f of FILES) expect(readme).toContain(f);
  });

  test.each(FILES)('dcr explain %s: every stream of every flow named, exit 0 (or the defect named)', async (file) => {
    const out = sink();
    const err = sink();
    const code = await runDcr({ action: 'explain', file: path.join(DIR, file) }, { out: out.stream, err: err.stream });
    if (DEFECTIVE[file]) {
      expect(code).toBe(1);
      expect(err.text()).toMatch(DEFECTIVE[file]);
      return;
    }
    expect(err.text()).toBe('');
    expect(code).toBe(0);
    for (const dcr of dcrsOf(file)) {
      const props = (typeof dcr.properties === 'object' ? dcr.properties : dcr) as {
        dataFlows?: { streams: string[] }[];
      };
      for (const flow of props.dataFlows ?? [])
        for (const s of flow.streams) expect(out.text()).toMatch(new RegExp(`\\n {6}${s} → `));
    }
  });

  test.each(FILES.filter((f) => !DEFECTIVE[f]))('dcr fix then validate accepts %s; fix is idempotent', (file) => {
    for (const dcr of dcrsOf(file)) {
      const once = fixDcr(dcr);
      const twice = fixDcr(once.dcr);
      expect(twice.changes).toEqual([]);
      expect(twice.dcr).toEqual(once.dcr);
      const a = analyzeDcr(asCreated(once.dcr), file);
      expect([...a.defects, ...a.blockers, ...a.typos]).toEqual([]);
      if (a.sources.some((s) => s.collected)) expect(a.flows.some((f) => f.routes.some((r) => r.collected))).toBe(true);
    }
  });

  test('the REST example mixing Windows events with Linux perf and syslog runs its Linux part', () => {
    const [, created] = dcrsOf('rest-2024-03-11-DataCollectionRulesCreate.json');
    const fixed = asCreated(fixDcr(created).dcr);
    const built = buildPipelineGraph([{ json: fixed, origin: 'file', ref: 'rest' }], {
      computer: 'vm1',
      config: testAgentConfig(),
      env: {},
      outDir: '/tmp/out',
    });
    expect(built.dcrs[0]).toMatchObject({ state: 'loaded' });
    expect(built.dcrs[0]!.warnings!.join('\n')).toMatch(/windowsEventLogs source "cloudSecurityTeamEvents" is ignored/);
    expect(built.graph.sources.map((s) => s.kind).sort()).toEqual(['heartbeat', 'perf', 'perf', 'syslog']);
    expect(built.graph.lanes.map((l) => l.uploadStream).sort()).toEqual([
      'Custom-OpenAma-Perf',
      'Custom-OpenAma-Syslog',
      'Custom-OpenAmaHeartbeat',
    ]);
  });
});

describe('dcr fix on a CEF DCR (Sentinel "CEF via AMA" shape, with a user transform)', () => {
  // The agent runs the leading where; split() is outside its subset, so the rest is the service's.
  const AGENT = 'source | where DeviceVendor == "Palo Alto Networks"';
  const SERVICE =
    'source | extend DeviceCustomString6 = tostring(split(Message, ";")[0]) | project-away AdditionalExtensions';
  const KQL = `${AGENT} ${SERVICE.slice('source '.length)}`;
  const cef = {
    location: 'westeurope',
    kind: 'Linux',
    properties: {
      dataSources: {
        syslog: [
          {
            name: 'sysLogsDataSource-1688419672',
            streams: ['Microsoft-CommonSecurityLog'],
            facilityNames: ['*'],
            logLevels: ['*'],
          },
        ],
      },
      destinations: { logAnalytics: [{ workspaceResourceId: '/subscriptions/s/ws', name: 'la-140366483' }] },
      dataFlows: [{ streams: ['Microsoft-CommonSecurityLog'], destinations: ['la-140366483'], transformKql: KQL }],
    },
  };

  test('the companion declares every CommonSecurityLog column and its flow carries the part the agent cannot run', () => {
    const r = fixDcr(cef);
    const props = (r.dcr as { properties: unknown }).properties as {
      streamDeclarations: Record<string, { columns: { name: string; type: string }[] }>;
      dataFlows: { streams: string[]; destinations: string[]; transformKql?: string; outputStream?: string }[];
    };
    expect(props.streamDeclarations['Custom-OpenAma-CommonSecurityLog']!.columns).toEqual(
      COMMON_SECURITY_LOG_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
    );
    expect(props.dataFlows).toContainEqual({
      streams: ['Custom-OpenAma-CommonSecurityLog'],
      destinations: ['la-140366483'],
      transformKql: SERVICE,
      outputStream: 'Microsoft-CommonSecurityLog',
    });
    expect(props.dataFlows).toContainEqual({
      streams: ['Custom-OpenAmaHeartbeat'],
      destinations: ['la-140366483'],
      transformKql: 'source',
      outputStream: 'Custom-OpenAmaHeartbeat_CL',
    });
    expect(r.changes.join('\n')).toContain(`with the transformKql part the agent cannot run: ${SERVICE}`);
    const a = analyzeDcr(asCreated(r.dcr));
    expect([...a.defects, ...a.blockers, ...a.typos]).toEqual([]);
    expect(a.flows[0]!.routes[0]).toMatchObject({ table: 'CommonSecurityLog', transform: 'agent-then-service' });
  });

  test('a DCR fixed by the old fix (companion flow "source") gets the service part carried over', () => {
    const old = JSON.parse(JSON.stringify(cef)) as typeof cef & { properties: Record<string, unknown> };
    (old.properties.dataFlows as unknown[]).push({
      streams: ['Custom-OpenAma-CommonSecurityLog'],
      destinations: ['la-140366483'],
      transformKql: 'source',
      outputStream: 'Microsoft-CommonSecurityLog',
    });
    const r = fixDcr(old);
    expect(r.changes).toContain(
      `carried the part of the transformKql the agent cannot run onto the Custom-OpenAma-CommonSecurityLog flow to la-140366483: ${SERVICE}`,
    );
    const flows = (r.dcr as { properties: { dataFlows: { streams: string[]; transformKql?: string }[] } }).properties
      .dataFlows;
    expect(flows.filter((f) => f.streams.includes('Custom-OpenAma-CommonSecurityLog'))).toHaveLength(1);
  });
});
