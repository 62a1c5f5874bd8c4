// open-ama deploy extension against a loopback fake ARM over TLS, with Azure's real SDK clients:
// 50 VMs and 10 Arc machines, some failing and some throttled → right table and exit code, bounded
// concurrency, retries observed, secrets never printed; --dry-run shows current → new version and
// changes nothing; no selector, settings off-schema → refused before any request; Windows and stopped
// machines skipped and reported.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { execa } from 'execa';
import type { TestCa } from '../../fakes/test-ca.js';
import { FakeArmServer, type FakeMachine } from '../../fakes/arm-server.js';
import { fakeArmCliDir, fakeArmEnv, runAgainstFakeArm } from '../../support/fake-arm-cli.js';

const SUB = '00000000-0000-0000-0000-00000000abcd';
const SECRET = 'Sentinel-Protected-Pw-9137';
let dir: string;
let ca: TestCa;
let cli: string;

beforeAll(async () => {
  ({ dir, ca, cli } = await fakeArmCliDir('open-ama-deploy-', 'test/fixtures/deploy-cli-entry.ts'));
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

/** Linux running, Windows, deallocated, stopped, already installed (VMs) and disconnected / Windows Arc machines. */
const MIXED: FakeMachine[] = [
  { name: 'mix-linux', resourceGroup: 'rg-mixed', kind: 'vm' },
  { name: 'mix-old', resourceGroup: 'rg-mixed', kind: 'vm', installedVersion: '0.0.9' },
  { name: 'mix-win', resourceGroup: 'rg-mixed', kind: 'vm', os: 'windows' },
  { name: 'mix-dealloc', resourceGroup: 'rg-mixed', kind: 'vm', power: 'deallocated' },
  { name: 'mix-stopped', resourceGroup: 'rg-mixed', kind: 'vm', power: 'stopped' },
  { name: 'arc-ok', resourceGroup: 'rg-mixed', kind: 'arc', installedVersion: '0.1' },
  { name: 'arc-off', resourceGroup: 'rg-mixed', kind: 'arc', arcStatus: 'Disconnected' },
  { name: 'arc-win', resourceGroup: 'rg-mixed', kind: 'arc', os: 'windows' },
];

async function withArm<T>(fn: (arm: FakeArmServer) => Promise<T>, extra: FakeMachine[] = []): Promise<T> {
  const arm = new FakeArmServer(ca, SUB, [...machines(), ...extra]);
  await arm.start();
  try {
    return await fn(arm);
  } finally {
    await arm.stop();
  }
}

function run(
  arm: FakeArmServer,
  args: string[],
  settingsFile = path.join(dir, 'public.json'),
  protectedFile = path.join(dir, 'protected.json'),
) {
  return runAgainstFakeArm(
    [
      'node',
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
      settingsFile,
      '--protected-settings',
      protectedFile,
      '--poll-interval',
      '0.05',
      ...args,
    ],
    ca.caCertPath,
    120_000,
  );
}

describe('open-ama deploy extension', () => {
  test('50 VMs: failures and throttling are reported per machine, concurrency stays bounded, exit code 1', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--all', '--yes', '--concurrency', '6']);
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toMatch(/48 succeeded, 2 failed, 0 skipped/);
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
      expect(tagged.stdout).toMatch(/5 succeeded, 0 failed, 0 skipped/);
    });
  }, 120_000);

  test('a machine throttled 5 times in a row (more than the SDK default of 3 retries) still succeeds: the SDK retry policy honours Retry-After up to 6 times', async () => {
    await withArm(
      async (arm) => {
        const r = await run(arm, ['--resource-group', 'rg-hot']);
        expect({ code: r.exitCode, out: r.stdout }).toMatchObject({
          code: 0,
          out: expect.stringMatching(/hot0 .*succeeded/),
        });
        expect(arm.throttled).toBe(5);
      },
      [{ name: 'hot0', resourceGroup: 'rg-hot', kind: 'vm', throttleFirstPut: 5 }],
    );
  }, 120_000);

  test('--dry-run shows current → new version per machine and the skipped ones, and sends no PUT', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--resource-group', 'rg-mixed', '--dry-run']);
      expect(r.exitCode).toBe(0);
      expect(r.stdout).toMatch(/mix-linux\s+vm\s+rg-mixed\s+westeurope\s+not installed → 0\.1/);
      expect(r.stdout).toMatch(/mix-old\s+vm\s+rg-mixed\s+westeurope\s+0\.0\.9 → 0\.1/);
      expect(r.stdout).toMatch(/mix-win\s+vm\s+rg-mixed\s+not a Linux machine \(osType Windows\)/);
      expect(r.stdout).toMatch(/mix-dealloc\s+vm\s+rg-mixed\s+not running \(PowerState\/deallocated\)/);
      expect(r.stdout).toMatch(/dry run: 2 machine\(s\) would be changed, 3 skipped; nothing was changed/);
      expect(arm.requests.filter((q) => !q.startsWith('GET '))).toEqual([]);
      expect(arm.puts).toHaveLength(0);
      const arc = await run(arm, ['--arc', '--resource-group', 'rg-mixed', '--dry-run', '--json']);
      expect(arc.exitCode).toBe(0);
      const plan = JSON.parse(arc.stdout) as {
        plan: { target: { name: string }; currentVersion: string; newVersion: string }[];
        skipped: { target: { name: string }; reason: string }[];
      };
      expect(plan.plan.map((p) => [p.target.name, p.currentVersion, p.newVersion])).toEqual([['arc-ok', '0.1', '0.1']]);
      expect(plan.skipped.map((s) => [s.target.name, s.reason])).toEqual([
        ['arc-off', 'Arc agent not connected (status Disconnected)'],
        ['arc-win', 'not a Linux machine (osType windows)'],
      ]);
      expect(arm.puts).toHaveLength(0);
    }, MIXED);
  }, 60_000);

  test('Windows and stopped VMs are skipped, reported, and never sent a request', async () => {
    await withArm(async (arm) => {
      const r = await run(arm, ['--resource-group', 'rg-mixed', '--json']);
      expect(r.exitCode).toBe(0);
      const out = JSON.parse(r.stdout) as {
        failed: number;
        outcomes: { target: { name: string }; result: string }[];
        skipped: { target: { name: string }; reason: string }[];
      };
      expect(out.outcomes.map((o) => [o.target.name, o.result]).sort()).toEqual([
        ['mix-linux', 'succeeded'],
        ['mix-old', 'succeeded'],
      ]);
      expect(out.skipped.map((s) => [s.target.name, s.reason])).toEqual([
        ['mix-win', 'not a Linux machine (osType Windows)'],
        ['mix-dealloc', 'not running (PowerState/deallocated)'],
        ['mix-stopped', 'not running (PowerState/stopped)'],
      ]);
      expect(arm.puts.map((p) => p.path.split('/')[8]).sort()).toEqual(['mix-linux', 'mix-old']);
      const touched = arm.requests.filter((q) => /mix-(win|dealloc|stopped)\/extensions/.test(q));
      expect(touched).toEqual([]);
      const table = await run(arm, ['--resource-group', 'rg-mixed']);
      expect(table.stdout).toMatch(/mix-stopped\s+vm\s+rg-mixed\s+not running \(PowerState\/stopped\)/);
      expect(table.stdout).toMatch(/2 succeeded, 0 failed, 3 skipped/);
    }, MIXED);
  }, 60_000);

  test('no selector, or --all without a terminal and without --yes, is refused before any request (exit 2)', async () => {
    await withArm(async (arm) => {
      const none = await run(arm, []);
      expect(none.exitCode).toBe(2);
      expect(none.stderr).toMatch(/select machines with --resource-group, --tag or --vm-ids, or pass --all/);
      const all = await run(arm, ['--all']);
      expect(all.exitCode).toBe(2);
      expect(all.stderr).toMatch(/--all needs confirmation .* add --yes/);
      const both = await run(arm, ['--all', '--yes', '--resource-group', 'rg-app']);
      expect(both.exitCode).toBe(2);
      expect(arm.requests).toEqual([]);
    });
  }, 60_000);

  test('settings that fail the schema are refused with their JSON path before any request (exit 2)', async () => {
    const bad = path.join(dir, 'bad-public.json');
    await writeFile(bad, JSON.stringify({ proxy: { mode: 'sometimes', address: 'http://10.0.0.4:3128' } }));
    await writeFile(path.join(dir, 'bad-protected.json'), JSON.stringify({ proxy: { username: 7, password: SECRET } }));
    await withArm(async (arm) => {
      const r = await run(arm, ['--all', '--yes'], bad);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/settings\.proxy\.mode: must be one of/);
      expect(r.stderr).toMatch(/nothing was sent/);
      const p = await run(
        arm,
        ['--resource-group', 'rg-app'],
        path.join(dir, 'public.json'),
        path.join(dir, 'bad-protected.json'),
      );
      expect(p.exitCode).toBe(2);
      expect(p.stderr).toMatch(/protectedSettings\.proxy\.username: /);
      expect(p.stdout + p.stderr).not.toContain(SECRET);
      expect(arm.requests).toEqual([]);
    });
  }, 60_000);
});

describe('deploy extension --all on a terminal (a real pseudo-terminal from script(1))', () => {
  /** Runs the CLI under `script` so stdin/stderr are a pty; answers `answer` once the [y/N] question shows. */
  async function onTty(arm: FakeArmServer, answer: string) {
    const args = [
      ...[cli, 'deploy', 'extension', '--subscription', SUB, '--arm-endpoint', arm.url, '--version', '0.1'],
      ...['--settings', path.join(dir, 'public.json'), '--poll-interval', '0.05', '--all'],
    ];
    const child = execa('script', ['-qfec', [process.execPath, ...args].join(' '), '/dev/null'], {
      reject: false,
      env: fakeArmEnv(ca.caCertPath, { TERM: 'dumb' }),
      timeout: 120_000,
    });
    let seen = '';
    let answered = false;
    child.stdout!.on('data', (c: Buffer) => {
      seen += c.toString();
      if (!answered && /\[y\/N\] $/.test(seen)) {
        answered = true;
        child.stdin!.write(`${answer}\r`);
      }
    });
    const r = await child;
    child.stdin!.destroy();
    return { exitCode: r.exitCode, out: seen, answered };
  }

  const FEW: FakeMachine[] = [
    { name: 'tty-a', resourceGroup: 'rg-tty', kind: 'vm' },
    { name: 'tty-b', resourceGroup: 'rg-tty', kind: 'vm' },
    { name: 'tty-win', resourceGroup: 'rg-tty', kind: 'vm', os: 'windows' },
  ];

  test.each([
    ['y', 0, 2],
    ['n', 2, 0],
    ['', 2, 0],
  ])(
    'answer %j → exit %i, %i extension PUT(s)',
    async (answer, exitCode, puts) => {
      const arm = new FakeArmServer(ca, SUB, FEW);
      await arm.start();
      try {
        const r = await onTty(arm, answer);
        expect(r.answered).toBe(true);
        expect(r.out).toMatch(/--all: install\/update the extension on 2 machine\(s\) of subscription .*\? \[y\/N\]/);
        expect(r.exitCode).toBe(exitCode);
        expect(arm.puts).toHaveLength(puts);
        if (exitCode === 2) expect(r.out).toMatch(/aborted; nothing was changed/);
        else {
          expect(r.out).toMatch(/2 succeeded, 0 failed, 1 skipped/);
          expect(r.out).toMatch(/\[#{30}\] 2\/2 done, 0 failed/); // the progress bar (cli-progress), on a terminal only
        }
      } finally {
        await arm.stop();
      }
    },
    120_000,
  );
});
