// Test support for CLI runs against the loopback fake ARM (test/fakes/arm-server.ts) over TLS: a temp dir
// holding a test CA (the fake ARM's certificate; the CLI trusts it through NODE_EXTRA_CA_CERTS) and a CLI
// entry bundled by bundleCli; the environment and the run of a CLI process signed in with the fake ARM's
// token; `dcr fix --apply` run that way.
import { mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa, type Result } from 'execa';
import { createTestCa, type TestCa } from '../fakes/test-ca.js';
import { bundleCli } from './cli-bundle.js';

export interface FakeArmCliDir {
  dir: string;
  ca: TestCa;
  cli: string;
}

/** A fresh temp dir (named by `prefix`) with a test CA under <dir>/ca and `entry` bundled into it. */
export async function fakeArmCliDir(prefix: string, entry: string): Promise<FakeArmCliDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  const ca = await createTestCa(path.join(dir, 'ca'));
  return { dir, ca, cli: await bundleCli(dir, entry) };
}

/** A CLI process's environment: trusts the test CA, signs in with the fake ARM's token (`fake-arm-token`). */
export function fakeArmEnv(caCertPath: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NODE_EXTRA_CA_CERTS: caCertPath, OPEN_AMA_ARM_TOKEN: 'fake-arm-token', ...extra };
}

/** Runs `command` (file, then arguments) with fakeArmEnv; never rejects. */
export function runAgainstFakeArm(
  command: [string, ...string[]],
  caCertPath: string,
  timeout?: number,
): Promise<Result<{ reject: false }>> {
  const [file, ...args] = command;
  return execa(file, args, { reject: false, env: fakeArmEnv(caCertPath), timeout });
}

export interface DcrFixApplyRun {
  /** The command and its leading arguments, e.g. [bin/open-ama] or ['node', dist/tools/cli.mjs]. */
  command: [string, ...string[]];
  subscription: string;
  resourceGroup: string;
  name: string;
  armUrl: string;
  caCertPath: string;
  extra?: string[];
}

/** `dcr fix --apply` against the fake ARM (token `fake-arm-token`, 50 ms polls); never rejects. */
export function runDcrFixApply(o: DcrFixApplyRun): Promise<Result<{ reject: false }>> {
  return runAgainstFakeArm(
    [
      ...o.command,
      'dcr',
      'fix',
      '--apply',
      '--subscription',
      o.subscription,
      '--resource-group',
      o.resourceGroup,
      '--name',
      o.name,
      '--arm-endpoint',
      o.armUrl,
      '--poll-interval',
      '0.05',
      ...(o.extra ?? []),
    ],
    o.caCertPath,
    60_000,
  );
}
