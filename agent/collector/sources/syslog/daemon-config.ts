// Syslog daemon integration (DESIGN.md §5, SPEC.md §8.4): writes the rsyslog drop-in
// /etc/rsyslog.d/10-open-ama.conf forwarding exactly the DCRs' facility × level sets (set semantics, as a
// RainerScript condition) to our TCP listener with a disk-assisted queue, validates the whole rsyslog
// configuration with `rsyslogd -N1` before reloading, and puts the previous file back when validation
// fails (never breaking an existing syslog setup). Under a redirected OPEN_AMA_ROOT nothing is reloaded.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa } from 'execa';
import { isRedirectedRoot, writeFileAtomic, type AgentPaths } from '../../../config/index.js';
import type { Logger } from '../../../telemetry/index.js';
import type { SyslogFilter } from './syslog-source.js';

const LEVEL_TO_RSYSLOG: Record<string, string> = { emergency: 'emerg', alert: 'alert', critical: 'crit', error: 'err', warning: 'warning', notice: 'notice', info: 'info', debug: 'debug' };
const SBIN_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin`;

function quoteList(xs: string[]): string {
  return `[${xs.map((x) => `"${x.replace(/[^a-z0-9]/gi, '')}"`).join(', ')}]`;
}

/** One RainerScript condition selecting exactly the union of the filters' facility × level sets. */
export function rsyslogCondition(filters: SyslogFilter[]): string {
  const parts = filters.map((f) => {
    const facs = f.facilities.filter((x) => x !== 'nopri' && x !== 'mark');
    const levels = f.levels.includes('*') ? [] : f.levels.map((l) => LEVEL_TO_RSYSLOG[l.toLowerCase()] ?? l.toLowerCase());
    const conds: string[] = [];
    if (!f.facilities.includes('*')) conds.push(`$syslogfacility-text == ${quoteList(facs)}`);
    if (levels.length > 0) conds.push(`$syslogseverity-text == ${quoteList(levels)}`);
    return conds.length ? `(${conds.join(' and ')})` : '(1 == 1)';
  });
  return parts.length ? parts.join(' or ') : '(1 == 0)';
}

export function renderRsyslogDropIn(filters: SyslogFilter[], port: number): string {
  return [
    '# Written by open-ama from its data collection rules; removed on uninstall. Do not edit.',
    'template(name="OpenAma_TraditionalForwardFormat" type="string" string="<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%")',
    `if ${rsyslogCondition(filters)} then {`,
    `  action(type="omfwd" template="OpenAma_TraditionalForwardFormat" target="127.0.0.1" port="${port}" protocol="tcp"`,
    '    queue.type="LinkedList" queue.filename="omfwd-open-ama" queue.maxDiskSpace="1g" queue.saveOnShutdown="on"',
    '    queue.size="25000" queue.dequeueBatchSize="2048" action.resumeRetryCount="-1" action.resumeInterval="5"',
    '    action.reportSuspension="on" action.reportSuspensionContinuation="on")',
    '}',
    '',
  ].join('\n');
}

export interface DaemonConfigResult {
  daemon: 'rsyslog' | 'none';
  changed: boolean;
  warning?: string;
}

async function rsyslogInstalled(): Promise<boolean> {
  return (await execa('rsyslogd', ['-v'], { reject: false, env: { PATH: SBIN_PATH } }).catch(() => ({ exitCode: 1 }))).exitCode === 0;
}

/** Validates the full rsyslog configuration that will include `dropIn` (rsyslogd -N1). */
async function validate(paths: AgentPaths, dropIn: string): Promise<string | undefined> {
  let main = '/etc/rsyslog.conf';
  let tmp: string | undefined;
  if (isRedirectedRoot(paths)) {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'open-ama-rsyslog-'));
    main = path.join(tmp, 'rsyslog.conf');
    await fs.writeFile(main, `global(workDirectory="${tmp}")\ninclude(file="${dropIn}")\n`);
  }
  try {
    const r = await execa('rsyslogd', ['-N1', '-f', main], { reject: false, env: { PATH: SBIN_PATH }, timeout: 30_000 });
    return r.exitCode === 0 ? undefined : (r.stderr || r.stdout).split('\n').filter((l) => /error/i.test(l)).slice(0, 3).join(' | ') || `rsyslogd -N1 exited ${r.exitCode}`;
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
}

export async function applySyslogDaemonConfig(o: { filters: SyslogFilter[]; port: number; paths: AgentPaths; logger: Logger }): Promise<DaemonConfigResult> {
  if (!(await rsyslogInstalled())) {
    return { daemon: 'none', changed: false, warning: 'rsyslog is not installed: configure your syslog daemon to forward to 127.0.0.1:' + o.port };
  }
  const file = o.paths.rsyslogDropInFile;
  const text = renderRsyslogDropIn(o.filters, o.port);
  const previous = await fs.readFile(file, 'utf8').catch(() => undefined);
  if (previous === text) return { daemon: 'rsyslog', changed: false };
  await writeFileAtomic(file, text, { mode: 0o644, mkdirMode: 0o755 });
  const problem = await validate(o.paths, file);
  if (problem) {
    if (previous === undefined) await fs.rm(file, { force: true });
    else await writeFileAtomic(file, previous, { mode: 0o644 });
    const warning = `the rsyslog drop-in was not installed because rsyslog rejected the configuration (${problem}); the previous configuration is kept`;
    o.logger.warn(warning);
    return { daemon: 'rsyslog', changed: false, warning };
  }
  if (!isRedirectedRoot(o.paths)) {
    const r = await execa('systemctl', ['reload-or-restart', 'rsyslog'], { reject: false, timeout: 60_000 }).catch((err: Error) => ({ exitCode: 1, stderr: err.message }));
    if (r.exitCode !== 0) {
      const pid = Number((await fs.readFile('/run/rsyslogd.pid', 'utf8').catch(() => '')).trim());
      if (pid > 1) process.kill(pid, 'SIGHUP');
    }
  }
  o.logger.info(`rsyslog forwards ${o.filters.length} facility/level set(s) to 127.0.0.1:${o.port} (${file})`);
  return { daemon: 'rsyslog', changed: true };
}
