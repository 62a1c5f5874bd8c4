// agent and destinations: the running agent as the supervisor reports it over its control socket
// (collector state, restarts, the collector's health), else the last status file it wrote; then per
// destination its state, last successful upload, last error and backlog.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SupervisorClient, type SupervisorStatus } from '../../supervisor/control/index.js';
import type { DoctorContext } from '../context.js';
import { worst, type CheckResult, type Verdict } from '../report.js';

export async function readSupervisorStatus(ctx: DoctorContext): Promise<SupervisorStatus | string> {
  try {
    return await new SupervisorClient(ctx.paths.controlSocket).status(ctx.timeoutMs);
  } catch (err) {
    return (err as Error).message;
  }
}

export function checkAgent(ctx: DoctorContext, status: SupervisorStatus | string): CheckResult {
  const base = { id: 'agent', title: 'agent processes' };
  if (typeof status === 'string')
    return {
      ...base,
      verdict: 'fail',
      cause: `the supervisor is not running: ${status}`,
      fix: 'systemctl start open-ama (or run enable again); supervisor.log says why it stopped',
    };
  const c = status.collector;
  const restarts = c.restarts ? `, restarted ${c.restarts} time(s)${c.lastExit ? `, last: ${c.lastExit}` : ''}` : '';
  const applied = status.appliedConfigVersion;
  const stale =
    ctx.config && applied !== undefined && applied !== ctx.config.configVersion
      ? `; it runs settings ${applied}, the file holds ${ctx.config.configVersion}`
      : '';
  if (c.state === 'running' && !stale)
    return {
      ...base,
      verdict: c.restarts > 0 ? 'warn' : 'ok',
      cause: `supervisor ${status.version} (pid ${status.pid}), collector running (pid ${c.pid})${restarts}`,
      fix: c.restarts > 0 ? 'see collector.log around the restart times' : '',
    };
  return {
    ...base,
    verdict: c.state === 'running' || c.state === 'starting' ? 'warn' : 'fail',
    cause: `collector ${c.state}${restarts}${stale}`,
    fix:
      c.state === 'crash-looping'
        ? 'read the stderr tail in the status and collector.log; the collector restarts by itself once the cause is gone'
        : 'run enable again; supervisor.log and collector.log say what happened',
  };
}

interface StatusFileSubstatus {
  name?: string;
  status?: string;
  formattedMessage?: { message?: string };
}

async function statusFileDestinations(
  ctx: DoctorContext,
): Promise<{ file: string; subs: StatusFileSubstatus[] } | undefined> {
  const t = ctx.config?.status;
  if (!t) return undefined;
  const file = path.join(t.statusFolder, `${t.seq}.status`);
  try {
    const doc = JSON.parse(await fs.readFile(file, 'utf8')) as { status?: { substatus?: StatusFileSubstatus[] } }[];
    return { file, subs: (doc[0]?.status?.substatus ?? []).filter((s) => s.name?.startsWith('destination ')) };
  } catch {
    return undefined;
  }
}

export async function checkDestinations(ctx: DoctorContext, status: SupervisorStatus | string): Promise<CheckResult> {
  const base = { id: 'destinations', title: 'destinations' };
  const health = typeof status === 'string' ? undefined : status.health;
  if (health) {
    if (health.destinations.length === 0)
      return { ...base, verdict: 'ok', cause: 'no destination configured', fix: '' };
    const verdicts: Verdict[] = [];
    const details = health.destinations.map((d) => {
      verdicts.push(d.state === 'ok' ? 'ok' : d.state === 'degraded' ? 'warn' : 'fail');
      const err = d.lastError ? `, last error: ${d.lastError}` : '';
      return `${d.id} (${d.kind}): ${d.state}, last success ${d.lastSuccessAt ?? 'never'}${err}, backlog ${d.backlogRecords} record(s)`;
    });
    const verdict = worst(verdicts);
    const bad = health.destinations.filter((d) => d.state !== 'ok');
    return {
      ...base,
      verdict,
      cause:
        verdict === 'ok'
          ? `${health.destinations.length} destination(s) uploading`
          : bad.map((d) => `${d.id} ${d.state}: ${d.lastError ?? 'uploads are failing'}`).join('; '),
      fix:
        verdict === 'ok'
          ? ''
          : 'the checks above name the cause (endpoint, proxy, TLS, identity); a 403 means the identity lacks Monitoring Metrics Publisher on the DCR; data waits on disk and is sent once fixed',
      details,
    };
  }
  const fromFile = await statusFileDestinations(ctx);
  if (!fromFile || fromFile.subs.length === 0)
    return {
      ...base,
      verdict: 'warn',
      cause: 'unknown: the agent is not running and its status file holds no destination',
      fix: 'start the agent (see agent processes), then run doctor again',
    };
  const verdicts = fromFile.subs.map((s): Verdict =>
    s.status === 'success' ? 'ok' : s.status === 'warning' ? 'warn' : 'fail',
  );
  return {
    ...base,
    verdict: worst(verdicts),
    cause: `from ${fromFile.file} (the agent is not running, so this may be old)`,
    fix: worst(verdicts) === 'ok' ? '' : 'start the agent, then fix what the status names',
    details: fromFile.subs.map(
      (s) => `${s.name!.slice('destination '.length)}: ${s.formattedMessage?.message ?? s.status}`,
    ),
  };
}
