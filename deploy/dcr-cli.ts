// `open-ama deploy dcr` yargs command (registered under `open-ama deploy`): DCE + DCR from our settings,
// optionally associated with machines. Credentials as deploy extension: DefaultAzureCredential for
// --cloud, or OPEN_AMA_ARM_TOKEN; never a secret on argv.
import type { Argv, CommandModule } from 'yargs';
import { connectArm, runArmCommand, withArmConnectionOptions, type ArmConnectionArgv } from './arm-cli.js';
import { runDeployDcr } from './deploy-dcr.js';
import { parseTag, type TargetSelection } from './targets.js';

interface DcrArgv extends ArmConnectionArgv {
  subscription: string;
  'resource-group': string;
  workspace: string;
  location: string;
  from: string;
  name: string;
  'dce-name'?: string;
  associate: boolean;
  'vm-ids'?: string;
  'resource-group-vms'?: string;
  tag?: string;
  arc: boolean;
  'scale-sets': boolean;
  concurrency: number;
  'dry-run': boolean;
  json: boolean;
  'settings-out'?: string;
}

function selection(a: DcrArgv): TargetSelection | undefined {
  if (!a.associate) return undefined;
  const rgVms = a['resource-group-vms'] === undefined ? undefined : a['resource-group-vms'] || a['resource-group'];
  return {
    idsFile: a['vm-ids'],
    resourceGroup: rgVms,
    tag: parseTag(a.tag),
    arc: a.arc,
    includeScaleSets: a['scale-sets'],
  };
}

export const dcrDeployCommand: CommandModule<object, DcrArgv> = {
  command: 'dcr',
  describe: 'Create or update a data collection endpoint and rule from open-ama settings, and associate machines',
  builder: (y: Argv) =>
    withArmConnectionOptions(y)
      .option('subscription', {
        type: 'string',
        demandOption: true,
        describe: 'Subscription ID (DCE, DCR and machines)',
      })
      .option('resource-group', { type: 'string', demandOption: true, describe: 'Resource group of the DCE and DCR' })
      .option('workspace', { type: 'string', demandOption: true, describe: 'Log Analytics workspace resource ID' })
      .option('location', {
        type: 'string',
        demandOption: true,
        describe: 'Region of the DCE and DCR (the workspace region)',
      })
      .option('from', {
        type: 'string',
        demandOption: true,
        describe: 'open-ama public settings with dataCollectionRules (or one DCR JSON)',
      })
      .option('name', { type: 'string', default: 'open-ama', describe: 'DCR name' })
      .option('dce-name', { type: 'string', describe: 'DCE name (default <name>-dce)' })
      .option('associate', {
        type: 'boolean',
        default: false,
        describe: 'Associate the DCR with the machines selected by --vm-ids, --resource-group-vms or --tag',
      })
      .option('vm-ids', { type: 'string', describe: 'File with one machine resource ID per line' })
      .option('resource-group-vms', {
        type: 'string',
        describe: 'Machines of this resource group (no value: --resource-group)',
      })
      .option('tag', { type: 'string', describe: 'Machines with this tag (key=value)' })
      .option('arc', { type: 'boolean', default: false, describe: 'Select Azure Arc machines instead of Azure VMs' })
      .option('scale-sets', { type: 'boolean', default: false, describe: 'Also select virtual machine scale sets' })
      .option('concurrency', { type: 'number', default: 8 })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Print the plan (and the DCR body with --json); change nothing',
      })
      .option('json', { type: 'boolean', default: false })
      .option('settings-out', { type: 'string', describe: 'Also write the resulting public settings to this file' })
      .example(
        '$0 deploy dcr --subscription S --resource-group G --workspace W --location westeurope --from settings.json --dry-run',
        'the DCE, DCR and associations it would create; nothing is changed',
      )
      .example(
        '$0 deploy dcr --subscription S --resource-group G --workspace W --location westeurope --from settings.json --associate --resource-group-vms app-rg --json',
        'create them and associate every VM of app-rg, JSON result',
      )
      .check((a) => {
        const selectors = (a['vm-ids'] ? 1 : 0) + (a['resource-group-vms'] !== undefined || a.tag ? 1 : 0);
        if (a.associate && selectors === 0)
          throw new Error('--associate needs --vm-ids FILE, --resource-group-vms [RG] or --tag k=v');
        if (a.associate && a['vm-ids'] && selectors > 1)
          throw new Error('--vm-ids cannot be combined with --resource-group-vms or --tag');
        if (!a.associate && (selectors > 0 || a.arc || a['scale-sets']))
          throw new Error(
            '--vm-ids, --resource-group-vms, --tag, --arc and --scale-sets select machines for --associate',
          );
        if (a.concurrency < 1 || a.concurrency > 64) throw new Error('--concurrency must be between 1 and 64');
        return true;
      }) as unknown as Argv<DcrArgv>,
  handler: (a) =>
    runArmCommand('deploy dcr', () => {
      const { armEndpoint, credential } = connectArm(a);
      return runDeployDcr(
        {
          subscription: a.subscription,
          resourceGroup: a['resource-group'],
          workspace: a.workspace,
          location: a.location,
          fromFile: a.from,
          name: a.name,
          dceName: a['dce-name'] ?? `${a.name}-dce`,
          associate: selection(a),
          concurrency: a.concurrency,
          dryRun: a['dry-run'],
          armEndpoint,
          json: a.json,
          settingsOut: a['settings-out'],
        },
        credential,
      );
    }),
};
