// systemd unit for the supervisor (used when systemd is PID 1): runs from the install dir (never from
// the extension dir the guest agent may delete), restarts on failure, and carries the resource limits.
import type { ResourceLimits } from '../../config/index.js';

export const UNIT_NAME = 'open-ama.service';

export function renderUnitFile(o: { nodePath: string; supervisorScript: string; limits: ResourceLimits; env: Record<string, string> }): string {
  const envLines = Object.entries(o.env)
    .filter(([, v]) => v !== '')
    .map(([k, v]) => `Environment="${k}=${v.replace(/"/g, '\\"')}"`);
  return [
    '[Unit]',
    'Description=open-ama (Azure Monitor Agent for Linux, open implementation)',
    'After=network-online.target',
    'Wants=network-online.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${o.nodePath} --max-semi-space-size=1 --max-old-space-size=64 ${o.supervisorScript}`,
    'Restart=on-failure',
    'RestartSec=5',
    'KillMode=mixed',
    'TimeoutStopSec=60',
    `CPUQuota=${o.limits.cpuQuotaPercent}%`,
    `MemoryMax=${o.limits.memoryMaxMB}M`,
    'StandardOutput=null',
    'StandardError=journal',
    ...envLines,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
