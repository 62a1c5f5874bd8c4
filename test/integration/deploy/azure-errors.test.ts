// Azure's sign-in and permission errors as an operator reads them, through the real CLI (bundled cli/main.ts)
// against the loopback fake ARM over TLS with Azure's own SDK clients: a token ARM refuses (401) → "not signed
// in or token expired: run `az login`" instead of the SDK's "Pagination failed with unexpected statusCode 401";
// a 403 on an extension or DCR write → the action and the built-in role that grants it; no credential at all →
// one line instead of DefaultAzureCredential's credential-chain dump, and no request sent.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { createTestCa, type TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer, type FakeMachine } from '../../fakes/arm-server.js';
import { bundleCli } from '../../support/cli-bundle.js';

const SUB = '00000000-0000-0000-0000-0000000a11e5';
const WS = `/subscriptions/${SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/workspaces/ws`;
const MACHINES: FakeMachine[] = [
  { name: 'vm-a', resourceGroup: 'rg-app', kind: 'vm' },
  { name: 'vm-b', resourceGroup: 'rg-app', kind: 'vm' },
];
let dir: string;
let ca: TestCa;
let cli: string;
let arm: FakeArmServer;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-azure-errors-'));
  ca = await createTestCa(path.join(dir, 'ca'));
  cli = await bundleCli(dir);
  await writeFile(path.join(dir, 'public.json'), JSON.stringify({}));
  await writeFile(
    path.join(dir, 'dcr-settings.json'),
    JSON.stringify({
      dataCollectionRules: [
        {
          dataSources: {
            syslog: [{ name: 's', streams: ['Microsoft-Syslog'], facilityNames: ['auth'], logLevels: ['Error'] }],
          },
          destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: WS }] },
          dataFlows: [{ streams: ['Microsoft-Syslog'], destinations: ['la'] }],
        },
      ],
    }),
  );
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withArm<T>(fn: () => Promise<T>): Promise<T> {
  arm = new FakeArmServer(ca, SUB, MACHINES);
  await arm.start();
  try {
    return await fn();
  } finally {
    await arm.stop();
  }
}

const extension = () => [
  ...['deploy', 'extension', '--subscription', SUB, '--resource-group', 'rg-app', '--version', '0.1'],
  ...['--poll-interval', '0.05', '--settings', path.join(dir, 'public.json')],
];
const dcr = () => [
  'deploy',
  'dcr',
  '--subscription',
  SUB,
  '--resource-group',
  'rg-mon',
  '--workspace',
  WS,
  '--location',
  'westeurope',
  '--from',
  path.join(dir, 'dcr-settings.json'),
];

function run(args: string[], env: NodeJS.ProcessEnv) {
  return execa(process.execPath, [cli, ...args, '--arm-endpoint', arm.url], {
    reject: false,
    env,
    extendEnv: false,
    timeout: 120_000,
  });
}

const withToken = (token: string): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: dir,
  NODE_EXTRA_CA_CERTS: ca.caCertPath,
  OPEN_AMA_ARM_TOKEN: token,
});

describe('Azure errors say what to do', () => {
  test('a token ARM refuses (401): "not signed in or token expired: run `az login`", exit 1, no SDK wording', async () => {
    await withArm(async () => {
      for (const args of [extension(), dcr()]) {
        const r = await run(args, withToken('expired-token'));
        expect({ code: r.exitCode, stderr: r.stderr }).toMatchObject({
          code: 1,
          stderr: expect.stringMatching(/not signed in or token expired: run `az login` \(or set AZURE_CLIENT_ID/),
        });
        expect(r.stderr + r.stdout).not.toMatch(/Pagination failed|unexpected statusCode/);
      }
    });
  }, 120_000);

  test('403 on one machine’s extension write names Virtual Machine Contributor in its row; 403 on the DCR names Monitoring Contributor', async () => {
    await withArm(async () => {
      const ext = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-b/extensions/OpenAmaLinuxAgent`;
      arm.failures.set(ext.toLowerCase(), { status: 403, times: 1 });
      const r = await run(extension(), withToken('fake-arm-token'));
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(
        /vm-b .*ARM answered 403.*: the signed-in identity needs Virtual Machine Contributor on the machine or its resource group \(permission denied for Microsoft\.Compute\/virtualMachines\/extensions\/write/,
      );
      expect(r.stdout).toMatch(/1 succeeded, 1 failed/);

      const dcrId = `/subscriptions/${SUB}/resourceGroups/rg-mon/providers/Microsoft.Insights/dataCollectionRules/open-ama`;
      arm.failures.set(dcrId.toLowerCase(), { status: 403 });
      const d = await run(dcr(), withToken('fake-arm-token'));
      expect(d.exitCode).toBe(1);
      expect(d.stderr).toMatch(
        /data collection rule open-ama: ARM answered 403 AuthorizationFailed: the signed-in identity needs Monitoring Contributor on the resource group \(permission denied for Microsoft\.Insights\/dataCollectionRules\/write on \/subscriptions\//,
      );
    });
  }, 120_000);

  test('no credential anywhere: one line "no Azure credentials found: run `az login` or set …", exit 1, nothing sent', async () => {
    await withArm(async () => {
      const r = await run(extension(), {
        PATH: '/usr/bin:/bin', // no az, azd or pwsh
        HOME: dir, // no Azure CLI or VS Code sign-in state
        NODE_EXTRA_CA_CERTS: ca.caCertPath,
        // The managed identity probe goes to a closed loopback port instead of 169.254.169.254.
        AZURE_POD_IDENTITY_AUTHORITY_HOST: 'http://127.0.0.1:9',
      });
      expect(r.exitCode).toBe(1);
      expect(r.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^open-ama deploy extension: no Azure credentials found: run `az login` \(or set AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_CLIENT_SECRET/,
        ),
      ]);
      expect(arm.requests).toEqual([]);
    });
  }, 120_000);
});
