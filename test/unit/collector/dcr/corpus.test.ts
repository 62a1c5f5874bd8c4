// The real-DCR corpus (test/fixtures/dcrs, files kept unchanged from their public sources, see its README):
// `dcr explain` (the command's code path, and the real `bin/open-ama` for a few files) on every file names
// every stream of every flow and exits 0, or rejects a genuinely defective file naming the defect; `dcr fix`
// then `dcr validate` (with the immutableId and ingestion endpoint Azure would assign) accepts every
// Linux-relevant file; fix is idempotent; the Sentinel CEF DCR gets the full CommonSecurityLog companion
// declaration and the user's transform carried onto the companion flow.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { runDcr } from '../../../../cli/dcr-command.js';
import { analyzeDcr } from '../../../../agent/collector/dcr/analysis.js';
import { findDcrs, parseJsonText } from '../../../../agent/collector/dcr/explain-input.js';
import { fixDcr } from '../../../../agent/collector/dcr/fix.js';
import { COMMON_SECURITY_LOG_COLUMNS } from '../../../../agent/collector/sources/syslog/common-security-log-columns.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const DIR = path.resolve('test/fixtures/dcrs');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const TMP = mkdtempSync(path.join(os.tmpdir(), 'open-ama-corpus-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** Genuinely defective corpus files, why, and the defect explain must name (exit 1, nothing else). */
const DEFECTIVE: Record<string, RegExp> = {
  // The flow sends to "myworkspace"; the only destination is named "centralWorkspace" (request and responses).
  'rest-2024-03-11-DataCollectionRulesCreateEmbeddedDCE.json':
    /destination "myworkspace", which destinations does not define/,
  // A comma after the last data flow: not JSON (Azure would refuse the request body too).
  'learn-dcr-samples-event-hubs-storage.json': /not valid JSON at line 87 column 9/,
  // A line break inside the workspaceResourceId string ("{Your-Subscription-⏎Id}"): not JSON.
  'sentinel-connect-cef-ama-request-body.json': /not valid JSON at line 23 column 79/,
};

/**
 * Corpus files with nothing open-ama runs on Linux, and why. Every other non-defective file is
 * Linux-relevant and must pass fix → validate; a test checks this list against the analysis, so a source
 * wrongly reported as ignored fails instead of leaving the list silently.
 */
const NOT_LINUX: Record<string, string> = {
  'eslz-dataCollectionRule-CT.json': 'change tracking: only the ChangeTracking extension',
  'eslz-8d1c1e5-dataCollectionRule-CT.json': 'change tracking: only the ChangeTracking extension',
  'eslz-dataCollectionRule-DefenderSQL.json': 'Defender for SQL: only its extension',
  'eslz-8d1c1e5-dataCollectionRule-DefenderSQL.json': 'Defender for SQL: only its extension',
  'eslz-d60ba34-dataCollectionRule-DefenderSQL.json': 'Defender for SQL: only its extension',
  'learn-dcr-samples-windows-events.json': 'Windows event logs only',
  'learn-dcr-samples-text-logs.json': 'a text log under a Windows path (C:\\logs)',
  'rest-2024-03-11-DataCollectionRulesCreateEnrichment.json': 'a text log under a Windows path (C:\\JavaLogs)',
  'learn-dcr-samples-workspace-transforms.json': 'kind WorkspaceTransforms: applied by the workspace, no data source',
  'learn-dcr-samples-logs-ingestion-direct.json':
    'kind Direct: Logs Ingestion API clients send its stream, no data source',
};

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (c: Buffer) => (text += c.toString()));
  return { stream, text: () => text };
}

async function dcr(action: 'explain' | 'validate' | 'fix', file: string) {
  const out = sink();
  const err = sink();
  const code = await runDcr({ action, file }, { out: out.stream, err: err.stream });
  return { code, out: out.text(), err: err.text() };
}

type Json = Record<string, unknown>;
const propsOf = (d: Json): Json => (typeof d.properties === 'object' ? d.properties : d) as Json;

function dcrsIn(value: unknown): Json[] {
  const found = findDcrs(value);
  if (!found.ok) throw new Error(found.reason);
  return found.dcrs.map((d) => d.json);
}

function dcrsOf(file: string): Json[] {
  const parsed = parseJsonText(readFileSync(path.join(DIR, file), 'utf8'));
  if (!parsed.ok) throw new Error(parsed.reason);
  return dcrsIn(parsed.value);
}

/** Linux-relevant: a data source open-ama collects, or agent settings it applies. */
const linuxRelevant = (d: Json): boolean =>
  propsOf(d).agentSettings !== undefined || analyzeDcr(d).sources.some((s) => s.collected);

/** What Azure adds when it creates the DCR, in place: the immutableId, and where the agent sends logs. */
function asCreated(d: Json): void {
  const props = propsOf(d);
  props.immutableId ??= 'dcr-00000000000000000000000000000001';
  if (typeof props.dataCollectionEndpointId === 'string')
    // What the agent resolves the DCE id to (docs/dcr-support.md "DCE lookup").
    props.dataCollectionEndpoint ??= { logsIngestion: 'https://my-dce-abcd.eastus-1.ingest.monitor.azure.com' };
  else if (!props.endpoints) props.endpoints = { logsIngestion: 'https://x.eastus-1.ingest.monitor.azure.com' };
}

describe('real DCR corpus', () => {
  test('at least 20 files, each listed in the README with its source', () => {
    const readme = readFileSync(path.join(DIR, 'README.md'), 'utf8');
    expect(FILES.length).toBeGreaterThanOrEqual(20);
    for (const f of FILES) expect(readme).toContain(`\`${f}\``);
    for (const f of [...Object.keys(DEFECTIVE), ...Object.keys(NOT_LINUX)]) expect(FILES).toContain(f);
  });

  test('the files without anything open-ama runs on Linux are exactly the NOT_LINUX list', () => {
    const nothing = FILES.filter((f) => !DEFECTIVE[f]).filter((f) => !dcrsOf(f).some(linuxRelevant));
    expect(nothing.sort()).toEqual(Object.keys(NOT_LINUX).sort());
  });

  test.each(FILES)('dcr explain %s: every stream of every flow named, exit 0 (or the defect named)', async (file) => {
    const r = await dcr('explain', path.join(DIR, file));
    if (DEFECTIVE[file]) {
      expect(r.code).toBe(1);
      expect(r.err).toMatch(DEFECTIVE[file]);
      return;
    }
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const dcrs = dcrsOf(file);
    expect(r.out.match(/^DCR /gm)).toHaveLength(dcrs.length);
    for (const d of dcrs) {
      const flows = (propsOf(d).dataFlows ?? []) as { streams: string[] }[];
      for (const flow of flows)
        for (const s of flow.streams) expect(r.out).toMatch(new RegExp(`\\n {6}${s} → [^\\n]*: \\S`));
    }
  });

  test.each(FILES.filter((f) => !DEFECTIVE[f] && !NOT_LINUX[f]))(
    'dcr fix then dcr validate accepts %s once Azure created it; fix is idempotent',
    async (file) => {
      const fixed = await dcr('fix', path.join(DIR, file));
      expect(fixed.code).toBe(0);
      const value = JSON.parse(fixed.out) as unknown;
      for (const d of dcrsIn(value)) {
        const again = fixDcr(d);
        expect(again.changes).toEqual([]);
        asCreated(d);
        const a = analyzeDcr(d, file);
        if (a.sources.some((s) => s.collected))
          expect(a.flows.some((f) => f.routes.some((r) => r.collected))).toBe(true);
      }
      const created = path.join(TMP, file);
      writeFileSync(created, JSON.stringify(value, null, 2));
      const v = await dcr('validate', created);
      expect(v.err).not.toMatch(/^error:/m);
      expect(v.code).toBe(0);
      expect(v.out).toMatch(/^valid: /m);
      expect(v.out).not.toMatch(/^invalid: /m);
    },
  );

  test('the REST example mixing Windows events with Linux perf and syslog runs its Linux part', () => {
    const [, created] = dcrsOf('rest-2024-03-11-DataCollectionRulesCreate.json');
    const fixed = fixDcr(created!).dcr as Json;
    asCreated(fixed);
    const built = buildPipelineGraph([{ json: fixed, origin: 'file', ref: 'rest' }], {
      computer: 'vm1',
      config: testAgentConfig(),
      env: {},
      outDir: '/tmp/out',
    });
    expect(built.dcrs[0]).toMatchObject({ state: 'loaded' });
    const warnings = built.dcrs[0]!.warnings!.join('\n');
    expect(warnings).toMatch(/windowsEventLogs source "cloudSecurityTeamEvents" is ignored/);
    // Its counters are Windows ones (\Processor(_Total)\…): named, not silently "collected".
    expect(warnings).toMatch(/\\Memory\\Committed Bytes.*not Linux counters open-ama collects/);
    expect(built.graph.sources.map((s) => s.kind).sort()).toEqual(['heartbeat', 'perf', 'perf', 'syslog']);
    expect(built.graph.lanes.map((l) => l.uploadStream).sort()).toEqual([
      'Custom-OpenAma-Perf',
      'Custom-OpenAma-Syslog',
      'Custom-OpenAmaHeartbeat',
    ]);
  });

  test('each file is read as the form it is', async () => {
    const form = async (f: string): Promise<string[]> => {
      const out = sink();
      const code = await runDcr(
        { action: 'explain', file: path.join(DIR, f), json: true },
        { out: out.stream, err: sink().stream },
      );
      expect(code).toBe(0);
      return (JSON.parse(out.text()) as { dcrs: { form: string }[] }).dcrs.map((d) => d.form);
    };
    expect(await form('sentinel-api-dcr-reference-syslog-response.json')).toEqual(['ARM resource']);
    expect(await form('sentinel-api-dcr-reference-syslog-request.json')).toEqual(['ARM resource']);
    expect(await form('quickstart-datacollectionrule-create-syslog.json')).toEqual(['template resource']);
    expect(await form('rest-2022-06-01-DataCollectionRulesListByResourceGroup.json')).toEqual([
      'REST example',
      'REST example',
    ]);
  });

  test('explain says what an AgentSettings DCR changes, and that a WorkspaceTransforms DCR is no agent DCR', async () => {
    const s = await dcr('explain', path.join(DIR, 'rest-2024-03-11-DataCollectionRulesCreateAgentSettings.json'));
    expect(s.out).toMatch(/Agent settings:\n {2}MaxDiskQuotaInMB: the upload queue may use up to 5000 MB/);
    expect(s.out).toMatch(/UseTimeReceivedForForwardedEvents applies to Windows Event Forwarding only/);
    const w = await dcr('explain', path.join(DIR, 'learn-dcr-samples-workspace-transforms.json'));
    expect(w.out).toMatch(/kind WorkspaceTransforms: the workspace applies these transforms/);
    expect(w.out).toMatch(/Nothing in this DCR runs on Linux/);
    expect(w.out).not.toMatch(/Blockers/);
  });

  test('a metrics-only DCR needs no immutableId; a destination no flow uses is shown unused', async () => {
    const m = await dcr('explain', path.join(DIR, 'azcli-rule_file_formonitor_test.json'));
    expect(m.out).not.toMatch(/immutableId:/);
    expect(m.out).toMatch(/unused {4}logAnalytics "wsn1"[^\n]*no data flow sends to it/);
    expect(m.out).toMatch(/open-ama runs this DCR as it is/);
  });
});

describe('the real CLI (bin/open-ama dcr explain --json) on corpus files', () => {
  const cli = (...args: string[]) => execa(path.resolve('bin/open-ama'), ['dcr', ...args], { reject: false });

  test('a template, a REST list response, VM insights: exit 0, every flow stream routed', async () => {
    for (const file of [
      'quickstart-datacollectionrule-create-syslog.json',
      'rest-2022-06-01-DataCollectionRulesListByResourceGroup.json',
      'eslz-dataCollectionRule-VmInsights.json',
    ]) {
      const r = await cli('explain', '--json', path.join(DIR, file));
      expect(r.exitCode).toBe(0);
      const j = JSON.parse(r.stdout) as {
        dcrs: { flows: { streams: string[]; routes: { stream: string }[] }[] }[];
      };
      expect(j.dcrs).toHaveLength(dcrsOf(file).length);
      for (const d of j.dcrs)
        for (const f of d.flows) expect(new Set(f.routes.map((r) => r.stream))).toEqual(new Set(f.streams));
    }
  }, 120_000);

  test('the Sentinel CEF page sample: exit 1, the JSON error with line and column', async () => {
    const r = await cli('explain', '--json', path.join(DIR, 'sentinel-connect-cef-ama-request-body.json'));
    expect(r.exitCode).toBe(1);
    expect((JSON.parse(r.stdout) as { error: string }).error).toMatch(/not valid JSON at line 23 column 79/);
  }, 120_000);
});

describe('dcr fix then validate on the Sentinel "CEF via AMA" DCR with a user transform', () => {
  // The corpus file is the Sentinel page's sample as published; the only edit here is the line break the
  // page put inside the workspace id (the file's defect), and a transformKql a user adds to the CEF flow.
  // The agent runs the leading where; split() is outside its subset, so the rest is the service's.
  const AGENT = 'source | where DeviceVendor == "Palo Alto Networks"';
  const SERVICE =
    'source | extend DeviceCustomString6 = tostring(split(Message, ";")[0]) | project-away AdditionalExtensions';
  const KQL = `${AGENT} ${SERVICE.slice('source '.length)}`;
  const text = readFileSync(path.join(DIR, 'sentinel-connect-cef-ama-request-body.json'), 'utf8').replace(
    '{Your-Subscription-\nId}',
    '{Your-Subscription-Id}',
  );
  const cef = JSON.parse(text) as Json;
  (propsOf(cef).dataFlows as Json[])[0]!.transformKql = KQL;

  test('the companion declares every CommonSecurityLog column, carries the transform; validate accepts it', async () => {
    const file = path.join(TMP, 'sentinel-cef.json');
    writeFileSync(file, JSON.stringify(cef));
    const fixed = await dcr('fix', file);
    expect(fixed.code).toBe(0);
    const out = JSON.parse(fixed.out) as Json;
    const props = propsOf(out) as {
      streamDeclarations: Record<string, { columns: { name: string; type: string }[] }>;
      dataFlows: { streams: string[]; destinations: string[]; transformKql?: string; outputStream?: string }[];
    };
    expect(props.streamDeclarations['Custom-OpenAma-CommonSecurityLog']!.columns).toEqual(
      COMMON_SECURITY_LOG_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
    );
    expect(props.streamDeclarations['Custom-OpenAma-CommonSecurityLog']!.columns.map((c) => c.name)).toContain(
      'DeviceCustomString1',
    );
    const companion = props.dataFlows.find((f) => f.streams.includes('Custom-OpenAma-CommonSecurityLog'));
    expect(companion).toMatchObject({ destinations: ['la-140366483'], outputStream: 'Microsoft-CommonSecurityLog' });
    // The service runs the part the agent cannot; the agent runs the leading where.
    expect(companion!.transformKql).toBe(SERVICE);
    expect(fixed.err).toContain(`with the transformKql part the agent cannot run: ${SERVICE}`);
    asCreated(out);
    const a = analyzeDcr(out);
    expect([...a.defects, ...a.blockers, ...a.typos]).toEqual([]);
    expect(a.flows[0]!.routes[0]).toMatchObject({ table: 'CommonSecurityLog', transform: 'agent-then-service' });
    const created = path.join(TMP, 'sentinel-cef-created.json');
    writeFileSync(created, JSON.stringify(out));
    const v = await dcr('validate', created);
    expect(v.err).not.toMatch(/^error:/m);
    expect(v.code).toBe(0);
  });

  test('a DCR fixed by the old fix (companion flow "source") gets the transform carried over', () => {
    const old = JSON.parse(JSON.stringify(cef)) as Json;
    (propsOf(old).dataFlows as unknown[]).push({
      streams: ['Custom-OpenAma-CommonSecurityLog'],
      destinations: ['la-140366483'],
      transformKql: 'source',
      outputStream: 'Microsoft-CommonSecurityLog',
    });
    const r = fixDcr(old);
    expect(r.changes.join('\n')).toMatch(/Custom-OpenAma-CommonSecurityLog flow to la-140366483/);
    const flows = propsOf(r.dcr as Json).dataFlows as { streams: string[]; transformKql?: string }[];
    const companions = flows.filter((f) => f.streams.includes('Custom-OpenAma-CommonSecurityLog'));
    expect(companions).toHaveLength(1);
    expect(companions[0]!.transformKql).toBe(SERVICE);
  });
});
