// `open-ama deploy vmapp` yargs command (registered under `open-ama deploy`): publish open-ama as a VM
// Application of an Azure Compute Gallery and assign it to VMs and scale sets (deploy/deploy-vmapp.ts,
// docs/deploy.md "VM Application"). Credentials as the other deploy commands; never a secret on argv —
// protected settings stay on the machines (--protected-settings-path names the root-only file there).
import type { Argv, CommandModule } from 'yargs';
import { connectArm, runArmCommand, withArmConnectionOptions, type ArmConnectionArgv } from './arm-cli.js';
import { runDeployVmApp } from './deploy-vmapp.js';
import { checkedSelection, withRunOptions, withSelectionOptions, type FleetArgv } from './machine-selection-cli.js';

interface VmAppArgv extends ArmConnectionArgv, FleetArgv {
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
}

export const vmappDeployCommand: CommandModule<object, VmAppArgv> = {
  command: 'vmapp',
  describe: 'Publish open-ama as an Azure Compute Gallery VM Application and assign it to VMs / scale sets',
  builder: (y: Argv) =>
    withRunOptions(
      withSelectionOptions(
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
          .option('package-url', {
            type: 'string',
            describe: 'Already uploaded package URL readable by the gallery (SAS)',
          })
          .option('settings-url', { type: 'string', describe: 'Already uploaded settings URL (with --package-url)' })
          .option('settings', { type: 'string', describe: 'Public settings JSON file (checked, then uploaded)' })
          .option('protected-settings-path', {
            type: 'string',
            describe: 'Root-only file on the machines holding protected settings (not uploaded)',
          }),
        {
          vmIds: 'File with one VM / scale set resource ID per line',
          all: 'Every VM of the subscription',
          yes: 'Confirm --all without a terminal',
        },
      ),
    ).example(
      '$0 deploy vmapp --subscription S --gallery-resource-group G --gallery gal --location westeurope --package open-ama-0.1.0-linux.zip --blob-url https://acct.blob.core.windows.net/c/open-ama.zip --settings s.json --resource-group app-rg --dry-run',
      'what publishing and assigning would do; nothing is changed',
    ) as unknown as Argv<VmAppArgv>,
  handler: (a) =>
    runArmCommand('deploy vmapp', () => {
      // No confirmation prompt here: --all always needs --yes (or --dry-run).
      const selection = checkedSelection(a, false, false);
      const { armEndpoint, credential } = connectArm(a);
      return runDeployVmApp(
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
          selection,
          concurrency: a.concurrency,
          dryRun: a['dry-run'],
          armEndpoint,
          pollIntervalMs: Math.max(0, a['poll-interval'] * 1000),
          json: a.json,
        },
        credential,
      );
    }),
};
