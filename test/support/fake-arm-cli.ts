// Test support for CLI runs against the loopback fake ARM (test/fakes/arm-server.ts) over TLS: a temp dir
// holding a test CA (the fake ARM's certificate; the CLI trusts it through NODE_EXTRA_CA_CERTS) and a CLI
// entry bundled by bundleCli, and `dcr fix --apply` run as a real process with the fake ARM's token.
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
  const [file, ...lead] = o.command;
  return execa(
    file,
    [
      ...lead,
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
    {
      reject: false,
      env: { ...process.env, NODE_EXTRA_CA_CERTS: o.caCertPath, OPEN_AMA_ARM_TOKEN: 'fake-arm-token' },
      timeout: 60_000,
    },
  );
}
