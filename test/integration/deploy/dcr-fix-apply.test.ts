// open-ama dcr fix --apply — the built CLI (dist/tools/cli.mjs) as a real process against the loopback
// fake ARM over TLS with the real @azure/arm-monitor pipeline: a portal DCR (Syslog, CEF, Perf; DCE by
// id; no companion streams) is read, fixed by the same fixDcr as `dcr fix FILE` (companion flows
// carrying the part of each transform the agent cannot run, a heartbeat flow) and put back; the custom
// tables its flows write to are created first with the columns the transforms OUTPUT (ARM refuses the DCR
// while one is missing);
// --dry-run shows the diff and changes nothing; --no-create-tables prints the az commands and stops; a
// second run has nothing to change; `dcr fix FILE` on the same resource gives what --apply put (one code
// path); a DCR that does not exist is a clear error.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { createTestCa, type TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer } from '../../fakes/arm-server.js';
import { runDcrFixApply } from '../../support/fake-arm-cli.js';
import { portalLinuxDcr } from '../../support/portal-dcr.js';
import { validateDcr } from '../../../agent/collector/dcr/validate.js';

const SUB = '00000000-0000-0000-0000-00000000f1c5';
const RG = 'rg-monitor';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/ws-main`;
const DCE = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/dce-weu`;
const DCR = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Insights/dataCollectionRules/portal-linux`;
const CLI = path.resolve('dist/tools/cli.mjs');
let dir: string;
let ca: TestCa;

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/tools/cli.mjs is missing: run `npm run build` first');
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-dcr-fix-'));
  ca = await createTestCa(path.join(dir, 'ca'));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SYSLOG_PREFIX = 'source | where SeverityLevel != "debug"';
const SYSLOG_REST = 'source | extend SyslogMessage = tostring(split(SyslogMessage, "#")[0])';

/** The portal DCR plus a text-log flow whose transform projects other columns than its input. */
function dcrWithTextLog(): Record<string, unknown> {
  const d = portalLinuxDcr({ workspace: WS, dceId: DCE });
  const p = d.properties as {
    streamDeclarations?: unknown;
    dataSources: Record<string, unknown>;
    dataFlows: unknown[];
  };
  p.streamDeclarations = {
    'Custom-MyAppText': {
      columns: [
        { name: 'TimeGenerated', type: 'datetime' },
        { name: 'RawData', type: 'string' },
        { name: 'FilePath', type: 'string' },
      ],
    },
  };
  // A Syslog transform the agent runs only the first where of (split() is outside its subset).
  (p.dataFlows[1] as { transformKql: string }).transformKql = `${SYSLOG_PREFIX} ${SYSLOG_REST.slice('source '.length)}`;
  p.dataSources.logFiles = [
    { streams: ['Custom-MyAppText'], filePatterns: ['/var/log/myapp/*.log'], format: 'text', name: 'myApp' },
  ];
  p.dataFlows.push({
    streams: ['Custom-MyAppText'],
    destinations: ['la-1164479785'],
    transformKql:
      'source | extend Level = tolower(RawData) | where Level has "error" | project TimeGenerated, Message = RawData, Bytes = strlen(RawData)',
    outputStream: 'Custom-MyAppText_CL',
  });
  return d;
}

async function withArm<T>(fn: (arm: FakeArmServer) => Promise<T>, dcr = dcrWithTextLog()): Promise<T> {
  const arm = new FakeArmServer(ca, SUB, []);
  arm.knownWorkspaces = [WS];
  await arm.start();
  try {
    await arm.seed(DCE, { location: 'westeurope', properties: {} });
    // The table the portal created with the text-log DCR.
    arm.workspaceTables = [];
    arm.addTable(WS, 'MyAppText_CL', [
      { name: 'TimeGenerated', type: 'dateTime' },
      { name: 'Message', type: 'string' },
      { name: 'Bytes', type: 'long' },
    ]);
    await arm.seed(DCR, dcr);
    return await fn(arm);
  } finally {
    await arm.stop();
  }
}

const run = (arm: FakeArmServer, extra: string[] = [], name = 'portal-linux') =>
  runDcrFixApply({
    command: ['node', CLI],
    subscription: SUB,
    resourceGroup: RG,
    name,
    armUrl: arm.url,
    caCertPath: ca.caCertPath,
    extra,
  });

const stored = (arm: FakeArmServer): Record<string, unknown> => arm.monitorResources.get(DCR.toLowerCase())!;

describe('open-ama dcr fix --apply', () => {
  test('--dry-run shows the diff and the tables to create, and changes nothing', async () => {
    await withArm(async (arm) => {
      const before = JSON.stringify(stored(arm));
      const r = await run(arm, ['--dry-run']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain(
        'DCR portal-linux: adds Custom-OpenAma-Perf, Custom-OpenAma-Syslog, Custom-OpenAma-CommonSecurityLog, Custom-OpenAmaHeartbeat\nchanged:\n',
      );
      expect(r.stdout).toContain(
        `  added the flow Custom-OpenAma-Syslog → la-1164479785 (outputStream Microsoft-Syslog, with the transformKql part the agent cannot run: ${SYSLOG_REST})`,
      );
      expect(r.stdout).toContain('  added the flow Custom-OpenAmaHeartbeat → la-1164479785');
      expect(r.stdout).toContain('table OpenAmaHeartbeat_CL: missing');
      expect(r.stdout).toMatch(/\+ properties\.streamDeclarations\["Custom-OpenAma-Syslog"\]: \{"columns":\[/);
      expect(r.stdout).toMatch(/\+ properties\.dataFlows\[5\]: .*"outputStream":"Microsoft-Syslog"/);
      expect(r.stdout).toContain('table OpenAmaPerf_CL: missing');
      expect(r.stdout).toContain('table MyAppText_CL: exists');
      expect(r.stdout).toContain(
        `would create table OpenAmaPerf_CL: az monitor log-analytics workspace table create --subscription ${SUB} --resource-group rg-logs --workspace-name ws-main --name OpenAmaPerf_CL --columns TimeGenerated=datetime Computer=string ObjectName=string CounterName=string InstanceName=string CounterValue=real CounterPath=string`,
      );
      expect(r.stdout).toContain('dry run: nothing changed');
      expect(arm.monitorPuts.length).toBe(2); // the two seeds
      expect(arm.tablePuts).toEqual([]);
      expect(JSON.stringify(stored(arm))).toBe(before);
    });
  }, 60_000);

  test('--json: one JSON result on stdout (changes, diff, each table with its state and action, the update)', async () => {
    await withArm(async (arm) => {
      const dry = await run(arm, ['--dry-run', '--json']);
      expect(dry.exitCode).toBe(0);
      const plan = JSON.parse(dry.stdout) as {
        dryRun: boolean;
        changes: string[];
        diff: string[];
        tables: { table: string; state: string; action: string; azCommand?: string }[];
      };
      expect(plan.dryRun).toBe(true);
      expect(plan.changes).toContain(
        'added the flow Custom-OpenAmaHeartbeat → la-1164479785 (outputStream Custom-OpenAmaHeartbeat_CL)',
      );
      expect(plan.diff.length).toBeGreaterThan(0);
      expect(plan.tables).toContainEqual({
        table: 'OpenAmaPerf_CL',
        state: 'missing',
        action: 'would create',
        azCommand: expect.stringContaining('table create') as unknown as string,
      });
      expect(plan.tables).toContainEqual({ table: 'MyAppText_CL', state: 'exists', action: 'none' });
      const done = await run(arm, ['--json']);
      expect(done.exitCode).toBe(0);
      const result = JSON.parse(done.stdout) as { updated?: { immutableId: string }; tables: { action: string }[] };
      expect(result.updated?.immutableId).toMatch(/^dcr-[0-9a-f]{32}$/);
      expect(result.tables.filter((t) => t.action === 'created').length).toBeGreaterThan(0);
    });
  }, 60_000);

  test('creates the missing tables with the OUTPUT columns of the transforms, then puts the fixed DCR back', async () => {
    await withArm(async (arm) => {
      arm.tables.clear(); // a workspace without the text-log table either
      const seeded = JSON.parse(JSON.stringify(stored(arm))) as Record<string, unknown>;
      arm.workspaceTables = [];
      const r = await run(arm);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toContain('created table OpenAmaPerf_CL (7 columns)');
      expect(r.stdout).toContain('created table MyAppText_CL (3 columns)');
      expect(r.stdout).toMatch(/updated DCR portal-linux \(immutableId dcr-[0-9a-f]{32}\)/);
      const myApp = arm.tablePuts.find((t) => t.path.endsWith('/tables/MyAppText_CL'))!;
      expect(myApp.path).toBe(`${WS}/tables/MyAppText_CL`);
      // project TimeGenerated, Message = RawData, Bytes = strlen(RawData): not the input's FilePath.
      expect(myApp.body).toEqual({
        properties: {
          schema: {
            name: 'MyAppText_CL',
            columns: [
              { name: 'TimeGenerated', type: 'dateTime' },
              { name: 'Message', type: 'string' },
              { name: 'Bytes', type: 'long' },
            ],
          },
        },
      });
      const put = arm.monitorPuts.at(-1)!;
      // One code path: `dcr fix FILE` on the same resource gives the properties --apply put.
      const file = path.join(dir, 'seeded.json');
      await writeFile(file, JSON.stringify(seeded));
      const offline = await execa('node', [CLI, 'dcr', 'fix', file], { reject: false });
      expect(offline.exitCode).toBe(0);
      const offlineProps = { ...(JSON.parse(offline.stdout) as { properties: Record<string, unknown> }).properties };
      for (const k of ['immutableId', 'provisioningState', 'endpoints', 'metadata']) delete offlineProps[k];
      expect(put.body.properties).toEqual(offlineProps);
      expect(put.path).toBe(DCR);
      expect(put.apiVersion).toBe('2023-03-11');
      const props = put.body.properties as Record<string, unknown>;
      expect(props.dataCollectionEndpointId).toBe(DCE);
      expect(props).not.toHaveProperty('immutableId');
      expect(Object.keys(props.streamDeclarations as object).sort()).toEqual([
        'Custom-MyAppText',
        'Custom-OpenAma-CommonSecurityLog',
        'Custom-OpenAma-Perf',
        'Custom-OpenAma-Syslog',
        'Custom-OpenAmaHeartbeat',
      ]);
      const flows = props.dataFlows as { streams: string[]; transformKql?: string; outputStream?: string }[];
      expect(flows.find((f) => f.streams[0] === 'Custom-OpenAma-Syslog')!.transformKql).toBe(SYSLOG_REST);
      expect(flows.find((f) => f.streams[0] === 'Custom-OpenAmaHeartbeat')!.outputStream).toBe(
        'Custom-OpenAmaHeartbeat_CL',
      );
      expect(r.stdout).toContain('created table OpenAmaHeartbeat_CL (10 columns)');
      // The agent accepts what is now in Azure (given the DCE's endpoint, which it looks up).
      const now = stored(arm) as { properties: Record<string, unknown> };
      const check = validateDcr({
        ...now,
        properties: { ...now.properties, dataCollectionEndpoint: { logsIngestion: 'https://dce.example' } },
      });
      expect(check.ok ? 'ok' : check.reason).toBe('ok');
      // A second run has nothing left to do.
      const again = await run(arm);
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain('DCR portal-linux: nothing to change');
      expect(again.stdout).not.toContain('updated DCR');
    });
  }, 60_000);

  test('--no-create-tables prints the az command for each missing table and leaves the DCR alone', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--no-create-tables']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain(
        'create table OpenAmaPerf_CL first:\n  az monitor log-analytics workspace table create',
      );
      expect(r.stderr).toContain(
        'not updating the DCR: ARM refuses it while OpenAmaPerf_CL, OpenAmaHeartbeat_CL are missing',
      );
      expect(arm.monitorPuts.length).toBe(2);
      expect(arm.tablePuts).toEqual([]);
    });
  }, 60_000);

  test('a DCR that does not exist, and --apply with a file, are clear errors', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, [], 'nope');
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toContain(`there is no DCR nope in resource group ${RG}`);
      const withFile = await execa('node', [CLI, 'dcr', 'fix', 'x.json', '--apply', '--subscription', SUB], {
        reject: false,
      });
      expect(withFile.exitCode).not.toBe(0);
      expect(withFile.stderr).toMatch(/--apply reads the DCR from Azure: give no file|--apply needs/);
    });
  }, 60_000);
});
