// Turns the collector's health (as answered through the supervisor) into status substatus entries:
// collector, dataCollectionRules, one per destination — messages an operator can act on.
import type { CollectorHealth } from '../../collector/ipc.js';

type Sub = { name: string; status: 'success' | 'warning' | 'error' | 'transitioning'; code: number; message: string };

export function healthSubstatus(health: CollectorHealth): Sub[] {
  const subs: Sub[] = [];
  const rejected = health.dcrs.filter((d) => d.state === 'rejected');
  const loaded = health.dcrs.filter((d) => d.state === 'loaded');
  subs.push({
    name: 'dataCollectionRules',
    status: rejected.length > 0 ? 'warning' : 'success',
    code: 0,
    message:
      `${loaded.length} loaded` +
      (loaded.length ? ` (${loaded.map((d) => d.immutableId).join(', ')})` : '') +
      (rejected.length ? `; ${rejected.length} rejected: ${rejected.map((d) => `${d.immutableId}: ${d.reason ?? 'invalid'}`).join('; ')}` : ''),
  });
  for (const d of health.destinations) {
    const parts = [`${d.kind} ${d.state}`, `backlog ${d.backlogRecords} records`];
    if (d.lastSuccessAt) parts.push(`last upload ${d.lastSuccessAt}`);
    if (d.droppedRecords) parts.push(`${d.droppedRecords} dropped`);
    if (d.lastError) parts.push(`last error: ${d.lastError}`);
    subs.push({ name: `destination ${d.id}`, status: d.state === 'ok' ? 'success' : d.state === 'degraded' ? 'warning' : 'error', code: 0, message: parts.join(', ') });
  }
  return subs;
}
