// open-ama deploy dcr — the built CLI (dist/tools/cli.mjs, `npm run build`) as a real process against the
// loopback fake ARM over TLS, with the real @azure/arm-monitor client: DCE + DCR + associations with the
// right bodies, immutableId/endpoint/settings printed, throttled PUTs retried, an ARM 400 reported with
// its message and exit code 1, per-machine association failures, --dry-run changes nothing, and a second
// run is idempotent.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { createTestCa, type TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer, type FakeMachine } from '../../fakes/arm-server.js';
import { runAgainstFakeArm } from '../../support/fake-arm-cli.js';

const SUB = '00000000-0000-0000-0000-00000000dc12';
const RG = 'rg-monitor';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/ws-main`;
const DCE_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Insights/dataCollectionEndpoints/open-ama-dce`;
const DCR_ID = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Insights/dataCollectionRules/open-ama`;
const CLI = path.resolve('dist/tools/cli.mjs');
let dir: string;
let ca: TestCa;

const settings = {
  logLevel: 'info',
  dataCollectionRules: [
    {
      immutableId: 'dcr-0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a',
      streamDeclarations: {},
      dataSources: {
        performanceCounters: [
          {
            name: 'perfBasic',
            streams: ['Microsoft-Perf'],
            samplingFrequencyInSeconds: 30,
            counterSpecifiers: ['Processor(*)\\% Processor Time', 'Memory(*)\\% Used Memory'],
          },
        ],
        syslog: [
          {
            name: 'authWarn',
            streams: ['Microsoft-Syslog'],
            facilityNames: ['auth', 'authpriv'],
            logLevels: ['Warning', 'Error', 'Critical', 'Alert', 'Emergency'],
          },
        ],
        logFiles: [
          { name: 'myApp', streams: ['Custom-MyAppText'], filePatterns: ['/var/log/myapp/*.log'], format: 'text' },
        ],
      },
      destinations: { openAmaFile: [{ name: 'local' }] },
      dataFlows: [{ streams: ['Microsoft-Perf', 'Microsoft-Syslog', 'Custom-MyAppText'], destinations: ['local'] }],
    },
  ],
};

function machines(): FakeMachine[] {
  return [
    ...Array.from({ length: 6 }, (_, i) => ({ name: `vm${i}`, resourceGroup: 'rg-app', kind: 'vm' as const })),
    { name: 'other0', resourceGroup: 'rg-other', kind: 'vm' as const },
    { name: 'mon0', resourceGroup: RG, kind: 'vm' as const },
    ...Array.from({ length: 3 }, (_, i) => ({
      name: `arc${i}`,
      resourceGroup: 'rg-arc',
      kind: 'arc' as const,
      failAssociation: i === 2,
    })),
  ];
}

beforeAll(async () => {
  if (!existsSync(CLI)) throw new Error('dist/tools/cli.mjs is missing: run `npm run build` first');
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-deploy-dcr-'));
  ca = await createTestCa(path.join(dir, 'ca'));
  await writeFile(path.join(dir, 'settings.json'), JSON.stringify(settings));
  const arcIds = [0, 1, 2].map(
    (i) => `/subscriptions/${SUB}/resourceGroups/rg-arc/providers/Microsoft.HybridCompute/machines/arc${i}`,
  );
  await writeFile(path.join(dir, 'arc-ids.txt'), `# Arc machines\n${arcIds.join('\n')}\n`);
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withArm<T>(fn: (arm: FakeArmServer) => Promise<T>): Promise<T> {
  const arm = new FakeArmServer(ca, SUB, machines());
  arm.knownWorkspaces = [WS];
  await arm.start();
  try {
    return await fn(arm);
  } finally {
    await arm.stop();
  }
}

function run(arm: FakeArmServer, args: string[], workspace = WS, from = path.join(dir, 'settings.json')) {
  return runAgainstFakeArm(
    [
      'node',
      CLI,
      'deploy',
      'dcr',
      '--subscription',
      SUB,
      '--resource-group',
      RG,
      '--workspace',
      workspace,
      '--location',
      'westeurope',
      '--from',
      from,
      '--arm-endpoint',
      arm.url,
      ...args,
    ],
    ca.caCertPath,
    90_000,
  );
}

interface JsonResult {
  dce: { id: string; action: string; logsIngestion: string };
  dcr: { id: string; action: string; immutableId: string };
  associations: { target: { name: string; kind: string }; result: string; action: string; message: string }[];
  failed: number;
  customTables: Record<string, { name: string; type: string }[]>;
  settings: { dcrSource: string; logLevel: string; dataCollectionRules: Record<string, unknown>[] };
}

type Flow = { streams: string[]; destinations: string[]; outputStream?: string; transformKql?: string };

describe('open-ama deploy dcr', () => {
  test('creates the DCE, the DCR and the associations with the right bodies; prints immutableId, endpoint and settings', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, [
        '--associate',
        '--resource-group-vms',
        'rg-app',
        '--concurrency',
        '3',
        '--json',
        '--settings-out',
        path.join(dir, 'out.json'),
      ]);
      expect(r.stderr).toBe('');
      expect(r.exitCode).toBe(0);
      const out = JSON.parse(r.stdout) as JsonResult;

      // DCE first, then the DCR at an api-version that knows streamDeclarations, then 6 associations.
      const [dcePut, dcrPut, ...assocPuts] = arm.monitorPuts;
      expect(dcePut).toMatchObject({
        path: DCE_ID,
        body: { location: 'westeurope', properties: { networkAcls: { publicNetworkAccess: 'Enabled' } } },
      });
      expect(dcrPut!.path).toBe(DCR_ID);
      // api-versions on the wire: the SDK's typed DCE/association operations, our DCR operation.
      expect(dcePut!.apiVersion).toBe('2021-04-01');
      expect(dcrPut!.apiVersion).toBe('2023-03-11');
      expect(new Set(assocPuts.map((a) => a.apiVersion))).toEqual(new Set(['2021-04-01']));
      const body = dcrPut!.body as { location: string; kind: string; properties: Record<string, unknown> };
      expect(body).toMatchObject({ location: 'westeurope', kind: 'Linux' });
      const p = body.properties as {
        dataCollectionEndpointId: string;
        immutableId?: string;
        dataSources: Record<string, unknown[]>;
        streamDeclarations: Record<string, { columns: { name: string }[] }>;
        destinations: { logAnalytics: { name: string; workspaceResourceId: string }[] };
        dataFlows: Flow[];
      };
      expect(p.immutableId).toBeUndefined();
      expect(p.dataCollectionEndpointId).toBe(DCE_ID);
      expect(p.destinations).toEqual({ logAnalytics: [{ name: 'la-ws-main', workspaceResourceId: WS }] });
      expect(p.dataSources.performanceCounters).toEqual(
        settings.dataCollectionRules[0]!.dataSources.performanceCounters,
      );
      expect(p.dataSources.syslog).toEqual(settings.dataCollectionRules[0]!.dataSources.syslog);
      expect(p.dataSources.logFiles).toEqual(settings.dataCollectionRules[0]!.dataSources.logFiles);
      expect(Object.keys(p.streamDeclarations).sort()).toEqual([
        'Custom-MyAppText',
        'Custom-OpenAma-Perf',
        'Custom-OpenAma-Syslog',
      ]);
      expect(p.streamDeclarations['Custom-MyAppText']!.columns.map((c) => c.name)).toEqual([
        'TimeGenerated',
        'RawData',
        'FilePath',
        'Computer',
      ]);
      expect(p.dataFlows).toEqual(
        expect.arrayContaining([
          {
            streams: ['Custom-MyAppText'],
            destinations: ['la-ws-main'],
            transformKql: 'source',
            outputStream: 'Custom-MyAppText_CL',
          },
          {
            streams: ['Custom-OpenAma-Syslog'],
            destinations: ['la-ws-main'],
            transformKql: 'source',
            outputStream: 'Microsoft-Syslog',
          },
          {
            streams: ['Custom-OpenAma-Perf'],
            destinations: ['la-ws-main'],
            transformKql: 'source',
            outputStream: 'Custom-OpenAmaPerf_CL',
          },
        ]),
      );

      expect(assocPuts).toHaveLength(6);
      for (const a of assocPuts) {
        expect(a.path).toMatch(
          new RegExp(
            `^/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft\\.Compute/virtualMachines/vm\\d/providers/Microsoft\\.Insights/dataCollectionRuleAssociations/open-ama-association$`,
          ),
        );
        expect(a.body).toMatchObject({ properties: { dataCollectionRuleId: DCR_ID } });
      }
      expect(arm.monitorMaxInFlight).toBeLessThanOrEqual(3);
      expect(arm.monitorMaxInFlight).toBeGreaterThan(1);

      const stored = arm.monitorResources.get(DCR_ID.toLowerCase()) as { properties: { immutableId: string } };
      expect(out.dcr).toMatchObject({ id: DCR_ID, action: 'created', immutableId: stored.properties.immutableId });
      expect(out.dce).toMatchObject({
        id: DCE_ID,
        action: 'created',
        logsIngestion: 'https://open-ama-dce-abcd.westeurope-1.ingest.monitor.azure.com',
      });
      expect(out.failed).toBe(0);
      expect(out.associations.map((a) => a.result)).toEqual(Array(6).fill('succeeded'));
      expect(Object.keys(out.customTables).sort()).toEqual(['MyAppText_CL', 'OpenAmaPerf_CL']);
      // The settings to paste: ours (logLevel kept) with the created DCR inline, immutableId and endpoint.
      expect(out.settings).toMatchObject({
        logLevel: 'info',
        dcrSource: 'inline',
        dataCollectionRules: [
          {
            immutableId: stored.properties.immutableId,
            dataCollectionEndpoint: { logsIngestion: out.dce.logsIngestion },
          },
        ],
      });
      expect(JSON.parse(await readFile(path.join(dir, 'out.json'), 'utf8'))).toEqual(out.settings);
    });
  }, 120_000);

  test('a second run is idempotent: same immutableId, resources updated in place, nothing new', async () => {
    await withArm(async (arm) => {
      const first = await run(arm, ['--associate', '--resource-group-vms', 'rg-app']);
      expect(first.exitCode).toBe(0);
      const id = /immutableId: (dcr-[0-9a-f]{32})/.exec(first.stdout)?.[1];
      expect(id).toBeDefined();
      expect(first.stdout).toMatch(/data collection rule\s+open-ama\s+created/);
      expect(first.stdout).toMatch(
        /logs ingestion endpoint: https:\/\/open-ama-dce-abcd\.westeurope-1\.ingest\.monitor\.azure\.com/,
      );
      expect(first.stdout).toMatch(/"dcrSource": "inline"/);
      const resources = arm.monitorResources.size;
      const second = await run(arm, ['--associate', '--resource-group-vms', 'rg-app']);
      expect(second.exitCode).toBe(0);
      expect(second.stdout).toContain(`immutableId: ${id}`);
      expect(second.stdout).toMatch(/data collection endpoint\s+open-ama-dce\s+updated/);
      expect(second.stdout).toMatch(/data collection rule\s+open-ama\s+updated/);
      expect(second.stdout).toMatch(/6 associated, 0 failed/);
      expect(arm.monitorResources.size).toBe(resources);
      const byPath = (puts: typeof arm.monitorPuts) =>
        [...puts].sort((a, b) => a.path.localeCompare(b.path)).map((x) => [x.path, x.body]);
      expect(arm.monitorPuts).toHaveLength(16);
      expect(byPath(arm.monitorPuts.slice(8))).toEqual(byPath(arm.monitorPuts.slice(0, 8)));
    });
  }, 120_000);

  test('throttled PUTs (429 + Retry-After) are retried; Arc association failures are reported per machine with exit code 1', async () => {
    await withArm(async (arm) => {
      arm.throttleMonitorPuts = 2;
      const r = await run(arm, ['--associate', '--arc', '--vm-ids', path.join(dir, 'arc-ids.txt'), '--json']);
      expect(r.stderr).toBe('');
      expect(arm.monitorThrottled).toBe(2);
      expect(r.exitCode).toBe(1);
      const out = JSON.parse(r.stdout) as JsonResult;
      expect(out.dcr.action).toBe('created');
      expect(out.failed).toBe(1);
      expect(out.associations.find((a) => a.target.name === 'arc2')).toMatchObject({
        result: 'failed',
        message: expect.stringContaining('403 AuthorizationFailed'),
      });
      expect(out.associations.filter((a) => a.target.kind === 'arc' && a.result === 'succeeded')).toHaveLength(2);
      expect(
        arm.monitorPuts.filter((x) =>
          /HybridCompute\/machines\/arc[01]\/providers\/Microsoft\.Insights\/dataCollectionRuleAssociations\//.test(
            x.path,
          ),
        ),
      ).toHaveLength(2);
    });
  }, 120_000);

  test('an ARM 400 on the DCR is reported with its message and details, exit code 1, nothing associated', async () => {
    await withArm(async (arm) => {
      const unknownWs = WS.replace('ws-main', 'ws-gone');
      const r = await run(arm, ['--associate', '--resource-group-vms', 'rg-app'], unknownWs);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /data collection rule open-ama: 400 InvalidPayload: Data collection rule is invalid \(Properties\.Destinations\.LogAnalytics\[0\]\.WorkspaceResourceId: Workspace '.*ws-gone' does not exist/,
      );
      expect(r.stdout).toMatch(/FAILED: data collection rule open-ama: 400 InvalidPayload/);
      expect(r.stdout).not.toMatch(/immutableId:/);
      expect(arm.monitorPuts.filter((x) => /dataCollectionRuleAssociations/.test(x.path))).toHaveLength(0);
      expect(arm.monitorResources.has(DCR_ID.toLowerCase())).toBe(false);
    });
  }, 120_000);

  test('a custom table missing from the workspace: ARM 400 InvalidOutputTable names it', async () => {
    await withArm(async (arm) => {
      arm.workspaceTables = ['MyAppText_CL'];
      const r = await run(arm, ['--json']);
      expect(r.exitCode).toBe(1);
      const out = JSON.parse(r.stdout) as { error: string; dcr?: unknown; dce: { action: string } };
      expect(out.dce.action).toBe('created');
      expect(out.dcr).toBeUndefined();
      expect(out.error).toBe(
        "data collection rule open-ama: 400 InvalidPayload: Data collection rule is invalid (Properties.DataFlows[3]: Table for output stream 'Custom-OpenAmaPerf_CL' is not available for destination.)",
      );
    });
  }, 60_000);

  test('--dry-run prints the plan and changes nothing', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--associate', '--resource-group-vms', 'rg-app', '--dry-run']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/data collection endpoint\s+open-ama-dce\s+create/);
      expect(r.stdout).toMatch(/data collection rule\s+open-ama\s+create/);
      expect(r.stdout).toMatch(/flow Custom-OpenAma-Syslog → la-ws-main as Microsoft-Syslog/);
      expect(r.stdout).toMatch(/vm5\s+vm\s+rg-app\s+open-ama-association/);
      expect(r.stdout).toContain(
        `az monitor log-analytics workspace table create --subscription ${SUB} --resource-group rg-logs --workspace-name ws-main --name OpenAmaPerf_CL --columns TimeGenerated=datetime Computer=string`,
      );
      expect(r.stdout).toMatch(/dry run: nothing was changed/);
      // --resource-group-vms without a value: the machines of --resource-group.
      const own = await run(arm, ['--associate', '--resource-group-vms', '--dry-run', '--json']);
      expect(own.exitCode).toBe(0);
      expect(
        (JSON.parse(own.stdout) as { associations: { target: { name: string } }[] }).associations.map(
          (a) => a.target.name,
        ),
      ).toEqual(['mon0']);
      const j = await run(arm, ['--dry-run', '--json']);
      expect(j.exitCode).toBe(0);
      expect(JSON.parse(j.stdout)).toMatchObject({
        dryRun: true,
        dcr: { action: 'create', body: { kind: 'Linux', properties: { dataCollectionEndpointId: DCE_ID } } },
      });
      expect(arm.monitorPuts).toHaveLength(0);
      expect(arm.monitorResources.size).toBe(0);
    });
  }, 120_000);

  test('unusable input (settings that describe nothing, a wrong workspace ID, --associate without machines) is rejected before ARM is called', async () => {
    await withArm(async (arm) => {
      await writeFile(path.join(dir, 'empty.json'), JSON.stringify({ logLevel: 'debug' }));
      const r = await run(arm, [], WS, path.join(dir, 'empty.json'));
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/no dataCollectionRules/);
      const noSelector = await run(arm, ['--associate']);
      expect(noSelector.exitCode).not.toBe(0);
      expect(noSelector.stderr).toMatch(/--associate needs --vm-ids FILE, --resource-group-vms \[RG\] or --tag k=v/);
      const badWs = await run(
        arm,
        [],
        '/subscriptions/x/resourceGroups/y/providers/Microsoft.Storage/storageAccounts/z',
      );
      expect(badWs.exitCode).toBe(2);
      expect(badWs.stderr).toMatch(/--workspace must be a Log Analytics workspace resource ID/);
      expect(arm.monitorPuts).toHaveLength(0);
    });
  }, 60_000);

  test('the fake ARM rejects a DCR without destinations with an ARM error body, as ARM does', async () => {
    await withArm(async (arm) => {
      const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = https.request(
          `${arm.url}${DCR_ID}?api-version=2023-03-11`,
          {
            method: 'PUT',
            ca: ca.caCert,
            headers: { authorization: 'Bearer fake-arm-token', 'content-type': 'application/json' },
          },
          (resp) => {
            const chunks: Buffer[] = [];
            resp.on('data', (c: Buffer) => chunks.push(c));
            resp.on('end', () =>
              resolve({ status: resp.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
            );
          },
        );
        req.on('error', reject);
        req.end(
          JSON.stringify({
            location: 'westeurope',
            properties: {
              dataSources: { syslog: [{ name: 's', streams: ['Microsoft-Syslog'] }] },
              dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['la'] }],
            },
          }),
        );
      });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({
        error: {
          code: 'InvalidPayload',
          message: 'Data collection rule is invalid',
          details: [
            {
              code: 'InvalidProperty',
              message: 'Property cannot be null or empty.',
              target: 'Properties.Destinations',
            },
            {
              code: 'InvalidProperty',
              message: "Destination 'la' is not defined.",
              target: 'Properties.DataFlows[0].Destinations',
            },
          ],
        },
      });
    });
  }, 60_000);
});
