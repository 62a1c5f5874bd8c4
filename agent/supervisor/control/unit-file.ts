// systemd unit for the supervisor (used when systemd is PID 1). Runs from the install dir
// (<installDir>/<version>/…, never the extension dir the guest agent may delete, docs/guest-agent-protocol.md §5.6),
// restarts on failure, carries the resource limits, and stops like this: SIGTERM to the supervisor
// only (KillMode=mixed) so it can stop the collector gracefully, SIGKILL to whatever is left after
// TimeoutStopSec. MemoryMax leaves the supervisor headroom above the collector's watchdog limit so
// the watchdog's graceful restart comes before the kernel's OOM kill. LimitCORE=0: no core dumps (they
// would hold secrets and collected records); the collector inherits it.
import * as path from 'node:path';
import type { ResourceLimits } from '../../config/index.js';
import { supervisorNodeFlags } from '../node-flags.js';

export const UNIT_NAME = 'open-ama.service';
/** Room for the supervisor (≈ 60 MB RSS on Node 24) on top of the collector's memoryMaxMB in the cgroup's MemoryMax. */
export const SUPERVISOR_MEMORY_HEADROOM_MB = 128;
/** Must exceed the collector's graceful stop deadline (20 s) plus the supervisor's own cleanup. */
export const STOP_TIMEOUT_SEC = 60;

export interface UnitFileOptions {
  nodePath: string;
  supervisorScript: string;
  limits: ResourceLimits;
  env: Record<string, string>;
}

/** One ExecStart word: plain when safe, else double-quoted with systemd's escapes (%, $, ", \). */
export function systemdWord(s: string): string {
  if (/^[A-Za-z0-9_/.:+,=@-]+$/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

function environmentLine(key: string, value: string): string | undefined {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || value === '' || /[\n\r]/.test(value)) return undefined;
  return `Environment="${key}=${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function renderUnitFile(o: UnitFileOptions): string {
  for (const p of [o.nodePath, o.supervisorScript]) {
    if (!path.isAbsolute(p)) throw new Error(`the unit needs absolute paths, got ${p}`);
  }
  const envLines = Object.entries(o.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => environmentLine(k, v))
    .filter((l): l is string => l !== undefined);
  return [
    '[Unit]',
    'Description=open-ama (Azure Monitor Agent for Linux, open implementation)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[o.nodePath, ...supervisorNodeFlags(), o.supervisorScript].map(systemdWord).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=mixed',
    'LimitCORE=0',
    `TimeoutStopSec=${STOP_TIMEOUT_SEC}`,
    'CPUAccounting=yes',
    'MemoryAccounting=yes',
    `CPUQuota=${o.limits.cpuQuotaPercent}%`,
    `MemoryMax=${o.limits.memoryMaxMB + SUPERVISOR_MEMORY_HEADROOM_MB}M`,
    'StandardOutput=null',
    'StandardError=journal',
    ...envLines,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
