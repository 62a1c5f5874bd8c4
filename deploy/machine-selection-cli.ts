// The machine-selection and fleet-run options that `deploy extension` and `deploy vmapp` share (registered
// under `open-ama deploy`, docs/deploy.md): which machines (--resource-group, --vm-ids, --tag, --all with
// --yes, --scale-sets), how (--concurrency, --dry-run, --poll-interval, --json), the usage check of that
// selection (a problem is a UsageError: exit 2 before any request, deploy/arm-cli.ts runArmCommand) and the
// TargetSelection it gives (deploy/targets.ts).
import type { Argv } from 'yargs';
import { UsageError } from './settings-check.js';
import { parseTag, type TargetSelection } from './targets.js';

export interface MachineSelectionArgv {
  'resource-group'?: string;
  'vm-ids'?: string;
  tag?: string;
  all: boolean;
  yes: boolean;
  'scale-sets': boolean;
}

export interface FleetRunArgv {
  concurrency: number;
  'dry-run': boolean;
  'poll-interval': number;
  json: boolean;
}

/** Everything the shared options give a command. */
export type FleetArgv = MachineSelectionArgv & FleetRunArgv;

/** The help texts that differ between the commands. */
export interface SelectionHelp {
  vmIds: string;
  all: string;
  yes: string;
}

/** Adds --resource-group, --vm-ids, --tag, --all, --yes and --scale-sets. */
export function withSelectionOptions<T>(y: Argv<T>, help: SelectionHelp): Argv<T & MachineSelectionArgv> {
  return y
    .option('resource-group', { type: 'string', describe: 'Only machines in this resource group' })
    .option('vm-ids', { type: 'string', describe: help.vmIds })
    .option('tag', { type: 'string', describe: 'Only machines with this tag (key=value)' })
    .option('all', { type: 'boolean', default: false, describe: help.all })
    .option('yes', { type: 'boolean', default: false, describe: help.yes })
    .option('scale-sets', {
      type: 'boolean',
      default: false,
      describe: 'Also target virtual machine scale sets',
    }) as unknown as Argv<T & MachineSelectionArgv>;
}

/** Adds --concurrency, --dry-run, --poll-interval and --json. */
export function withRunOptions<T>(y: Argv<T>): Argv<T & FleetRunArgv> {
  return y
    .option('concurrency', { type: 'number', default: 8 })
    .option('dry-run', { type: 'boolean', default: false })
    .option('poll-interval', { type: 'number', default: 5, describe: 'Seconds between long-running-operation polls' })
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'Machine-readable result on stdout',
    }) as unknown as Argv<T & FleetRunArgv>;
}

/** Why the machine selection is refused (usage error, exit 2), or undefined. */
export function selectionProblem(
  a: Pick<FleetArgv, 'all' | 'yes' | 'resource-group' | 'tag' | 'vm-ids' | 'dry-run' | 'concurrency'>,
  stdinIsTty = process.stdin.isTTY === true,
): string | undefined {
  const scoped = Boolean(a['resource-group'] || a.tag || a['vm-ids']);
  if (a.concurrency < 1 || a.concurrency > 64) return '--concurrency must be between 1 and 64';
  if (!scoped && !a.all)
    return 'select machines with --resource-group, --tag or --vm-ids, or pass --all for every machine of the subscription';
  if (scoped && a.all) return '--all cannot be combined with --resource-group, --tag or --vm-ids';
  if (a.all && !a.yes && !a['dry-run'] && !stdinIsTty)
    return '--all needs confirmation and there is no terminal to ask on: add --yes to confirm (or --dry-run to preview)';
  return undefined;
}

/** The checked selection: a problem throws a UsageError (exit 2 through runArmCommand). */
export function checkedSelection(a: FleetArgv, arc: boolean, stdinIsTty?: boolean): TargetSelection {
  const usage = selectionProblem(a, stdinIsTty);
  if (usage) throw new UsageError(usage);
  return {
    all: a.all,
    resourceGroup: a['resource-group'],
    tag: parseTag(a.tag),
    idsFile: a['vm-ids'],
    arc,
    includeScaleSets: a['scale-sets'],
  };
}
