// AgentSettings DCRs (`kind: AgentSettings`, `agentSettings.logs: [{ name, value }]`): what they change
// on this agent. MaxDiskQuotaInMB sets the durable queue's quota — AMA's range is 4,000–1,000,000 MB; a
// value outside it is CLAMPED to the nearest bound with a warning, one that is not a whole number is
// ignored with a warning; it takes precedence over the diskQuotaMB public setting; with several DCRs
// carrying it the smallest wins. UseTimeReceivedForForwardedEvents concerns Windows Event Forwarding
// only: accepted and reported as not applicable on Linux. Contract in docs/dcr-support.md "AgentSettings".
import { dcrProperties } from './model.js';

export const AMA_MIN_DISK_QUOTA_MB = 4000;
export const AMA_MAX_DISK_QUOTA_MB = 1_000_000;

export interface AgentSettingsResult {
  /** The queue quota the DCRs ask for, when one does; `from` is the DCR's immutableId (or ref). */
  diskQuota?: { mb: number; from: string };
  /** Warnings per DCR (immutableId or ref), for that DCR's health entry. */
  warnings: { dcr: string; message: string }[];
}

export function agentSettingsOf(inputs: { json: unknown; ref: string; error?: string }[]): AgentSettingsResult {
  const out: AgentSettingsResult = { warnings: [] };
  const quotas: { mb: number; from: string }[] = [];
  for (const input of inputs) {
    if (input.error !== undefined || typeof input.json !== 'object' || input.json === null) continue;
    const { props } = dcrProperties(input.json);
    const logs = (props.agentSettings as { logs?: unknown } | undefined)?.logs;
    if (!Array.isArray(logs)) continue;
    const dcr = typeof props.immutableId === 'string' && props.immutableId !== '' ? props.immutableId : input.ref;
    const warn = (message: string): void => void out.warnings.push({ dcr, message });
    for (const entry of logs as { name?: unknown; value?: unknown }[]) {
      const name = typeof entry?.name === 'string' ? entry.name : '';
      const value = typeof entry?.value === 'string' ? entry.value.trim() : String(entry?.value ?? '');
      if (name === 'MaxDiskQuotaInMB') {
        if (!/^\d+$/.test(value)) {
          warn(`agentSettings MaxDiskQuotaInMB "${value}" is not a whole number of MB; ignored`);
          continue;
        }
        const asked = Number(value);
        const mb = Math.min(AMA_MAX_DISK_QUOTA_MB, Math.max(AMA_MIN_DISK_QUOTA_MB, asked));
        if (mb !== asked)
          warn(
            `agentSettings MaxDiskQuotaInMB ${asked} is outside ${AMA_MIN_DISK_QUOTA_MB}–${AMA_MAX_DISK_QUOTA_MB} MB; clamped to ${mb}`,
          );
        quotas.push({ mb, from: dcr });
      } else if (name === 'UseTimeReceivedForForwardedEvents') {
        warn(
          'agentSettings UseTimeReceivedForForwardedEvents applies to Windows Event Forwarding only; not applicable on Linux',
        );
      } else {
        warn(`agentSettings "${name}" is not an AMA agent setting open-ama knows; ignored`);
      }
    }
  }
  if (quotas.length > 0) {
    const smallest = quotas.reduce((a, b) => (b.mb < a.mb ? b : a));
    out.diskQuota = smallest;
    if (quotas.length > 1)
      out.warnings.push({
        dcr: smallest.from,
        message: `${quotas.length} DCRs set MaxDiskQuotaInMB (${quotas.map((q) => `${q.from}: ${q.mb}`).join(', ')}); the smallest, ${smallest.mb} MB, applies`,
      });
  }
  return out;
}
