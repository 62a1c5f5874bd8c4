// open-ama deploy vmapp against the loopback fake ARM (with its Blob service) over TLS, with Azure's real SDK
// clients (@azure/arm-compute, @azure/storage-blob) in a real CLI process: --dry-run reads and changes nothing;
// a run uploads the package and settings, signs read-only SAS links, creates the gallery application and
// version with the install / remove / update commands that run the standalone shim, and assigns the version
// to every eligible VM and scale set (another application kept, an older open-ama version replaced, Windows
// and stopped VMs skipped), reporting a failing machine in the table with exit 1; bad usage exits 2 before
// any request.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { vmAppCommands } from '../../../deploy/vmapp-commands.js';
import { writeZip } from '../../../packaging/zip-writer.js';
import type { TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer, type FakeMachine } from '../../fakes/arm-server.js';
import { fakeArmCliDir, runAgainstFakeArm } from '../../support/fake-arm-cli.js';

const SUB = '00000000-0000-0000-0000-00000000abcd';
const APP_ID = `/subscriptions/${SUB}/resourceGroups/rg-gal/providers/Microsoft.Compute/galleries/gal/applications/open-ama`;
const OTHER_APP = `/subscriptions/${SUB}/resourceGroups/rg-gal/providers/Microsoft.Compute/galleries/gal/applications/other/versions/1.0.0`;
let dir: string;
let ca: TestCa;
let cli: string;
let zip: string;

beforeAll(async () => {
  ({ dir, ca, cli } = await fakeArmCliDir('open-ama-vmapp-', 'test/fixtures/deploy-cli-entry.ts'));
  zip = path.join(dir, 'open-ama-1.2.3-linux.zip');
  await writeZip(
    [
      { path: 'HandlerManifest.json', data: Buffer.from('[]'), executable: false, compressionLevel: 9 },
      { path: 'VERSION', data: Buffer.from('1.2.3\n'), executable: false, compressionLevel: 9 },
    ],
    zip,
  );
  await writeFile(path.join(dir, 'settings.json'), JSON.stringify({ logLevel: 'info' }));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function fleet(): FakeMachine[] {
  return [
    { name: 'vm-a', resourceGroup: 'rg-app', kind: 'vm' },
    {
      name: 'vm-b',
      resourceGroup: 'rg-app',
      kind: 'vm',
      galleryApplications: [{ packageReferenceId: OTHER_APP }, { packageReferenceId: `${APP_ID}/versions/0.9.0` }],
    },
    { name: 'vm-win', resourceGroup: 'rg-app', kind: 'vm', os: 'windows' },
    { name: 'vm-off', resourceGroup: 'rg-app', kind: 'vm', power: 'deallocated' },
    { name: 'vm-bad', resourceGroup: 'rg-app', kind: 'vm', failVmApp: true },
    { name: 'ss-1', resourceGroup: 'rg-app', kind: 'vmss' },
  ];
}

async function withArm<T>(fn: (arm: FakeArmServer) => Promise<T>): Promise<T> {
  const arm = new FakeArmServer(ca, SUB, fleet());
  arm.galleries = ['rg-gal/gal'];
  // The versions assigned to machines already exist in the gallery (vm-b's).
  arm.galleryResources.set(OTHER_APP.toLowerCase(), { id: OTHER_APP });
  arm.galleryResources.set(`${APP_ID}/versions/0.9.0`.toLowerCase(), { id: `${APP_ID}/versions/0.9.0` });
  await arm.start();
  try {
    return await fn(arm);
  } finally {
    await arm.stop();
  }
}

function run(arm: FakeArmServer, args: string[]) {
  return runAgainstFakeArm(
    [
      'node',
      cli,
      'deploy',
      'vmapp',
      '--subscription',
      SUB,
      '--arm-endpoint',
      arm.url,
      '--gallery-resource-group',
      'rg-gal',
      '--gallery',
      'gal',
      '--location',
      'westeurope',
      '--poll-interval',
      '0.05',
      ...args,
    ],
    ca.caCertPath,
    120_000,
  );
}

const upload = (arm: FakeArmServer): string[] => [
  '--package',
  zip,
  '--settings',
  path.join(dir, 'settings.json'),
  '--blob-url',
  `${arm.url}/acct/packages/open-ama-1.2.3.zip`,
];

describe('open-ama deploy vmapp', () => {
  test('--dry-run reads the fleet and prints the plan, changing nothing', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, [...upload(arm), '--resource-group', 'rg-app', '--scale-sets', '--dry-run']);
      expect({ exit: r.exitCode, err: r.stderr }).toMatchObject({ exit: 0 });
      expect(r.stdout).toMatch(/would upload .*open-ama-1\.2\.3-linux\.zip/);
      expect(r.stdout).toMatch(/vm-a\s+vm\s+rg-app\s+westeurope\s+not assigned → 1\.2\.3/);
      expect(r.stdout).toMatch(/vm-b\s+vm\s+rg-app\s+westeurope\s+0\.9\.0 → 1\.2\.3/);
      expect(r.stdout).toMatch(/vm-win .*not a Linux machine/);
      expect(r.stdout).toMatch(/nothing was changed/);
      expect(arm.machinePuts).toHaveLength(0);
      expect(arm.blobs.size).toBe(0);
      expect(arm.galleryResources.size).toBe(2);
      expect(arm.requests.filter((q) => !q.startsWith('GET '))).toEqual([]);
    });
  });

  test('uploads, publishes the application version with the shim commands and assigns it', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, [
        ...upload(arm),
        '--resource-group',
        'rg-app',
        '--scale-sets',
        '--concurrency',
        '2',
        '--protected-settings-path',
        '/etc/open-ama/protected-settings.json',
      ]);
      expect({ exit: r.exitCode, err: r.stderr }).toMatchObject({ exit: 1 });
      expect(r.stdout).toMatch(/3 succeeded, 1 failed, 2 skipped/);
      expect(r.stdout).toMatch(/vm-bad\s+vm\s+rg-app\s+failed/);

      const pkg = arm.blobs.get('/acct/packages/open-ama-1.2.3.zip')!;
      const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
      expect(sha(pkg.data)).toBe(sha(await readFile(zip)));
      expect(arm.blobs.get('/acct/packages/open-ama-1.2.3.zip.settings.json')!.data.toString()).toBe(
        JSON.stringify({ logLevel: 'info' }),
      );
      expect(arm.userDelegationKeys).toBe(1);

      expect(arm.galleryResources.get(APP_ID.toLowerCase())).toMatchObject({
        location: 'westeurope',
        properties: { supportedOSType: 'Linux' },
      });
      const version = arm.galleryResources.get(`${APP_ID}/versions/1.2.3`.toLowerCase()) as {
        properties: {
          publishingProfile: {
            source: { mediaLink: string; defaultConfigurationLink: string };
            manageActions: Record<string, string>;
            settings: Record<string, string>;
            targetRegions: { name: string }[];
          };
        };
      };
      const pp = version.properties.publishingProfile;
      expect(pp.manageActions).toEqual(
        vmAppCommands({
          packageFileName: 'open-ama.zip',
          configFileName: 'open-ama-settings.json',
          protectedSettingsFile: '/etc/open-ama/protected-settings.json',
        }),
      );
      expect(pp.manageActions.install).toContain('open-ama-standalone install --settings open-ama-settings.json');
      expect(pp.manageActions.remove).toContain('open-ama-standalone remove');
      expect(pp.settings).toEqual({ packageFileName: 'open-ama.zip', configFileName: 'open-ama-settings.json' });
      expect(pp.targetRegions.map((t) => t.name)).toEqual(['westeurope']);
      for (const [link, blob] of [
        [pp.source.mediaLink, 'open-ama-1.2.3.zip'],
        [pp.source.defaultConfigurationLink, 'open-ama-1.2.3.zip.settings.json'],
      ] as const) {
        const u = new URL(link);
        expect(`${u.origin}${u.pathname}`).toBe(`${arm.url}/acct/packages/${blob}`);
        expect(u.searchParams.get('sp')).toBe('r');
        expect(u.searchParams.get('sig')).toBeTruthy();
      }

      const put = (name: string): Record<string, unknown> =>
        arm.machinePuts.find((m) => m.path.endsWith(`/${name}`))!.body.properties as Record<string, unknown>;
      const ours = { packageReferenceId: `${APP_ID}/versions/1.2.3`, treatFailureAsDeploymentFailure: true };
      expect((put('vm-a').applicationProfile as { galleryApplications: unknown[] }).galleryApplications).toEqual([
        expect.objectContaining(ours),
      ]);
      expect((put('vm-b').applicationProfile as { galleryApplications: unknown[] }).galleryApplications).toEqual([
        expect.objectContaining({ packageReferenceId: OTHER_APP }),
        expect.objectContaining(ours),
      ]);
      expect(
        (put('ss-1').virtualMachineProfile as { applicationProfile: { galleryApplications: unknown[] } })
          .applicationProfile.galleryApplications,
      ).toEqual([expect.objectContaining(ours)]);
      expect(arm.machinePuts.map((m) => m.path.split('/').pop()).sort()).toEqual(['ss-1', 'vm-a', 'vm-b', 'vm-bad']);
    });
  });

  test.each([
    [['--settings', 'x.json'], /either --blob-url .* or --package-url/],
    [['--package-url', 'https://x/p.zip'], /--package-url needs --settings-url/],
    [['--package-url', 'https://x/p.zip', '--settings-url', 'https://x/s.json'], /--app-version is needed/],
  ])('refuses %j before any request (exit 2)', async (extra, message) => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--resource-group', 'rg-app', ...extra]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(arm.requests).toEqual([]);
    });
  });
});
