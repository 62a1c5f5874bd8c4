// The `open-ama` command line (bin/open-ama → dist/tools/cli.mjs): harness, deploy, dcr, doctor.
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { harnessCommand } from '../harness/cli.js';
import { deployCommand } from '../deploy/cli.js';
import { dcrCommand } from './dcr-command.js';
import { doctorCommand } from './doctor-command.js';

await yargs(hideBin(process.argv))
  .scriptName('open-ama')
  .version(false)
  .command(harnessCommand as never)
  .command(deployCommand)
  .command(dcrCommand)
  .command(doctorCommand)
  .demandCommand(1)
  .strict()
  .help()
  .parseAsync();
