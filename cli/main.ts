// The `open-ama` command line (bin/open-ama → dist/tools/cli.mjs): harness, deploy, dcr, doctor. Shared habits
// (--version, exit 2 on usage errors, errors on stderr, examples, colours) come from cli/root.ts.
import { hideBin } from 'yargs/helpers';
import { harnessCommand } from '../harness/cli.js';
import { deployCommand } from '../deploy/cli.js';
import { dcrCommand } from './dcr-command.js';
import { doctorCommand } from './doctor-command.js';
import { cliRoot, runCli } from './root.js';

await runCli(
  cliRoot(hideBin(process.argv))
    .command(harnessCommand as never)
    .command(deployCommand)
    .command(dcrCommand)
    .command(doctorCommand)
    .example('$0 harness run', 'package this repository, install it in the local guest-agent harness, show the data')
    .example('$0 doctor', 'on a VM with the extension: check identity, DCR, endpoints, proxy, syslog')
    .example('$0 dcr validate my-dcr.json', 'would open-ama run this data collection rule as it is?')
    .example(
      '$0 deploy extension --subscription S --resource-group G --settings s.json --version 0.1 --dry-run',
      'what a fleet deployment would change',
    )
    .epilogue(
      'Docs: README.md, docs/cli.md (exit codes, --json, colours), docs/troubleshooting.md, docs/deploy.md, docs/harness.md',
    ),
);
