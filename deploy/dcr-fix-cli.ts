// The options of `open-ama dcr fix --apply` (registered by cli/dcr-command.ts): which DCR in Azure,
// --dry-run, --no-create-tables, the cloud or an ARM endpoint override. Credentials as `deploy`:
// DefaultAzureCredential for --cloud, or OPEN_AMA_ARM_TOKEN; never a secret on argv (shared ARM plumbing:
// deploy/arm-cli.ts).
import type { Argv } from 'yargs';
import { connectArm, withArmConnectionOptions, type ArmConnectionArgv } from './arm-cli.js';
import { runDcrFixApply } from './dcr-fix-apply.js';

export interface FixApplyArgv extends ArmConnectionArgv {
  apply?: boolean;
  subscription?: string;
  'resource-group'?: string;
  name?: string;
  'dry-run'?: boolean;
  'create-tables'?: boolean;
  'poll-interval'?: number;
  /** The dcr command's --json. */
  json?: boolean;
}

export function withFixApplyOptions<T>(y: Argv<T>): Argv<T> {
  return withArmConnectionOptions(y)
    .option('apply', {
      type: 'boolean',
      describe: 'fix: read the DCR from Azure (--subscription, --resource-group, --name), fix it and put it back',
    })
    .option('subscription', { type: 'string', describe: '--apply: subscription of the DCR' })
    .option('resource-group', { type: 'string', describe: '--apply: resource group of the DCR' })
    .option('name', { type: 'string', describe: '--apply: DCR name' })
    .option('dry-run', { type: 'boolean', default: false, describe: '--apply: show the diff; change nothing' })
    .option('create-tables', {
      type: 'boolean',
      default: true,
      describe: '--apply: create missing custom tables (--no-create-tables prints the az commands)',
    })
    .option('poll-interval', { type: 'number', default: 2, describe: '--apply: seconds between table-creation polls' })
    .check((a) => {
      const apply = a as FixApplyArgv & { action?: string; file?: string };
      if (!apply.apply) return true;
      if (apply.action !== 'fix') throw new Error('--apply goes with "dcr fix"');
      if (apply.file !== undefined) throw new Error('--apply reads the DCR from Azure: give no file');
      for (const o of ['subscription', 'resource-group', 'name'] as const)
        if (!apply[o]) throw new Error(`--apply needs --${o}`);
      return true;
    }) as Argv<T>;
}

export async function runFixApplyArgv(a: FixApplyArgv): Promise<number> {
  const { armEndpoint, credential } = connectArm(a);
  return runDcrFixApply(
    {
      subscription: a.subscription!,
      resourceGroup: a['resource-group']!,
      name: a.name!,
      dryRun: a['dry-run'] ?? false,
      createTables: a['create-tables'] ?? true,
      armEndpoint,
      tablePollMs: Math.max(0, (a['poll-interval'] ?? 2) * 1000),
      json: a.json ?? false,
    },
    credential,
  );
}
