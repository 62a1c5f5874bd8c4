// Entry of dist/doctor.mjs, shipped in the extension package and installed beside the supervisor:
// bin/open-ama-doctor runs it on the bundled runtime. Parses the arguments (a usage error exits 2 with
// the usage on stderr) and runs command.ts. Needs root on a real machine (HIMDS key, other users' sockets).
import { parseArgs } from 'node:util';
import { doctorCommand, wantsColor } from './command.js';

export const USAGE = `usage: open-ama-doctor [--json] [--bundle FILE] [--timeout SECONDS]

Checks this machine's open-ama agent: identity, DCRs, the ingestion endpoint through the proxy, TLS,
clock, syslog forwarding, the syslog port, the disk queue, the agent and its destinations.

  --json            the report as JSON on stdout
  --bundle FILE     also write a support bundle (ZIP, mode 0600, secrets removed) to FILE (must not exist)
  --timeout SECONDS deadline of each network request (default 10)

Exit code: 0 no check failed (warnings allowed), 1 a check failed, 2 usage error.

Examples:
  sudo /opt/open-ama/<version>/bin/open-ama-doctor
  sudo /opt/open-ama/<version>/bin/open-ama-doctor --json | jq '.checks[] | select(.verdict != "ok")'
  sudo /opt/open-ama/<version>/bin/open-ama-doctor --bundle /root/open-ama-support.zip
`;

async function main(): Promise<number> {
  let values: { json?: boolean; bundle?: string; timeout?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        json: { type: 'boolean' },
        bundle: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    process.stderr.write(`open-ama-doctor: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const timeout = values.timeout === undefined ? 10 : Number(values.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 300) {
    process.stderr.write(`open-ama-doctor: --timeout must be 1–300 seconds, got ${values.timeout}\n${USAGE}`);
    return 2;
  }
  return doctorCommand({ json: values.json, bundle: values.bundle, timeoutMs: timeout * 1000 }, process.env, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    color: wantsColor(process.env, process.stdout.isTTY === true),
  });
}

main().then(
  (code) => {
    process.exitCode = code;
    // Every socket is closed by now; should a handle linger, it must not keep the doctor alive.
    setTimeout(() => process.exit(code), 200).unref();
  },
  (err: unknown) => {
    process.stderr.write(`open-ama-doctor failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
