// `open-ama doctor [--json] [--bundle FILE]` from a repository checkout: runs the same checks as the
// shipped bin/open-ama-doctor (agent/doctor, docs/troubleshooting.md) in this process, on this machine.
import type { Argv, CommandModule } from 'yargs';
import { doctorCommand as runDoctorCommand, wantsColor } from '../agent/doctor/index.js';

interface DoctorArgv {
  json?: boolean;
  bundle?: string;
  timeout: number;
}

export const doctorCommand: CommandModule = {
  command: 'doctor',
  describe: "check this machine's agent: identity, DCRs, endpoint via proxy, TLS, clock, syslog, queue, destinations",
  builder: (y: Argv) =>
    y
      .option('json', { type: 'boolean', describe: 'the report as JSON on stdout' })
      .option('bundle', {
        type: 'string',
        describe: 'also write a support bundle (ZIP, 0600, secrets removed) to this new file',
      })
      .option('timeout', { type: 'number', default: 10, describe: 'deadline of each network request, seconds' })
      .example('sudo open-ama doctor', 'every check with its verdict, cause and fix')
      .example('sudo open-ama doctor --bundle /root/open-ama-support.zip', 'and a support bundle to attach to a ticket')
      .epilog('Exit code: 0 no check failed (warnings allowed), 1 a check failed. See docs/troubleshooting.md.'),
  handler: async (argv) => {
    const a = argv as unknown as DoctorArgv;
    process.exitCode = await runDoctorCommand(
      { json: a.json, bundle: a.bundle, timeoutMs: a.timeout * 1000 },
      process.env,
      {
        stdout: (s) => process.stdout.write(s),
        stderr: (s) => process.stderr.write(s),
        color: wantsColor(process.env, process.stdout.isTTY === true),
      },
    );
  },
};
