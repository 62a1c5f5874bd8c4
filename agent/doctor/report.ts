// The doctor's result model and its two renderings (docs/troubleshooting.md): every check has a verdict
// (ok / warn / fail), a one-line cause and a one-line fix; the overall verdict is the worst one. Exit code:
// 0 when nothing failed (warnings included), 1 when a check failed (2 is a usage error, set by main.ts).
import { redactString } from '../telemetry/index.js';

export type Verdict = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id: identity, dcr, endpoint, proxy, tls, clock, syslog, listener, queue, agent, destinations. */
  id: string;
  title: string;
  verdict: Verdict;
  /** What was found, in one line (the cause when the verdict is not ok). */
  cause: string;
  /** What to do about it; empty when nothing needs doing. */
  fix: string;
  /** Extra lines (per endpoint, per lane, per destination). */
  details?: string[];
}

export interface DoctorReport {
  version: string;
  checkedAt: string;
  overall: Verdict;
  checks: CheckResult[];
}

const RANK: Record<Verdict, number> = { ok: 0, warn: 1, fail: 2 };

export function worst(verdicts: Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');
}

export function makeReport(version: string, checks: CheckResult[], now = new Date()): DoctorReport {
  // Every text passes the secret scrubber once more: a cause quoting an error must never carry a secret.
  const clean = checks.map((c) => ({
    ...c,
    cause: redactString(c.cause),
    fix: redactString(c.fix),
    ...(c.details ? { details: c.details.map(redactString) } : {}),
  }));
  return { version, checkedAt: now.toISOString(), overall: worst(clean.map((c) => c.verdict)), checks: clean };
}

export function exitCodeOf(report: DoctorReport): number {
  return report.overall === 'fail' ? 1 : 0;
}

const LABEL: Record<Verdict, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };

export interface RenderOptions {
  color: boolean;
}

export function renderHuman(report: DoctorReport, o: RenderOptions): string {
  const paint = (v: Verdict, s: string): string => {
    if (!o.color) return s;
    const code = v === 'ok' ? 32 : v === 'warn' ? 33 : 31;
    return `\u001b[${code}m${s}\u001b[0m`;
  };
  const width = Math.max(...report.checks.map((c) => c.title.length), 10);
  const lines = [`open-ama doctor ${report.version} — ${report.checkedAt}`, ''];
  for (const c of report.checks) {
    lines.push(`${paint(c.verdict, LABEL[c.verdict])}  ${c.title.padEnd(width)}  ${c.cause}`);
    for (const d of c.details ?? []) lines.push(`${' '.repeat(width + 8)}· ${d}`);
    if (c.verdict !== 'ok' && c.fix) lines.push(`${' '.repeat(width + 8)}fix: ${c.fix}`);
  }
  const count = (v: Verdict): number => report.checks.filter((c) => c.verdict === v).length;
  lines.push(
    '',
    `overall: ${paint(report.overall, report.overall.toUpperCase())} (${count('fail')} failed, ${count('warn')} warning(s), ${count('ok')} ok)`,
  );
  return lines.join('\n') + '\n';
}

export function renderJson(report: DoctorReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
