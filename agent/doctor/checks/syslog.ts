// syslog: when a DCR collects syslog, a syslog daemon (rsyslog or syslog-ng, detected as the collector
// detects it) must run and carry our forwarding drop-in, pointing at the listener's port. A drop-in left
// behind with no syslog DCR is a warning (the daemon keeps queueing for a listener that is not there).
import { promises as fs } from 'node:fs';
import { detectSyslogDaemon } from '../../collector/sources/syslog/index.js';
import type { PipelineGraph } from '../../collector/pipeline/index.js';
import type { DoctorContext } from '../context.js';
import type { CheckResult } from '../report.js';

export function syslogPortOf(graph: PipelineGraph | undefined): number | undefined {
  const s = graph?.sources.find((x) => x.kind === 'syslog');
  return s && s.kind === 'syslog' ? s.spec.port : undefined;
}

/** The port a drop-in forwards to: rsyslog `port="N"`, syslog-ng `port(N)`. */
export function dropInPort(text: string): number | undefined {
  const m = /\bport\s*=\s*"(\d+)"/.exec(text) ?? /\bport\((\d+)\)/.exec(text);
  return m ? Number(m[1]) : undefined;
}

export async function checkSyslog(ctx: DoctorContext, graph: PipelineGraph | undefined): Promise<CheckResult> {
  const base = { id: 'syslog', title: 'syslog forwarding' };
  const port = syslogPortOf(graph);
  const files = { rsyslog: ctx.paths.rsyslogDropInFile, 'syslog-ng': ctx.paths.syslogNgDropInFile } as const;
  const read = (f: string): Promise<string | undefined> => fs.readFile(f, 'utf8').catch(() => undefined);
  if (port === undefined) {
    const leftovers = [];
    for (const f of Object.values(files)) if ((await read(f)) !== undefined) leftovers.push(f);
    if (leftovers.length)
      return {
        ...base,
        verdict: 'warn',
        cause: `no DCR collects syslog, but ${leftovers.join(' and ')} still forwards to us`,
        fix: 'run enable again (the collector removes its drop-in when no DCR needs it) or delete the file and restart the daemon',
      };
    return { ...base, verdict: 'ok', cause: 'not used: no DCR collects syslog', fix: '' };
  }
  const daemon = await detectSyslogDaemon(ctx.paths);
  if (!daemon)
    return {
      ...base,
      verdict: 'fail',
      cause: 'a DCR collects syslog but no syslog daemon (rsyslog or syslog-ng) is installed or running',
      fix: `install rsyslog (apt-get install rsyslog / dnf install rsyslog) and run enable again, or forward your daemon to TCP 127.0.0.1:${port}`,
    };
  const file = files[daemon];
  const text = await read(file);
  if (text === undefined)
    return {
      ...base,
      verdict: 'fail',
      cause: `${daemon} runs but our forwarding drop-in ${file} is missing: no syslog reaches the agent`,
      fix: `restart the agent or run enable again (the collector writes ${file} when it applies a syslog DCR); if it disappears again, look for "rejected the configuration" in collector.log`,
    };
  const forwardsTo = dropInPort(text);
  if (forwardsTo !== port)
    return {
      ...base,
      verdict: 'fail',
      cause: `${file} forwards to port ${forwardsTo ?? '(none found)'}, but the listener is on ${port}`,
      fix: `run enable again so the collector rewrites ${file}; do not edit it by hand`,
    };
  return { ...base, verdict: 'ok', cause: `${daemon} forwards to 127.0.0.1:${port} through ${file}`, fix: '' };
}
