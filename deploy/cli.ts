// `open-ama deploy …` yargs command module (wired into the open-ama CLI root). Secrets are never
// accepted on argv: protected settings come from --protected-settings FILE or "-" (stdin), tokens from
// the credential chain or OPEN_AMA_ARM_TOKEN.
import { createInterface } from 'node:readline/promises';
import type { Argv, CommandModule } from 'yargs';
import type { CloudName } from './clouds.js';
import { commandFailure } from './azure-errors.js';
import { armConnection } from './credential.js';
import { runDeployExtension } from './deploy-extension.js';
import { dcrDeployCommand } from './dcr-cli.js';
import { templatesDeployCommand } from './templates-cli.js';
import { vmappDeployCommand } from './vmapp-cli.js';
import { parseTag } from './targets.js';

interface ExtensionArgv {
  subscription: string;
  'resource-group'?: string;
  'vm-ids'?: string;
  tag?: string;
  all: boolean;
  yes: boolean;
  arc: boolean;
  'scale-sets': boolean;
  settings?: string;
  'protected-settings'?: string;
  version: string;
  publisher: string;
  type: string;
  name: string;
  concurrency: number;
  'dry-run': boolean;
  cloud: CloudName;
  'arm-endpoint'?: string;
  'poll-interval': number;
  json: boolean;
}

const extensionCommand: CommandModule<object, ExtensionArgv> = {
  command: 'extension',
  describe: 'Install or update the open-ama extension on many Azure VMs / scale sets or Arc machines',
  builder: (y: Argv) =>
    y
      .version(false) // --version is the extension's typeHandlerVersion here
      .option('subscription', { type: 'string', demandOption: true, describe: 'Subscription ID' })
      .option('resource-group', { type: 'string', describe: 'Only machines in this resource group' })
      .option('vm-ids', { type: 'string', describe: 'File with one machine resource ID per line' })
      .option('tag', { type: 'string', describe: 'Only machines with this tag (key=value)' })
      .option('all', {
        type: 'boolean',
        default: false,
        describe: 'Every machine of the subscription (asks for confirmation on a terminal)',
      })
      .option('yes', { type: 'boolean', default: false, describe: 'Do not ask for confirmation with --all' })
      .option('arc', { type: 'boolean', default: false, describe: 'Target Azure Arc machines instead of Azure VMs' })
      .option('scale-sets', { type: 'boolean', default: false, describe: 'Also target virtual machine scale sets' })
      .option('settings', { type: 'string', describe: 'Public settings JSON file' })
      .option('protected-settings', {
        type: 'string',
        describe: 'Protected settings JSON file, or - for stdin (never pass secrets on the command line)',
      })
      .option('version', { type: 'string', demandOption: true, describe: 'typeHandlerVersion, e.g. 0.1' })
      .option('publisher', { type: 'string', default: 'OpenAma.Monitor' })
      .option('type', { type: 'string', default: 'OpenAmaLinuxAgent' })
      .option('name', { type: 'string', default: 'OpenAmaLinuxAgent', describe: 'Extension resource name' })
      .option('concurrency', { type: 'number', default: 8 })
      .option('dry-run', { type: 'boolean', default: false })
      .option('cloud', {
        choices: ['AzureCloud', 'AzureUSGovernment', 'AzureChinaCloud'] as const,
        default: 'AzureCloud' as CloudName,
      })
      .option('arm-endpoint', { type: 'string', describe: 'ARM endpoint override (tests, private clouds)' })
      .option('poll-interval', { type: 'number', default: 5, describe: 'Seconds between long-running-operation polls' })
      .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
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
  handler: async (a) => {
    const usage = selectionProblem(a);
    if (usage) {
      process.stderr.write(`open-ama deploy extension: ${usage}\n`);
      process.exitCode = 2;
      return;
    }
    const { armEndpoint, credential } = armConnection(a.cloud, a['arm-endpoint']);
    try {
      process.exitCode = await runDeployExtension(
        {
          subscription: a.subscription,
          selection: {
            all: a.all,
            resourceGroup: a['resource-group'],
            tag: parseTag(a.tag),
            idsFile: a['vm-ids'],
            arc: a.arc,
            includeScaleSets: a['scale-sets'],
          },
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
    } catch (err) {
      // The operator's input (UsageError: bad settings, unreadable files) exits 2; Azure refusing (sign-in,
      // permission, listing the machines) exits 1 with what to do (deploy/azure-errors.ts).
      const f = commandFailure(err, 'list machines');
      process.stderr.write(`open-ama deploy extension: ${f.message}\n`);
      process.exitCode = f.exitCode;
    }
  },
};

/** Why the machine selection is refused (usage error, exit 2), or undefined. */
export function selectionProblem(
  a: Pick<ExtensionArgv, 'all' | 'yes' | 'resource-group' | 'tag' | 'vm-ids' | 'dry-run' | 'concurrency'>,
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
