// `open-ama deploy templates [--out DIR]` (registered under `open-ama deploy`): writes the fleet ARM template
// and the Azure Policy definitions of deploy/fleet-templates.ts (docs/deploy.md "Fleet as code"). Offline.
import type { Argv, CommandModule } from 'yargs';
import { writeTemplates } from './fleet-templates.js';

interface TemplatesArgv {
  out: string;
}

export const templatesDeployCommand: CommandModule<object, TemplatesArgv> = {
  command: 'templates',
  describe: 'Write the fleet ARM template and the Azure Policy definitions (DeployIfNotExists) to a directory',
  builder: (y: Argv) =>
    y.option('out', {
      type: 'string',
      default: '.',
      describe: 'Directory to write into',
    }) as unknown as Argv<TemplatesArgv>,
  handler: async (a) => {
    try {
      for (const f of await writeTemplates(a.out)) process.stdout.write(`wrote ${f}\n`);
    } catch (err) {
      process.stderr.write(`open-ama deploy templates: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};
