// Logs Ingestion delivery with real components end to end (docs/azure-interfaces.md §4): durable queue → delivery
// worker → LogsIngestionUploader → HTTPS fake (test CA), tokens from the IMDS fake. Proves the URL
// shape and audience, 413 → split with every record delivered once, 400 → dropped, counted
// ("rejected_400") and a redacted sample logged, 401 → exactly one token refresh then success, and a
// persistent 401 → degraded with the data kept.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';

import { readFile } from 'node:fs/promises';

import * as path from 'node:path';
import { HttpClient } from '../../../../agent/collector/net/http-client.js';

import {
  ManagedIdentityTokenClient,
  detectIdentityEndpoints,
} from '../../../../agent/collector/net/managed-identity.js';

import { logsIngestionAudience } from '../../../../agent/collector/net/instance-metadata.js';

import { LogsIngestionUploader } from '../../../../agent/collector/destinations/logs-ingestion/logs-ingestion-uploader.js';

import { audienceForEndpoint } from '../../../../agent/collector/component-factories.js';

import { closeLogger, createLogger, createNullLogger, type Logger } from '../../../../agent/telemetry/index.js';

import { FakeIngestionServer } from '../../../fakes/ingestion-server.js';

import { type FakeImdsOptions } from '../../../fakes/imds-server.js';
import { waitFor } from '../../../support/net.js';
import { useCollectorWorld } from '../../../support/collector-world.js';
import { DeliveryRigs, type DeliveryRig } from '../../../support/delivery-rig.js';

const DCR = 'dcr-0123456789abcdef0123456789abcdef';

const STREAM = 'Custom-OpenAma-Syslog';
const GOOD_TOKEN = 'test-ingestion-token';

let ingestion: FakeIngestionServer;
const imdsOptions: FakeImdsOptions = { mode: 'imds', token: GOOD_TOKEN };
const world = useCollectorWorld('oa-li-', { imds: imdsOptions });

const rigs = new DeliveryRigs(() => world.dir);
type Rig = DeliveryRig<LogsIngestionUploader> & { tokens: ManagedIdentityTokenClient };

beforeEach(async () => {
  ingestion = new FakeIngestionServer(world.ca);
  await ingestion.start();
  imdsOptions.token = GOOD_TOKEN;
  world.imds.tokenRequests = [];
});

afterEach(async () => {
  await rigs.closeAll();
  await ingestion.stop();
});

async function rig(o: { logger?: Logger; audience?: string; endpoint?: string } = {}): Promise<Rig> {
  const logger = o.logger ?? createNullLogger();
  const http = new HttpClient({ extraCa: [world.ca.caCert] });
  const tokens = new ManagedIdentityTokenClient({
    endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: world.imds.base }),
    http,
    retryDelaysMs: [0],
  });
  const uploader = new LogsIngestionUploader({
    endpoint: o.endpoint ?? ingestion.url,
    dcrImmutableId: DCR,
    audience: o.audience ?? 'https://monitor.azure.com',
    tokens,
    http,
  });
  return { ...(await rigs.open({ uploader, laneId: `${DCR}/la/${STREAM}`, stream: STREAM, logger })), tokens };
}

const record = (i: number, pad = 0): Buffer =>
  Buffer.from(JSON.stringify({ TimeGenerated: '2026-11-25T10:00:00Z', SyslogMessage: `seq=${i} ${'p'.repeat(pad)}` }));
const seqs = (): number[] =>
  ingestion.records(STREAM).map((r) => Number(/seq=(\d+)/.exec(String(r.SyslogMessage))![1]));
const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => from + i);

describe('Logs Ingestion upload against the HTTPS fake', () => {
  test("POSTs gzip'd arrays to {endpoint}/dataCollectionRules/{immutableId}/streams/{stream}?api-version=2023-01-01 with a monitor.azure.com token", async () => {
    const r = await rig({ endpoint: `${ingestion.url}/` });
    expect(r.uploader.urlFor(STREAM).href).toBe(
      `${ingestion.url}/dataCollectionRules/${DCR}/streams/${STREAM}?api-version=2023-01-01`,
    );
    expect(r.uploader.urlFor('Custom-My App_CL').pathname).toBe(
      `/dataCollectionRules/${DCR}/streams/Custom-My%20App_CL`,
    );
    await r.queue.append(range(0, 20).map((i) => record(i)));
    r.worker.start();
    // The fake holds the records before the lane has its 2xx: wait for the lane's count too (811794e).
    await waitFor(() => seqs().length === 20 && r.worker.health.sentRecords === 20, 20_000, 'records acknowledged');
    expect(seqs()).toEqual(range(0, 20));
    expect(
      ingestion.accepted.every(
        (a) => a.dcr === DCR && a.stream === STREAM && a.authorization === `Bearer ${GOOD_TOKEN}`,
      ),
    ).toBe(true);
    expect(ingestion.accepted.every((a) => a.compressedBytes < a.uncompressedBytes)).toBe(true);
    expect(world.imds.tokenRequests.map((t) => t.resource)).toEqual(['https://monitor.azure.com']);
    expect(r.worker.health).toMatchObject({ state: 'ok', sentRecords: 20, droppedRecords: 0 });
    expect(r.queue.stats().entries).toBe(0);
  });

  test('the token audience follows the cloud: monitor.azure.com, .us for Azure Government, .cn for Azure China', async () => {
    expect(audienceForEndpoint('https://dce-1.westeurope-1.ingest.monitor.azure.com')).toBe(
      'https://monitor.azure.com',
    );
    expect(audienceForEndpoint('https://dcr-1.usgovvirginia-1.ingest.monitor.azure.us')).toBe(
      'https://monitor.azure.us',
    );
    expect(audienceForEndpoint('https://dcr-1.chinanorth3-1.ingest.monitor.azure.cn')).toBe('https://monitor.azure.cn');
    expect(logsIngestionAudience('AzureUSGovernmentCloud')).toBe('https://monitor.azure.us');
    expect(logsIngestionAudience('AzureChinaCloud')).toBe('https://monitor.azure.cn');
    const r = await rig({ audience: audienceForEndpoint('https://dcr-1.usgovvirginia-1.ingest.monitor.azure.us') });
    const outcome = await r.uploader.upload(
      { stream: STREAM, records: [], body: (await import('node:zlib')).gzipSync('[]'), uncompressedBytes: 2 },
      { forceTokenRefresh: false },
    );
    expect(outcome.status).toBe(204);
    expect(world.imds.tokenRequests.map((t) => t.resource)).toEqual(['https://monitor.azure.us']);
  });

  test('413 → the batch is split and every record is delivered exactly once', async () => {
    const r = await rig();
    const n = 1500;
    await r.queue.append(range(0, n).map((i) => record(i, 300)));
    ingestion.inject({ status: 413, times: 1 });
    r.worker.start();
    await waitFor(() => seqs().length >= n, 30_000, 'all records');
    expect(ingestion.rejected.map((x) => x.status)).toEqual([413]);
    expect(seqs().sort((a, b) => a - b)).toEqual(range(0, n));
    expect(r.drops.byReason).toEqual({});
    expect(r.worker.health).toMatchObject({ state: 'ok', sentRecords: n, droppedRecords: 0 });
    await waitFor(() => r.queue.stats().entries === 0, 10_000, 'queue drained');
  });

  test('400 → the request is dropped, counted as rejected_400, and logged with a redacted sample; later records still go', async () => {
    const logDir = path.join(world.dir, 'log-400');
    const logger = createLogger({ logDir, fileName: 'collector.log', level: 'info' });
    const r = await rig({ logger });
    const secretLooking = 'Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.sample.signature';
    await r.queue.append([
      Buffer.from(JSON.stringify({ TimeGenerated: 'not a date', SyslogMessage: `seq=0 bad row ${secretLooking}` })),
      record(1),
      record(2),
    ]);
    ingestion.inject({ status: 400, times: 1, body: 'InvalidStream: column TimeGenerated is not a datetime' });
    r.worker.start();
    await waitFor(() => r.drops.byReason.rejected_400 === 3, 20_000, 'the rejected request counted');
    await r.queue.append([record(3), record(4)]);
    await waitFor(() => seqs().length === 2, 20_000, 'later records');
    expect(seqs()).toEqual([3, 4]);
    expect(r.drops.byReason).toEqual({ rejected_400: 3 });
    expect(r.worker.health.droppedRecords).toBe(3);
    expect(r.worker.health.lastError).toMatch(
      /^400 from DCR dcr-0123456789abcdef0123456789abcdef stream Custom-OpenAma-Syslog \(Fake400: InvalidStream: column TimeGenerated/,
    );
    await r.worker.stop();
    await closeLogger(logger);
    const log = await readFile(path.join(logDir, 'collector.log'), 'utf8');
    const line = log.split('\n').find((l) => l.includes('dropping 3 records'));
    expect(line).toBeDefined();
    expect(line).toContain('InvalidStream'); // the service's reason
    expect(line).toContain('seq=0 bad row'); // a sample of what was rejected
    expect(line).not.toContain('eyJ0eXAiOiJKV1QiLCJhbGciOi'); // bearer-looking data is redacted
    expect(log).not.toContain(GOOD_TOKEN);
    expect(log).toMatch(/dropped 3 record\(s\), reason rejected_400 /);
  });

  test('401 → one token refresh, then success (also across a 413 split of the same batch)', async () => {
    const r = await rig();
    imdsOptions.token = 'stale-token-aaaa';
    await r.tokens.getToken('https://monitor.azure.com'); // cached; the service no longer accepts it
    imdsOptions.token = GOOD_TOKEN;
    world.imds.tokenRequests = [];
    const n = 400;
    await r.queue.append(range(0, n).map((i) => record(i, 100)));
    ingestion.inject({ status: 413, times: 1 }); // consumed only once the token is good
    r.worker.start();
    // The fake holds the records once it has read the request; the lane counts them once it has the 2xx.
    await waitFor(() => seqs().length >= n && r.worker.health.sentRecords >= n, 20_000, 'all records acknowledged');
    expect(ingestion.rejected.map((x) => x.status)).toEqual([401, 413]);
    expect(seqs().sort((a, b) => a - b)).toEqual(range(0, n));
    expect(world.imds.tokenRequests).toHaveLength(1); // exactly one refresh
    expect(ingestion.accepted.every((a) => a.authorization === `Bearer ${GOOD_TOKEN}`)).toBe(true);
    expect(r.worker.health).toMatchObject({ state: 'ok', sentRecords: n });
  });

  test('a 401 that survives the refresh degrades the lane and keeps the data, which goes once the service accepts again', async () => {
    const r = await rig();
    await r.queue.append(range(0, 10).map((i) => record(i)));
    ingestion.expectedToken = 'a-token-imds-does-not-give'; // every request 401s until the service is fixed
    r.worker.start();
    await waitFor(() => r.worker.health.state === 'degraded', 20_000, 'degraded');
    expect(r.worker.health.lastError).toMatch(/^401 from DCR .* the token was rejected \(wrong audience or expired\)/);
    // Each attempt: a request, one forced refresh, the request again — never a refresh loop.
    const refreshes = world.imds.tokenRequests.length - 1;
    expect(Math.abs(refreshes - ingestion.rejected.length / 2)).toBeLessThanOrEqual(0.5);
    expect(ingestion.rejected.every((x) => x.status === 401)).toBe(true);
    expect(seqs()).toEqual([]);
    expect(r.queue.stats().entries).toBe(10);
    ingestion.expectedToken = GOOD_TOKEN;
    await waitFor(
      // The fake holds the records before the lane has its 2xx and acks them; the lane is 'ok' after the ack.
      () => seqs().length === 10 && r.worker.health.sentRecords === 10 && r.worker.health.state === 'ok',
      30_000,
      'delivery after recovery, acknowledged by the lane',
    );
    expect(seqs()).toEqual(range(0, 10));
    expect(r.drops.byReason).toEqual({});
    expect(r.worker.health.state).toBe('ok');
  });
});
