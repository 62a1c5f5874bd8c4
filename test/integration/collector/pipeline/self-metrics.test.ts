// Issue 16, "Metrics", through the real collector process: a Syslog DCR whose transform filters some
// records (`where`), an ingestion fake that answers 503 with Retry-After once (one retry) and, later, 400
// once (a real drop). Every metric in docs/troubleshooting.md's table must then be served on /metrics with
// a non-zero value (the queue gauge at some scrape while the 503 held the batch), every open_ama_ metric
// served must be in that table (docs and code cannot drift), labels carry the DCR's own names (no internal
// node ids), the status substatus says "filtered" for the transform and "dropped" only for the loss, and
// collector.log names the drop's reason and place.
import { expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { healthSubstatus } from '../../../../agent/supervisor/control/health-substatus.js';
import { useCollectorWorld } from '../../../support/collector-world.js';
import { REPO, startCollector, syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { parseExposition, type Sample } from '../../../support/exposition.js';
import { freePort, sendSyslog, waitFor } from '../../../support/net.js';

const world = useCollectorWorld('oa-self-metrics-');
const DCR = 'dcr-5e1f0000000000000000000000000016';

/** The metric names in the table of docs/troubleshooting.md's "## Metrics" section. */
function documentedMetrics(): string[] {
  const doc = readFileSync(path.join(REPO, 'docs/troubleshooting.md'), 'utf8');
  const start = doc.indexOf('\n## Metrics');
  const end = doc.indexOf('\n## ', start + 3);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `(open_ama_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!);
}

test('docs/troubleshooting.md lists the metrics (the table parses)', () => {
  expect(documentedMetrics().length).toBeGreaterThanOrEqual(10);
});

test('every documented metric is served non-zero after an upload, a retry, a filtering transform and a drop', async () => {
  const ingestion = await world.ingestion();
  const dcr = syslogToLaDcr(DCR, ingestion.url) as {
    properties: { dataFlows: { transformKql?: string }[] };
  };
  dcr.properties.dataFlows[0]!.transformKql = 'source | where SyslogMessage !contains "noise"';
  const root = world.newRoot('metrics');
  const syslogPort = await freePort();
  const metricsPort = await freePort();
  writeConfig(root, [dcr], { selfMetrics: { port: metricsPort } });
  ingestion.inject({ status: 503, headers: { 'retry-after': '3' }, times: 1 });
  const child = await startCollector(root, world.env(syslogPort), syslogPort);

  const maxSeen = new Map<string, number>();
  let last: Sample[] = [];
  const scrape = async (): Promise<Sample[]> => {
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5000) });
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    last = parseExposition(await res.text());
    for (const s of last) maxSeen.set(s.name, Math.max(maxSeen.get(s.name) ?? 0, s.value));
    return last;
  };
  const value = (name: string, labels: Record<string, string> = {}): number =>
    last
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
  const delivered = (): string[] => ingestion.records('Custom-OpenAma-Syslog').map((r) => String(r.SyslogMessage));

  // 1. Upload, with one 503 + Retry-After first: the batch waits in the queue, then goes.
  await sendSyslog(syslogPort, ['keep 1', 'noise 1', 'keep 2', 'noise 2', 'keep 3']);
  await waitFor(
    async () => {
      await scrape();
      return delivered().length >= 3;
    },
    60_000,
    'the three kept records delivered after the retry',
  );
  expect(ingestion.rejected.map((r) => r.status)).toEqual([503]);
  // 2. A batch the service rejects with 400: a real drop.
  ingestion.inject({ status: 400, body: '{"error":{"code":"InvalidStream"}}', times: 1 });
  await sendSyslog(syslogPort, ['rejected 1', 'rejected 2']);
  await waitFor(
    async () => (await scrape(), value('open_ama_dropped_records_total') > 0),
    60_000,
    'the 400 drop counted',
  );
  // 3. Delivery goes on.
  await sendSyslog(syslogPort, ['keep 4']);
  await waitFor(() => delivered().includes('keep 4'), 60_000, 'a later record delivered');
  await waitFor(
    async () => (await scrape(), value('open_ama_records_out_total') === delivered().length),
    20_000,
    'records_out_total catches up with what the fake accepted',
  );

  // Every documented metric was served non-zero (a histogram by its _count; the queue gauge while the
  // 503's Retry-After held the batch).
  const zero = documentedMetrics().filter((m) => !((maxSeen.get(m) ?? maxSeen.get(`${m}_count`) ?? 0) > 0));
  expect(zero).toEqual([]);
  // Every open_ama_ metric served is documented (prom-client's process/nodejs defaults aside).
  const families = new Set(last.map((s) => s.name.replace(/_(bucket|sum|count)$/, '')));
  const undocumented = [...families].filter(
    (f) =>
      f.startsWith('open_ama_') &&
      !/^open_ama_(process|nodejs)_/.test(f) &&
      !documentedMetrics().includes(f) &&
      !documentedMetrics().includes(`${f}_total`),
  );
  expect(undocumented).toEqual([]);

  // Readable labels: the DCR's own names, the same keys everywhere, no internal node ids.
  const named = { dcr: DCR, data_source: 'all', destination: 'la', stream: 'Microsoft-Syslog' };
  for (const s of last.filter((x) => x.name.startsWith('open_ama_'))) {
    for (const [k, v] of Object.entries(named))
      if (k in s.labels) expect(`${s.name} ${k}=${s.labels[k]}`).toBe(`${s.name} ${k}=${v}`);
  }
  const rejected = 2 - delivered().filter((m) => m.startsWith('rejected')).length;
  expect(value('open_ama_records_in_total', { dcr: DCR, data_source: 'all', stream: 'Microsoft-Syslog' })).toBe(8);
  expect(value('open_ama_records_filtered_total', { dcr: DCR, destination: 'la', stream: 'Microsoft-Syslog' })).toBe(2);
  expect(value('open_ama_records_out_total', { dcr: DCR, destination: 'la' })).toBe(delivered().length);
  expect(value('open_ama_dropped_records_total', { reason: 'rejected_400', destination: 'la' })).toBe(rejected);
  expect(value('open_ama_dropped_records_total')).toBe(rejected);
  expect(value('open_ama_upload_retries_total', { destination: 'la' })).toBe(1);
  expect(value('open_ama_http_responses_total', { destination: 'la', status: '503' })).toBe(1);
  expect(value('open_ama_http_responses_total', { destination: 'la', status: '400' })).toBe(1);
  expect(
    value('open_ama_http_responses_total', { destination: 'la', status: '204' }) +
      value('open_ama_http_responses_total', { destination: 'la', status: '200' }),
  ).toBe(ingestion.accepted.length);
  expect(
    Date.now() / 1000 - value('open_ama_destination_last_success_timestamp_seconds', { destination: 'la' }),
  ).toBeLessThan(600);
  expect(last.find((s) => s.name === 'open_ama_build_info')?.labels.node_version).toBe(process.version);

  // The status: filtering is "filtered out by the DCR's transform", only the 400 is "dropped".
  const dest = healthSubstatus(await child.health()).find((s) => s.name.startsWith('destination '))!;
  expect(dest.message).toContain(", 2 records filtered out by the DCR's transform");
  expect(dest.message).toContain(`, ${rejected} records dropped (rejected_400 ${rejected}; see collector.log)`);
  // ...and collector.log says so, naming the reason and the place.
  const log = (): string => readFileSync(path.join(root, 'log', 'collector.log'), 'utf8');
  await waitFor(() => /reason rejected_400/.test(log()), 10_000, 'the drop in collector.log');
  expect(log()).toMatch(
    new RegExp(
      `dropped ${rejected} record\\(s\\), reason rejected_400 .* at DCR ${DCR} destination la stream Microsoft-Syslog`,
    ),
  );
  expect(log()).not.toMatch(/dropped \d+ record\(s\), reason filtered/);
  await child.stop();
}, 180_000);
