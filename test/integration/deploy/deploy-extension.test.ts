// open-ama deploy extension against a loopback fake ARM over TLS, with Azure's real SDK clients:
// 50 VMs and 10 Arc machines, some failing and some throttled → right table and exit code, bounded
// concurrency, retries observed, secrets never printed; --dry-run changes nothing.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { execa } from 'execa';
import { createTestCa, type TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer, type FakeMachine } from '../../fakes/arm-server.js';

const SUB = '00000000-0000-0000-0000-00000000abcd';
const SECRET = 'Sentinel-Protected-Pw-9137';
let dir: string;
let ca: TestCa;
let cli: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-deploy-'));
  ca = await createTestCa(path.join(dir, 'ca'));
  cli = path.join(dir, 'deploy-cli.mjs');
  await build({
    entryPoints: [path.resolve('test/fixtures/deploy-cli-entry.ts')],
    outfile: cli,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  await writeFile(
    path.join(dir, 'public.json'),
    JSON.stringify({ proxy: { mode: 'application', address: 'http://10.0.0.4:3128', auth: true } }),
  );
  await writeFile(path.join(dir, 'protected.json'), JSON.stringify({ proxy: { username: 'ops', password: SECRET } }));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function machines(): FakeMachine[] {
  const vms: FakeMachine[] = Array.from({ length: 50 }, (_, i) => ({
    name: `vm${String(i).padStart(2, '0')}`,
    resourceGroup: i < 40 ? 'rg-app' : 'rg-other',
    kind: 'vm' as const,
    tags: { env: i % 2 === 0 ? 'prod' : 'test' },
    failExtension: i === 7 || i === 23,
    throttleFirstPut: i % 10 === 3 ? 1 : 0,
  }));
  const arc: FakeMachine[] = Array.from({ length: 10 }, (_, i) => ({
    name: `arc${i}`,
    resourceGroup: 'rg-arc',
    kind: 'arc' as const,
    failExtension: i === 4,
    throttleFirstPut: i === 1 ? 1 : 0,
  }));
  return [...vms, ...arc];
}

async function withArm<T>(fn: (arm: FakeArmServer) => Promise<T>): Promise<T> {
  const arm = new FakeArmServer(ca, SUB, machines());
  await arm.start();
  try {
    return await fn(arm);
  } finally {
    await arm.stop();
  }
}

function run(arm: FakeArmServer, args: string[]) {
  return execa(
    'node',
    [
      cli,
      'deploy',
      'extension',
      '--subscription',
      SUB,
      '--arm-endpoint',
      arm.url,
      '--version',
      '0.1',
      '--settings',
      path.join(dir, 'public.json'),
      '--protected-settings',
      path.join(dir, 'protected.json'),
      '--poll-interval',
      '0.05',
      ...args,
    ],
    {
      reject: false,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: ca.caCertPath, OPEN_AMA_ARM_TOKEN: 'fake-arm-token' },
      timeout: 120_000,
    },
  );
}

describe('open-ama deploy extension', () => {
  test('50 VMs: failures and throttling are reported per machine, concurrency stays bounded, exit code 1', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--concurrency', '6']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/48 succeeded, 2 failed/);
      expect(r.stdout).toMatch(/vm07\s+vm\s+rg-app\s+failed\s+Failed/);
      expect(r.stdout).toMatch(/vm23 .*invalid configuration on vm23/);
      expect(r.stdout).toMatch(/vm03\s+vm\s+rg-app\s+succeeded\s+Succeeded/);
      expect(arm.puts).toHaveLength(50);
      expect(arm.throttled).toBe(5);
      expect(arm.maxInFlight).toBeLessThanOrEqual(6);
      expect(arm.maxInFlight).toBeGreaterThan(1);
      // protected settings reach ARM in the request body, and nowhere in our output
      expect(arm.puts[0]!.body).toMatchObject({
        properties: {
          protectedSettings: { proxy: { password: SECRET } },
          publisher: 'OpenAma.Monitor',
          type: 'OpenAmaLinuxAgent',
          typeHandlerVersion: '0.1',
        },
      });
      expect(r.stdout + r.stderr).not.toContain(SECRET);
    });
  }, 120_000);

  test('10 Arc machines in one resource group, with a tag filter on VMs in another run', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--arc', '--resource-group', 'rg-arc', '--json']);
      expect(r.exitCode).toBe(1);
      const out = JSON.parse(r.stdout) as {
        failed: number;
        outcomes: { target: { name: string; kind: string }; result: string; statusMessage: string }[];
      };
      expect(out.outcomes).toHaveLength(10);
      expect(out.failed).toBe(1);
      expect(out.outcomes.find((o) => o.target.name === 'arc4')).toMatchObject({
        result: 'failed',
        statusMessage: expect.stringContaining('invalid configuration on arc4'),
      });
      expect(out.outcomes.filter((o) => o.target.kind === 'arc' && o.result === 'succeeded')).toHaveLength(9);
      expect(arm.throttled).toBe(1);
      const tagged = await run(arm, ['--resource-group', 'rg-other', '--tag', 'env=prod']);
      expect(tagged.exitCode).toBe(0);
      expect(tagged.stdout).toMatch(/5 succeeded, 0 failed/);
    });
  }, 120_000);

  test('--dry-run lists the plan and changes nothing', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--resource-group', 'rg-app', '--dry-run']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/dry run: 40 machine\(s\) would be changed; nothing was changed/);
      expect(arm.puts).toHaveLength(0);
    });
  }, 60_000);
});
