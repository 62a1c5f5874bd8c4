// Turns the collector's health into status substatus entries an operator can act on: the essential
// text first (the portal shows about 1 KiB), e.g. "403 from DCR dcr-… — the machine identity lacks
// Monitoring Metrics Publisher on the DCR; backlog 120 records, last successful upload never".
// Shared by the handler's enable (first status) and the supervisor's reporter (live status).
import type { CollectorHealth, DestinationHealth } from '../../collector/ipc.js';

export type HealthSubstatus = {
  name: string;
  status: 'success' | 'warning' | 'error' | 'transitioning';
  code: number;
  message: string;
};

const KIND_LABEL: Record<DestinationHealth['kind'], string> = {
  'logs-ingestion': 'Logs Ingestion API',
  metrics: 'custom metrics',
  file: 'local file',
};

function backlogText(d: DestinationHealth): string {
  const mb = d.backlogBytes >= 1024 * 1024 ? ` (${(d.backlogBytes / 1024 / 1024).toFixed(1)} MB)` : '';
  return `backlog ${d.backlogRecords} records${mb}`;
}

/**
 * Losses and intentional filtering, apart: ", 3 records dropped (rejected_400 3; see collector.log),
 * 33 records filtered out by the DCR's transform". Filtering is never called a drop (docs/reliability.md).
 */
function dropText(d: DestinationHealth): string {
  const reasons = Object.entries(d.droppedByReason ?? {})
    .filter(([, n]) => n > 0)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ');
  const dropped = d.droppedRecords
    ? `, ${d.droppedRecords} records dropped (${reasons ? `${reasons}; ` : ''}see collector.log)`
    : '';
  const filtered = d.filteredRecords ? `, ${d.filteredRecords} records filtered out by the DCR's transform` : '';
  return dropped + filtered;
}

export function destinationSubstatus(d: DestinationHealth): HealthSubstatus {
  const last = `last successful upload ${d.lastSuccessAt ?? 'never'}`;
  const dropped = dropText(d);
  if (d.state === 'ok') {
    return {
      name: `destination ${d.id}`,
      status: 'success',
      code: 0,
      message: `${KIND_LABEL[d.kind]} ok: ${last}, ${backlogText(d)}${dropped}`,
    };
  }
  const problem = d.lastError ?? (d.state === 'failed' ? 'uploads are failing' : 'uploads are being retried');
  return {
    name: `destination ${d.id}`,
    status: d.state === 'degraded' ? 'warning' : 'error',
    code: 0,
    message: `${KIND_LABEL[d.kind]} ${d.state}: ${problem}; ${backlogText(d)} kept on disk for retry, ${last}${dropped}`,
  };
}

/** A loaded DCR's warnings (parts ignored on Linux, unknown properties), the first three in full. */
function dcrWarningsText(warnings: string[]): string {
  const more = warnings.length > 3 ? `; ${warnings.length - 3} more in collector.log` : '';
  return `, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${warnings.slice(0, 3).join('; ')}${more}`;
}

export function healthSubstatus(health: CollectorHealth): HealthSubstatus[] {
  const rejected = health.dcrs.filter((d) => d.state === 'rejected');
  const loaded = health.dcrs.filter((d) => d.state === 'loaded');
  const warned = loaded.some((d) => (d.warnings ?? []).length > 0);
  const subs: HealthSubstatus[] = [
    {
      name: 'dataCollectionRules',
      status: rejected.length === 0 ? (warned ? 'warning' : 'success') : loaded.length === 0 ? 'error' : 'warning',
      code: 0,
      message:
        (rejected.length
          ? `${rejected.length} rejected: ${rejected.map((d) => `${d.immutableId}: ${d.reason ?? 'invalid'}`).join('; ')}; `
          : '') +
        `${loaded.length} loaded` +
        (loaded.length
          ? ` (${loaded.map((d) => `${d.immutableId} from ${d.source}${d.warnings?.length ? dcrWarningsText(d.warnings) : ''}`).join(', ')})`
          : ''),
    },
  ];
  const badSources = health.sources.filter((s) => s.state !== 'ok');
  const early = Object.entries(health.droppedBeforeDestinations ?? {}).filter(([, n]) => n > 0);
  const earlyText = early.length
    ? `${early.reduce((sum, [, n]) => sum + n, 0)} records dropped before reaching a destination (${early.map(([r, n]) => `${r} ${n}`).join(', ')}; see collector.log)`
    : '';
  if (badSources.length) {
    subs.push({
      name: 'sources',
      status: badSources.some((s) => s.state === 'failed') ? 'error' : 'warning',
      code: 0,
      message:
        badSources.map((s) => `${s.id} ${s.state}${s.detail ? `: ${s.detail}` : ''}`).join('; ') +
        (earlyText ? `; ${earlyText}` : ''),
    });
  } else if (earlyText) {
    // A count since the collector started, not a current problem: reported, but success (no NotReady heartbeat).
    subs.push({ name: 'sources', status: 'success', code: 0, message: `sources ok; ${earlyText}` });
  }
  for (const d of health.destinations) subs.push(destinationSubstatus(d));
  return subs;
}
