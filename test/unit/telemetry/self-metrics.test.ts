// SelfMetrics (agent/telemetry/self-metrics.ts): nothing is counted or loaded before enable(); label
// values taken from DCRs (any characters) come back unchanged through the exposition's escaping; every
// metric has its HELP and TYPE; the queue gauge is read at scrape time, so a lane removed by a reload
// disappears from it while counters keep their series.
import { expect, test } from '@jest/globals';
import { SelfMetrics } from '../../../agent/telemetry/self-metrics.js';
import { parseExposition } from '../../support/exposition.js';

test('counts nothing before enable(), then exposes escaped labels, HELP/TYPE and a scrape-time queue gauge', async () => {
  const m = new SelfMetrics();
  const odd = { dcr: 'dcr-1', data_source: 'quote " backslash \\ newline \n end', stream: 'Custom-A_CL' };
  m.recordsIn(odd, 5);
  expect(m.enabled).toBe(false);
  expect(await m.text()).toBe('');

  await m.enable();
  m.recordsIn(odd, 2);
  m.recordsFiltered({ dcr: 'dcr-1', destination: 'la', stream: 'Custom-A_CL' }, 3);
  m.tokenRefreshed();
  let lanes = [
    { labels: { dcr: 'dcr-1', destination: 'la', stream: 'Custom-A_CL' }, bytes: 100 },
    { labels: { dcr: 'dcr-2', destination: 'la', stream: 'Microsoft-Syslog' }, bytes: 7 },
  ];
  m.setQueueBytesSource(() => lanes);
  const text = await m.text();
  const samples = parseExposition(text);
  expect(samples.filter((s) => s.name === 'open_ama_records_in_total')).toEqual([
    { name: 'open_ama_records_in_total', labels: odd, value: 2 },
  ]);
  expect(samples.filter((s) => s.name === 'open_ama_queue_bytes').map((s) => [s.labels.dcr, s.value])).toEqual([
    ['dcr-1', 100],
    ['dcr-2', 7],
  ]);
  for (const family of [
    'open_ama_records_in_total',
    'open_ama_records_filtered_total',
    'open_ama_token_refreshes_total',
  ])
    expect(text).toMatch(new RegExp(`^# HELP ${family} .+\\n# TYPE ${family} counter$`, 'm'));
  expect(text).toMatch(/^# TYPE open_ama_queue_bytes gauge$/m);
  expect(text).toMatch(/^# TYPE open_ama_upload_latency_seconds histogram$/m);

  lanes = [lanes[1]!]; // a reload removed dcr-1's lane
  const after = parseExposition(await m.text());
  expect(after.filter((s) => s.name === 'open_ama_queue_bytes').map((s) => s.labels.dcr)).toEqual(['dcr-2']);
  expect(after.find((s) => s.name === 'open_ama_records_filtered_total')?.value).toBe(3);
});
