// rsyslog drop-in (docs/architecture.md; same shape as AMA's omfwd file, docs/syslog.md): forwards exactly the
// union of the DCRs' selections to our TCP listener with AMA's traditional template, octet-counted
// framing and a disk-assisted LinkedList queue (retries forever, so nothing is lost while we are down).
import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { rsyslogSelector, rsyslogUnnamedCondition, type SelectionUnion } from './selectors.js';
import { exists, runTool, type ToolResult } from './tools.js';

export const RSYSLOG_MAIN_CONFIG = '/etc/rsyslog.conf';

export function renderRsyslogConfig(u: SelectionUnion, port: number): string {
  const selector = rsyslogSelector(u);
  const unnamed = rsyslogUnnamedCondition(u);
  const action = [
    `action(type="omfwd" name="open-ama" template="OpenAma_TraditionalForwardFormat" target="127.0.0.1" port="${port}" protocol="tcp"`,
    '    TCP_Framing="octet-counted"',
    '    queue.type="LinkedList" queue.filename="omfwd-open-ama" queue.maxDiskSpace="1g" queue.saveOnShutdown="on"',
    '    queue.size="25000" queue.dequeueBatchSize="2048"',
    '    action.resumeRetryCount="-1" action.resumeInterval="5" action.reportSuspension="on" action.reportSuspensionContinuation="on")',
  ];
  const rule = unnamed
    ? [`if ${selector ? `prifilt("${selector}") or ` : ''}${unnamed} then {`, ...action.map((l) => `  ${l}`), '}']
    : [`${selector} ${action[0]}`, ...action.slice(1)];
  return [
    '# Written by open-ama from its data collection rules (facility × level sets); removed on disable/uninstall. Do not edit.',
    'template(name="OpenAma_TraditionalForwardFormat" type="string" string="<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%")',
    ...rule,
    '',
  ].join('\n');
}

/**
 * `rsyslogd -N1` on the configuration that includes the drop-in: the system's main file, or under a
 * redirected root <root>/etc/rsyslog.conf when present, else a minimal one that includes only the drop-in.
 */
export async function validateRsyslog(o: {
  rsyslogd: string;
  dropInFile: string;
  mainConfig: string;
  redirected: boolean;
}): Promise<ToolResult> {
  if (!o.redirected || (await exists(o.mainConfig))) return runTool(o.rsyslogd, ['-N1', '-f', o.mainConfig]);
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'open-ama-rsyslog-'));
  try {
    const main = path.join(tmp, 'rsyslog.conf');
    await fs.writeFile(main, `global(workDirectory="${tmp}")\ninclude(file="${o.dropInFile}")\n`);
    return await runTool(o.rsyslogd, ['-N1', '-f', main]);
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}
