// `open-ama deploy vmapp` yargs command (registered under `open-ama deploy`): publish open-ama as a VM
// Application of an Azure Compute Gallery and assign it to VMs and scale sets (deploy/deploy-vmapp.ts,
// docs/deploy.md "VM Application"). Credentials as the other deploy commands; never a secret on argv —
// protected settings stay on the machines (--protected-settings-path names the root-only file there).
import type { Argv, CommandModule } from 'yargs';
import { connectArm, runArmCommand, withArmConnectionOptions, type ArmConnectionArgv } from './arm-cli.js';
import { selectionProblem } from './cli.js';
import { runDeployVmApp } from './deploy-vmapp.js';
import { parseTag } from './targets.js';

interface VmAppArgv extends ArmConnectionArgv {
  subscription: string;
  'gallery-resource-group': string;
  gallery: string;
  location: string;
  'app-name': string;
  'app-version'?: string;
  package?: string;
  'blob-url'?: string;
  'package-url'?: string;
  'settings-url'?: string;
  settings?: string;
  'protected-settings-path'?: string;
  'resource-group'?: string;
  'vm-ids'?: string;
  tag?: string;
  all: boolean;
  yes: boolean;
  'scale-sets': boolean;
  concurrency: number;
  'dry-run': boolean;
  'poll-interval': number;
  json: boolean;
}

export const vmappDeployCommand: CommandModule<object, VmAppArgv> = {
  command: 'vmapp',
  describe: 'Publish open-ama as an Azure Compute Gallery VM Application and assign it to VMs / scale sets',
  builder: (y: Argv) =>
    withArmConnectionOptions(y)
      .option('subscription', { type: 'string', demandOption: true, describe: 'Subscription ID' })
      .option('gallery-resource-group', {
        type: 'string',
        demandOption: true,
        describe: 'Resource group of the gallery',
      })
      .option('gallery', { type: 'string', demandOption: true, describe: 'Existing Azure Compute Gallery name' })
      .option('location', { type: 'string', demandOption: true, describe: 'Region of the gallery application' })
      .option('app-name', { type: 'string', default: 'open-ama', describe: 'Gallery application name' })
      .option('app-version', { type: 'string', describe: 'Version X.Y.Z (default: the package VERSION)' })
      .option('package', { type: 'string', describe: 'The open-ama ZIP to upload (with --blob-url)' })
      .option('blob-url', {
        type: 'string',
        describe: 'Blob to upload the package to (settings go to <url>.settings.json); Entra ID auth',
      })
      .option('package-url', { type: 'string', describe: 'Already uploaded package URL readable by the gallery (SAS)' })
      .option('settings-url', { type: 'string', describe: 'Already uploaded settings URL (with --package-url)' })
      .option('settings', { type: 'string', describe: 'Public settings JSON file (checked, then uploaded)' })
      .option('protected-settings-path', {
        type: 'string',
        describe: 'Root-only file on the machines holding protected settings (not uploaded)',
      })
      .option('resource-group', { type: 'string', describe: 'Only machines in this resource group' })
      .option('vm-ids', { type: 'string', describe: 'File with one VM / scale set resource ID per line' })
      .option('tag', { type: 'string', describe: 'Only machines with this tag (key=value)' })
      .option('all', { type: 'boolean', default: false, describe: 'Every VM of the subscription' })
      .option('yes', { type: 'boolean', default: false, describe: 'Confirm --all without a terminal' })
      .option('scale-sets', { type: 'boolean', default: false, describe: 'Also target virtual machine scale sets' })
      .option('concurrency', { type: 'number', default: 8 })
      .option('dry-run', { type: 'boolean', default: false })
      .option('poll-interval', { type: 'number', default: 5, describe: 'Seconds between long-running-operation polls' })
      .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
      .example(
        '$0 deploy vmapp --subscription S --gallery-resource-group G --gallery gal --location westeurope --package open-ama-0.1.0-linux.zip --blob-url https://acct.blob.core.windows.net/c/open-ama.zip --settings s.json --resource-group app-rg --dry-run',
        'what publishing and assigning would do; nothing is changed',
      ) as unknown as Argv<VmAppArgv>,
  handler: async (a) => {
    // No confirmation prompt here: --all always needs --yes (or --dry-run).
    const usage = selectionProblem(a, false);
    if (usage) {
      process.stderr.write(`open-ama deploy vmapp: ${usage}\n`);
      process.exitCode = 2;
      return;
    }
    const { armEndpoint, credential } = connectArm(a);
    await runArmCommand('deploy vmapp', () =>
      runDeployVmApp(
        {
          subscription: a.subscription,
          galleryResourceGroup: a['gallery-resource-group'],
          gallery: a.gallery,
          location: a.location,
          appName: a['app-name'],
          appVersion: a['app-version'],
          packageFile: a.package,
          blobUrl: a['blob-url'],
          packageUrl: a['package-url'],
          settingsUrl: a['settings-url'],
          settingsFile: a.settings,
          protectedSettingsPath: a['protected-settings-path'],
          selection: {
            all: a.all,
            resourceGroup: a['resource-group'],
            tag: parseTag(a.tag),
            idsFile: a['vm-ids'],
            arc: false,
            includeScaleSets: a['scale-sets'],
          },
          concurrency: a.concurrency,
          dryRun: a['dry-run'],
          armEndpoint,
          pollIntervalMs: Math.max(0, a['poll-interval'] * 1000),
          json: a.json,
        },
        credential,
      ),
    );
  },
};
