// The habits every `open-ama` command line shares (cli/main.ts and the test entries that mount one
// command): `--version` from the build's stamp (package.json's version), strict parsing, usage errors —
// unknown argument, missing or invalid value, a failed `.check()` — on stderr with exit code 2 (like az),
// other failures on stderr with exit code 1, `--help` with examples, `--color/--no-color` accepted
// (colours follow cli/colors.ts: NO_COLOR, FORCE_COLOR, a terminal). Results go to stdout, diagnostics
// to stderr (docs/cli.md).
import yargs, { type Argv } from 'yargs';
import { OPEN_AMA_VERSION } from '../agent/config/version.js';

/** A command-line mistake: exit code 2, the message and a hint to --help on stderr. */
export class CliUsageError extends Error {}

/** The yargs root every open-ama CLI starts from; add commands and examples, then `runCli` it. */
export function cliRoot(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('open-ama')
    .version(OPEN_AMA_VERSION)
    .option('color', {
      type: 'boolean',
      describe: 'Colour the output (default: on a terminal; NO_COLOR / FORCE_COLOR are honoured)',
    })
    .strict()
    .recommendCommands()
    .demandCommand(1, 'give a command')
    .help()
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns || 100))
    .fail((msg: string | null, err: Error | undefined) => {
      // msg is set for usage errors (also when a .check() throws); a handler's own exception comes as err alone.
      if (msg) throw new CliUsageError(msg);
      throw err ?? new Error('failed');
    });
}

/** Parses and runs; maps a usage error to exit 2 and any other uncaught error to exit 1 (message on stderr). */
export async function runCli(y: Argv, err: NodeJS.WritableStream = process.stderr): Promise<void> {
  try {
    await y.parseAsync();
  } catch (e) {
    if (e instanceof CliUsageError) {
      err.write(`open-ama: ${e.message}\n(add --help to the command for its options and examples)\n`);
      process.exitCode = 2;
      return;
    }
    err.write(`open-ama: ${(e as Error).message ?? String(e)}\n`);
    process.exitCode = 1;
  }
}
