// listener: who holds the syslog port (28330, or OPEN_AMA_SYSLOG_PORT): our collector, Microsoft's Azure
// Monitor Agent (mdsd, from /opt/microsoft/azuremonitoragent — both agents default to the same port, so
// they cannot both receive syslog), or someone else. Also says when AMA is installed beside us.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { PipelineGraph } from '../../collector/pipeline/index.js';
import type { DoctorContext } from '../context.js';
import type { CheckResult } from '../report.js';
import { portOwner, type PortOwner } from './port-owner.js';
import { syslogPortOf } from './syslog.js';

/** Where Microsoft's agent installs itself (under OPEN_AMA_ROOT in tests). */
export const AMA_DIRS = ['/opt/microsoft/azuremonitoragent', '/etc/opt/microsoft/azuremonitoragent'];

export type OwnerKind = 'us' | 'ama' | 'other' | 'unknown';

export function classifyOwner(o: PortOwner): OwnerKind {
  if (o.pid === undefined) return 'unknown';
  const text = `${o.comm ?? ''} ${o.cmdline ?? ''}`;
  if (/collector\.mjs/.test(text)) return 'us';
  if (/\bmdsd\b|azuremonitoragent|amacoreagent/i.test(text)) return 'ama';
  return 'other';
}

async function amaInstalled(root: string): Promise<string | undefined> {
  for (const d of AMA_DIRS) {
    const p = path.join(root, d);
    if (
      await fs.stat(p).then(
        (s) => s.isDirectory(),
        () => false,
      )
    )
      return p;
  }
  return undefined;
}

export async function checkListener(ctx: DoctorContext, graph: PipelineGraph | undefined): Promise<CheckResult> {
  const base = { id: 'listener', title: 'syslog port owner' };
  const port = syslogPortOf(graph) ?? ctx.syslogPort;
  const wanted = syslogPortOf(graph) !== undefined;
  const ama = await amaInstalled(ctx.paths.root);
  const owner = await portOwner(port);
  const who = (o: PortOwner): string =>
    o.pid !== undefined ? `pid ${o.pid} (${o.comm || '?'}: ${o.cmdline || '?'})` : 'a process this user cannot see';
  const amaNote = ama ? `; Microsoft's Azure Monitor Agent is installed too (${ama})` : '';
  if (!owner) {
    if (!wanted)
      return ama
        ? {
            ...base,
            verdict: 'warn',
            cause: `port ${port} is free and no DCR here collects syslog${amaNote}`,
            fix: 'run one agent per machine: remove the AzureMonitorLinuxAgent extension, or do not associate the same DCRs with both (duplicate data)',
          }
        : { ...base, verdict: 'ok', cause: `not used: no DCR collects syslog (port ${port} is free)`, fix: '' };
    return {
      ...base,
      verdict: 'fail',
      cause: `nothing listens on 127.0.0.1:${port}: the collector is not running or could not bind${amaNote}`,
      fix: 'check the agent check below and collector.log ("cannot bind"); systemctl status open-ama',
    };
  }
  const kind = classifyOwner(owner);
  const at = owner.addresses.join(', ');
  if (kind === 'us')
    return ama
      ? {
          ...base,
          verdict: 'warn',
          cause: `our collector holds ${at} (${who(owner)})${amaNote}`,
          fix: 'run one agent per machine: remove the AzureMonitorLinuxAgent extension, or do not associate the same DCRs with both (duplicate data)',
        }
      : { ...base, verdict: 'ok', cause: `our collector holds ${at} (pid ${owner.pid})`, fix: '' };
  if (kind === 'ama')
    return {
      ...base,
      verdict: wanted ? 'fail' : 'warn',
      cause: `Microsoft's Azure Monitor Agent holds ${at} (${who(owner)}): both agents use port ${port}, so syslog goes to AMA, not to open-ama`,
      fix: 'remove the AzureMonitorLinuxAgent extension (az vm extension delete -n AzureMonitorLinuxAgent …) before using open-ama for syslog, then run enable again',
    };
  if (kind === 'unknown')
    return {
      ...base,
      verdict: 'warn',
      cause: `${at} is held by ${who(owner)}`,
      fix: 'run open-ama doctor as root to see which process it is',
    };
  return {
    ...base,
    verdict: wanted ? 'fail' : 'warn',
    cause: `${at} is held by another program: ${who(owner)}`,
    fix: `stop that program or move it off port ${port}; the collector needs the port to receive syslog`,
  };
}
