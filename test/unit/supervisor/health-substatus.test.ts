// A destination's substatus keeps losses and intentional filtering apart: records a DCR's transform
// filters out are "filtered out by the DCR's transform", never "dropped"; real drops name their reasons,
// also those lost before any destination (at a source), which the sources substatus reports.
import { expect, test } from '@jest/globals';
import type { DestinationHealth } from '../../../agent/collector/ipc.js';
import { destinationSubstatus, healthSubstatus } from '../../../agent/supervisor/control/health-substatus.js';

const dest = (over: Partial<DestinationHealth>): DestinationHealth => ({
  id: 'dcr-1/la',
  kind: 'logs-ingestion',
  state: 'ok',
  lastSuccessAt: '2026-12-02T10:00:00.000Z',
  backlogRecords: 0,
  backlogBytes: 0,
  droppedRecords: 0,
  ...over,
});

test('records filtered by the transform are not called dropped', () => {
  const s = destinationSubstatus(dest({ filteredRecords: 33 }));
  expect(s.message).toBe(
    "Logs Ingestion API ok: last successful upload 2026-12-02T10:00:00.000Z, backlog 0 records, 33 records filtered out by the DCR's transform",
  );
  expect(s.message).not.toMatch(/dropped/);
});

test('real drops name their reasons, filtering is counted apart', () => {
  const s = destinationSubstatus(
    dest({ droppedRecords: 5, droppedByReason: { rejected_400: 3, quota: 2 }, filteredRecords: 7 }),
  );
  expect(s.message).toContain(
    ", 5 records dropped (rejected_400 3, quota 2; see collector.log), 7 records filtered out by the DCR's transform",
  );
});

test('drops before any destination are in the sources substatus, which stays success', () => {
  const subs = healthSubstatus({
    configVersion: 1,
    dcrs: [],
    destinations: [],
    sources: [{ id: 'syslog', state: 'ok' }],
    recordsIn: 10,
    recordsOut: 0,
    droppedByReason: { backpressure: 4, no_route: 1 },
    droppedBeforeDestinations: { backpressure: 4, no_route: 1 },
    rssBytes: 0,
  });
  expect(subs.find((s) => s.name === 'sources')).toEqual({
    name: 'sources',
    status: 'success',
    code: 0,
    message:
      'sources ok; 5 records dropped before reaching a destination (backpressure 4, no_route 1; see collector.log)',
  });
});
