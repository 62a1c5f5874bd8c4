// `open-ama deploy …` yargs command module (wired into the open-ama CLI root). Secrets are never
// accepted on argv: protected settings come from --protected-settings FILE or "-" (stdin), tokens from
// the credential chain or OPEN_AMA_ARM_TOKEN.
import { createInterface } from 'node:readline/promises';
import type { Argv, CommandModule } from 'yargs';
import { connectArm, runArmCommand, withArmConnectionOptions, type ArmConnectionArgv } from './arm-cli.js';
import { runDeployExtension } from './deploy-extension.js';
import { dcrDeployCommand } from './dcr-cli.js';
import { checkedSelection, withRunOptions, withSelectionOptions, type FleetArgv } from './machine-selection-cli.js';
import { templatesDeployCommand } from './templates-cli.js';
import { vmappDeployCommand } from './vmapp-cli.js';

interface ExtensionArgv extends ArmConnectionArgv, FleetArgv {
  subscription: string;
  arc: boolean;
  settings?: string;
  'protected-settings'?: string;
  version: string;
  publisher: string;
  type: string;
  name: string;
}

const extensionCommand: CommandModule<object, ExtensionArgv> = {
  command: 'extension',
  describe: 'Install or update the open-ama extension on many Azure VMs / scale sets or Arc machines',
  builder: (y: Argv) =>
    withRunOptions(
      withArmConnectionOptions(
        withSelectionOptions(
          y
            .version(false) // --version is the extension's typeHandlerVersion here
            .option('subscription', { type: 'string', demandOption: true, describe: 'Subscription ID' }),
          {
            vmIds: 'File with one machine resource ID per line',
            all: 'Every machine of the subscription (asks for confirmation on a terminal)',
            yes: 'Do not ask for confirmation with --all',
          },
        )
          .option('arc', {
            type: 'boolean',
            default: false,
            describe: 'Target Azure Arc machines instead of Azure VMs',
          })
          .option('settings', { type: 'string', describe: 'Public settings JSON file' })
          .option('protected-settings', {
            type: 'string',
            describe: 'Protected settings JSON file, or - for stdin (never pass secrets on the command line)',
          })
          .option('version', { type: 'string', demandOption: true, describe: 'typeHandlerVersion, e.g. 0.1' })
          .option('publisher', { type: 'string', default: 'OpenAma.Monitor' })
          .option('type', { type: 'string', default: 'OpenAmaLinuxAgent' })
          .option('name', { type: 'string', default: 'OpenAmaLinuxAgent', describe: 'Extension resource name' }),
      ),
    )
      .example(
        '$0 deploy extension --subscription S --resource-group G --settings s.json --protected-settings p.json --version 0.1 --dry-run',
        'current → new version per machine of G; nothing is changed',
      )
      .example(
        '$0 deploy extension --subscription S --tag env=prod --settings s.json --protected-settings - --version 0.1 < p.json',
        'machines tagged env=prod, protected settings from stdin',
      )
      .example(
        '$0 deploy extension --subscription S --all --yes --arc --version 0.1 --json',
        'every Arc machine, no question, JSON result',
      ) as unknown as Argv<ExtensionArgv>,
  // The operator's input (selection, bad settings, unreadable files) exits 2; Azure refusing (sign-in,
  // permission, listing the machines) exits 1 with what to do (deploy/arm-cli.ts, deploy/azure-errors.ts).
  handler: (a) =>
    runArmCommand('deploy extension', () => {
      const selection = checkedSelection(a, a.arc);
      const { armEndpoint, credential } = connectArm(a);
      return runDeployExtension(
        {
          subscription: a.subscription,
          selection,
          settingsFile: a.settings,
          protectedSettingsFile: a['protected-settings'],
          spec: {
            name: a.name,
            publisher: a.publisher,
            type: a.type,
            version: a.version,
            autoUpgradeMinorVersion: true,
          },
          concurrency: a.concurrency,
          dryRun: a['dry-run'],
          armEndpoint,
          pollIntervalMs: Math.max(0, a['poll-interval'] * 1000),
          json: a.json,
          confirm: a.all && !a.yes && !a['dry-run'] ? (n) => confirmOnTty(n, a.subscription) : undefined,
        },
        credential,
      );
    }),
};

async function confirmOnTty(machines: number, subscription: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(
      `--all: install/update the extension on ${machines} machine(s) of subscription ${subscription}? [y/N] `,
    );
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export const deployCommand: CommandModule = {
  command: 'deploy <what>',
  describe: 'Deploy open-ama at fleet scale (extension, vmapp) or create its DCRs (dcr)',
  builder: (y: Argv) =>
    y
      .command(extensionCommand as unknown as CommandModule)
      .command(dcrDeployCommand as unknown as CommandModule)
      .command(vmappDeployCommand as unknown as CommandModule)
      .command(templatesDeployCommand as unknown as CommandModule)
      .example('$0 deploy extension --subscription S --resource-group G --version 0.1 --dry-run', 'plan a fleet update')
      .example(
        '$0 deploy dcr --subscription S --resource-group G --workspace W --location westeurope --from settings.json --dry-run',
        'the DCE, DCR and associations it would create',
      )
      .demandCommand(1),
  handler: () => undefined,
};
