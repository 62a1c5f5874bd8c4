// Entry point of bin/open-ama-handler <op>: argv → operation → driver → exit code.
// Output stays short (the guest agent keeps only 3,200 bytes); details go to the handler log.
import { runOperation } from './driver.js';
import { parseOperation } from './operations.js';
import { packageLayoutFromBundle } from './context.js';
import { ExitCode } from './exit-codes.js';

async function main(): Promise<number> {
  const operation = parseOperation(process.argv[2]);
  if (!operation) {
    process.stderr.write(
      `usage: open-ama-handler install|enable|disable|update|uninstall (got ${JSON.stringify(process.argv[2] ?? '')})\n`,
    );
    return ExitCode.GenericError;
  }
  return runOperation({
    operation,
    cwd: process.cwd(),
    env: process.env,
    layout: packageLayoutFromBundle(import.meta.url, process.execPath, process.cwd()),
  });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`open-ama-handler: unexpected failure: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(ExitCode.GenericError);
  },
);
