// `open-ama doctor [--json] [--bundle FILE]` as one function both front ends call: the shipped
// bin/open-ama-doctor (main.ts, bundled runtime) and the repository CLI (cli/doctor-command.ts). Prints
// the report on stdout (human or JSON), problems with the bundle on stderr, and returns the exit code:
// 0 no check failed (warnings allowed), 1 a check failed or the bundle could not be written.
import { redactString } from '../telemetry/index.js';
import { writeSupportBundle } from './bundle.js';
import { exitCodeOf, renderHuman, renderJson } from './report.js';
import { runDoctor } from './run.js';

export interface DoctorOptions {
  json?: boolean;
  bundle?: string;
  timeoutMs?: number;
}

export interface DoctorIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  color: boolean;
}

/** NO_COLOR (any value) wins; FORCE_COLOR (not "0") forces; else colour on a terminal only. */
export function wantsColor(env: NodeJS.ProcessEnv, isTty: boolean): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return isTty;
}

export async function doctorCommand(o: DoctorOptions, env: NodeJS.ProcessEnv, io: DoctorIo): Promise<number> {
  const run = await runDoctor(env, { timeoutMs: o.timeoutMs });
  io.stdout(o.json ? renderJson(run.report) : renderHuman(run.report, { color: io.color }));
  let code = exitCodeOf(run.report);
  if (o.bundle) {
    try {
      const b = await writeSupportBundle(o.bundle, run.ctx, run.report, run.supervisor);
      io.stderr(`support bundle written to ${b.file} (${b.entries.length} files, mode 0600, secrets removed)\n`);
    } catch (err) {
      io.stderr(`open-ama doctor: ${redactString((err as Error).message)}\n`);
      code = 1;
    }
  }
  return code;
}
