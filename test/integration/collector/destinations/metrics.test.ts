// Azure Monitor custom metrics destination end to end with real components (docs/azure-interfaces.md §5): perf
// samples → per-minute aggregation → durable queue → delivery worker → MetricsUploader → loopback
// HTTPS metrics fake that checks the URL, the token audience, the document shape and the limits.
// Also through a real authenticating tinyproxy, the OPEN_AMA_METRICS_URL override, and 5xx/429
// retried, 400 dropped and counted, 403 degraded — with no document counted twice after a retry.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from '@jest/globals';

import { mkdtemp, readFile } from 'node:fs/promises';

import * as path from 'node:path';
import type { ProxyConfig } from '../../../../agent/config/index.js';
import { agentPaths } from '../../../../agent/config/index.js';

import { testAgentConfig } from '../../../support/agent-config.js';

import { HttpClient } from '../../../../agent/collector/net/http-client.js';

import {
  ManagedIdentityTokenClient,
  detectIdentityEndpoints,
} from '../../../../agent/collector/net/managed-identity.js';

import { fetchInstanceMetadata } from '../../../../agent/collector/net/instance-metadata.js';

import {
  MetricsUploader,
  METRICS_AUDIENCE,
} from '../../../../agent/collector/destinations/metrics/metrics-uploader.js';

import {
  GUEST_METRICS_NAMESPACE,
  MetricAggregator,
} from '../../../../agent/collector/destinations/metrics/metric-aggregator.js';

import { serializeRecord } from '../../../../agent/collector/destinations/batcher.js';

import { DiskQueue } from '../../../../agent/collector/buffer/index.js';

import { CountingDropCounter } from '../../../../agent/collector/drop-counter.js';

import { createComponentFactories } from '../../../../agent/collector/component-factories.js';

import { MAX_FIELD_BYTES } from '../../../../agent/collector/pipeline/lane.js';

import { createNullLogger } from '../../../../agent/telemetry/index.js';

import { FakeMetricsServer } from '../../../fakes/metrics-server.js';

import { startTinyproxy, type TinyproxyHandle } from '../../../fakes/tinyproxy.js';

import { testWhenInstalled, TINYPROXY, unmetRequirements } from '../../../support/os-requirements.js';
import { waitFor } from '../../../support/net.js';
import { useCollectorWorld } from '../../../support/collector-world.js';
import { DeliveryRigs, type DeliveryRig } from '../../../support/delivery-rig.js';

const RESOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
const NO_PROXY: ProxyConfig = { mode: 'none', bypass: [] };
const PROXY_USER = 'metrics';
const PROXY_PASSWORD = 'Metr1csProxyPw';

let metrics: FakeMetricsServer;
let proxy: TinyproxyHandle;

const world = useCollectorWorld('oa-metrics-', {
  imds: { mode: 'imds', resourceId: RESOURCE_ID, location: 'westeurope' },
});

beforeAll(async () => {
  if (!unmetRequirements([TINYPROXY]))
    proxy = await startTinyproxy(path.join(world.dir, 'proxy'), { user: PROXY_USER, password: PROXY_PASSWORD });
});

afterAll(async () => {
  await proxy?.stop();
});

const rigs = new DeliveryRigs(() => world.dir);

beforeEach(async () => {
  metrics = new FakeMetricsServer(world.ca);
  await metrics.start();
  world.imds.tokenRequests = [];
});

afterEach(async () => {
  await rigs.closeAll();
  await metrics.stop();
});

async function rig(proxyConfig: ProxyConfig = NO_PROXY): Promise<DeliveryRig<MetricsUploader>> {
  const logger = createNullLogger();
  // As the collector builds them: IMDS through a client without a proxy route, the destination's with one.
  const direct = new HttpClient();
  const http = new HttpClient({ extraCa: [world.ca.caCert], proxy: { settings: proxyConfig } });
  const endpoints = detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: world.imds.base });
  const tokens = new ManagedIdentityTokenClient({ endpoints, http: direct, retryDelaysMs: [0] });
  const target = () =>
    fetchInstanceMetadata(endpoints, direct).then((m) => ({ region: m.location, resourceId: m.resourceId }));
  const uploader = new MetricsUploader({ baseUrl: metrics.url, target, tokens, http });
  return rigs.open({ uploader, laneId: 'dcr-x/metrics/metrics', stream: 'metrics', logger });
}

/** What the Lane does for a metrics destination: aggregate per minute, queue the closed minutes. */
async function queueAggregated(queue: DiskQueue, records: Record<string, unknown>[], now: number): Promise<number> {
  const agg = new MetricAggregator();
  for (const r of records) agg.add(r);
  const docs = agg.takeClosed(now);
  await queue.append(
    docs.map((d) =>
      Buffer.from(serializeRecord(d as unknown as Record<string, unknown>, { maxFieldBytes: MAX_FIELD_BYTES }).json),
    ),
  );
  return docs.length;
}

const perf = (t: number, counter: string, instance: string, value: number) => ({
  TimeGenerated: new Date(t).toISOString(),
  Computer: 'vm1',
  ObjectName: 'Processor',
  CounterName: counter,
  InstanceName: instance,
  CounterValue: value,
});
const minuteStart = (t: number): number => Math.floor(t / 60_000) * 60_000;
const iso = (t: number): string => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Samples over the two minutes before the current one, with hand-computed aggregates. */
function samples(now: number) {
  const m1 = minuteStart(now) - 2 * 60_000;
  const m2 = m1 + 60_000;
  const records = [
    perf(m1 + 5_000, '% Processor Time', '_Total', 10),
    perf(m1 + 15_000, '% Processor Time', '_Total', 30),
    perf(m1 + 25_000, '% Processor Time', '_Total', 20),
    perf(m1 + 5_000, '% Processor Time', '0', 7.5),
    perf(m1 + 45_000, '% Processor Time', '0', -1),
    perf(m2 + 1_000, '% Processor Time', '_Total', 50),
    perf(m1 + 10_000, 'Available MBytes', '_Total', 2048),
    perf(m1 + 40_000, 'Available MBytes', '_Total', 1024),
  ];
  const expected = {
    '% Processor Time': [
      { time: iso(m1), dimValues: ['_Total'], min: 10, max: 30, sum: 60, count: 3 },
      { time: iso(m1), dimValues: ['0'], min: -1, max: 7.5, sum: 6.5, count: 2 },
      { time: iso(m2), dimValues: ['_Total'], min: 50, max: 50, sum: 50, count: 1 },
    ],
    'Available MBytes': [{ time: iso(m1), dimValues: ['_Total'], min: 1024, max: 2048, sum: 3072, count: 2 }],
  };
  return { records, expected, docs: 3 };
}

const byTimeAndInstance = (
  a: { time: string; dimValues: string[] },
  b: { time: string; dimValues: string[] },
): number => `${a.time}|${a.dimValues.join()}`.localeCompare(`${b.time}|${b.dimValues.join()}`);

describe('Azure Monitor Metrics destination against the HTTPS fake', () => {
  test('perf samples aggregated per minute arrive with the right min/max/sum/count, at {resourceId}/metrics, with a monitoring.azure.com/ token', async () => {
    const now = Date.now();
    const { records, expected, docs } = samples(now);
    const r = await rig();
    expect(await queueAggregated(r.queue, records, now)).toBe(docs);
    r.worker.start();
    await waitFor(() => metrics.accepted.length === docs, 20_000, 'metric documents');
    for (const [metric, series] of Object.entries(expected)) {
      expect(metrics.series(metric).sort(byTimeAndInstance)).toEqual([...series].sort(byTimeAndInstance));
    }
    for (const a of metrics.accepted) {
      expect(a.resourceId).toBe(RESOURCE_ID);
      expect(a.authorization).toBe('Bearer test-ingestion-token');
      expect(a.gzip).toBe(true);
      expect(a.document.data.baseData.namespace).toBe(GUEST_METRICS_NAMESPACE);
      expect(a.document.data.baseData.dimNames).toEqual(['instance']);
    }
    expect(metrics.rejected).toEqual([]);
    expect(world.imds.tokenRequests.map((t) => t.resource)).toEqual([METRICS_AUDIENCE]);
    expect(METRICS_AUDIENCE).toBe('https://monitoring.azure.com/');
    expect(r.worker.health).toMatchObject({ state: 'ok', sentRecords: docs, droppedRecords: 0 });
  });

  test('without an override the endpoint is https://{region}.monitoring.azure.com{resourceId}/metrics', async () => {
    const http = new HttpClient();
    const up = new MetricsUploader({
      target: async () => ({ region: 'westeurope', resourceId: RESOURCE_ID }),
      tokens: new ManagedIdentityTokenClient({
        endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: world.imds.base }),
        http,
      }),
      http,
    });
    expect((await up.url()).url.href).toBe(`https://westeurope.monitoring.azure.com${RESOURCE_ID}/metrics`);
    await up.close();
  });

  test("the collector builds the metrics uploader on OPEN_AMA_METRICS_URL and the machine's resource ID from IMDS", async () => {
    const root = await mkdtemp(path.join(world.dir, 'root-'));
    const env = { OPEN_AMA_ROOT: root, OPEN_AMA_IMDS_URL: world.imds.base, OPEN_AMA_METRICS_URL: `${metrics.url}/` };
    const logger = createNullLogger();
    const factories = createComponentFactories({
      paths: agentPaths(env),
      env,
      logger,
      drops: new CountingDropCounter(logger),
      computer: 'vm1',
      checkpoints: { load: async () => undefined, save: async () => undefined },
      config: testAgentConfig({ writtenAt: '', proxy: NO_PROXY, diskQuotaMB: 100 }, root),
    });
    const up = factories.uploader({
      id: 'dcr-x/metrics',
      kind: 'metrics',
      dcrImmutableId: 'dcr-x',
      name: 'metrics',
      key: '',
    });
    expect(up).toBeInstanceOf(MetricsUploader);
    expect((await (up as MetricsUploader).url()).url.href).toBe(`${metrics.url}${RESOURCE_ID}/metrics`);
    await up.close();
  });

  testWhenInstalled('metrics through a proxy', [TINYPROXY])(
    'through an authenticating HTTP proxy: documents go through the CONNECT tunnel, IMDS never does',
    async () => {
      const before = await proxy.connectCount();
      const now = Date.now();
      const { records, expected, docs } = samples(now);
      const r = await rig({
        mode: 'application',
        address: proxy.url,
        username: PROXY_USER,
        password: PROXY_PASSWORD,
        bypass: [],
      });
      await queueAggregated(r.queue, records, now);
      r.worker.start();
      await waitFor(() => metrics.accepted.length === docs, 20_000, 'metric documents through the proxy');
      expect(metrics.series('Available MBytes')).toEqual(expected['Available MBytes']);
      expect(await proxy.connectCount()).toBeGreaterThan(before);
      const log = await readFile(proxy.logFile, 'utf8');
      expect(log).toContain(`127.0.0.1:${new URL(metrics.url).port}`);
      expect(log).not.toContain(`:${new URL(world.imds.base).port}`);
    },
  );

  test('names over 256 characters are cut to the service limit and accepted', async () => {
    const now = Date.now();
    const long = 'C'.repeat(300);
    const r = await rig();
    await queueAggregated(r.queue, [perf(minuteStart(now) - 60_000 + 1_000, long, 'i'.repeat(400), 1)], now);
    r.worker.start();
    await waitFor(() => metrics.accepted.length === 1, 20_000, 'the document');
    expect(metrics.accepted[0]!.document.data.baseData.metric).toBe('C'.repeat(256));
    expect(metrics.accepted[0]!.document.data.baseData.series[0]!.dimValues).toEqual(['i'.repeat(256)]);
  });

  test.each([
    ['503 with Retry-After', { status: 503, headers: { 'retry-after': '0' } }],
    ['429 with Retry-After', { status: 429, headers: { 'retry-after': '1' } }],
    ['500', { status: 500 }],
  ])('%s is retried and everything arrives', async (_name, failure) => {
    const now = Date.now();
    const { records, expected, docs } = samples(now);
    const r = await rig();
    await queueAggregated(r.queue, records, now);
    metrics.inject({ ...failure, times: 1 });
    r.worker.start();
    await waitFor(() => metrics.accepted.length >= docs, 30_000, 'documents after the retry');
    expect(metrics.rejected.map((x) => x.status)).toEqual([failure.status]);
    expect(metrics.series('% Processor Time').sort(byTimeAndInstance)).toEqual(
      [...expected['% Processor Time']].sort(byTimeAndInstance),
    );
    expect(r.drops.byReason).toEqual({});
    expect(r.worker.health.retries).toBe(1);
  });

  test('a failure after some documents of a batch were accepted re-sends only the rest (no minute counted twice)', async () => {
    const now = Date.now();
    const { records, docs } = samples(now);
    const r = await rig();
    await queueAggregated(r.queue, records, now);
    metrics.inject({ status: 503, headers: { 'retry-after': '0' }, times: 1, afterAccepted: 1 }); // the second document fails once
    r.worker.start();
    await waitFor(
      () => metrics.accepted.length >= docs && r.queue.stats().entries === 0,
      30_000,
      'documents after the retry',
    );
    expect(metrics.rejected.map((x) => x.status)).toEqual([503]);
    const keys = metrics.accepted.map((a) => `${a.document.time}|${a.document.data.baseData.metric}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(metrics.accepted).toHaveLength(docs);
  });

  test('400 (e.g. a minute older than the 20-minute window) is dropped and counted as rejected_400, not retried', async () => {
    const now = Date.now();
    const r = await rig();
    await queueAggregated(r.queue, [perf(now - 40 * 60_000, '% Processor Time', '_Total', 5)], now);
    r.worker.start();
    await waitFor(() => r.drops.byReason.rejected_400 === 1, 20_000, 'the drop');
    expect(metrics.rejected).toEqual([
      { status: 400, reason: expect.stringMatching(/more than 20 minutes in the past/) },
    ]);
    expect(metrics.accepted).toEqual([]);
    expect(r.worker.health.lastError).toMatch(/^400 from the custom metrics endpoint/);
    await waitFor(() => r.queue.stats().entries === 0, 10_000, 'queue drained');
  });

  test('after an outage, one document outside the 20-minute window does not cost the valid ones queued with it', async () => {
    const now = Date.now();
    const { records, expected, docs } = samples(now);
    const r = await rig();
    await queueAggregated(r.queue, [perf(now - 40 * 60_000, '% Processor Time', '_Total', 5), ...records], now);
    r.worker.start();
    await waitFor(() => r.queue.stats().entries === 0 && metrics.requests >= docs + 1, 20_000, 'the batch settled');
    expect(metrics.rejected.map((x) => x.status)).toEqual([400]);
    expect(metrics.series('% Processor Time').sort(byTimeAndInstance)).toEqual(
      [...expected['% Processor Time']].sort(byTimeAndInstance),
    );
    expect(metrics.series('Available MBytes')).toEqual(expected['Available MBytes']);
    expect(r.drops.byReason.rejected_400).toBeGreaterThanOrEqual(1);
    expect(r.worker.health.lastError).toMatch(/1 of 4 metric documents rejected, the others accepted/);
  });

  test('403 degrades the destination with a message naming the missing role, and keeps the data', async () => {
    const now = Date.now();
    const { records, docs } = samples(now);
    const r = await rig();
    await queueAggregated(r.queue, records, now);
    metrics.inject({ status: 403, times: 1, body: 'AuthorizationFailed' });
    r.worker.start();
    await waitFor(() => r.worker.health.state === 'degraded', 20_000, 'degraded');
    expect(r.worker.health.lastError).toMatch(
      /^403 from the custom metrics endpoint for \/subscriptions\/.* lacks Monitoring Metrics Publisher on the resource/,
    );
    expect(r.queue.stats().entries).toBe(docs);
    expect(r.drops.byReason).toEqual({});
  });

  test('a wrong token audience or expired token (401) refreshes once, then delivers', async () => {
    const now = Date.now();
    const { records, docs } = samples(now);
    const r = await rig();
    await queueAggregated(r.queue, records, now);
    metrics.inject({ status: 401, times: 1 });
    r.worker.start();
    await waitFor(() => metrics.accepted.length === docs, 20_000, 'documents');
    expect(world.imds.tokenRequests.map((t) => t.resource)).toEqual([METRICS_AUDIENCE, METRICS_AUDIENCE]);
  });
});
