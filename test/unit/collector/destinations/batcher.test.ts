// The batcher (docs/azure-interfaces.md §4.2): JSON arrays of ≤ 1 MB uncompressed counting brackets and commas, gzip'd,
// every entry exactly once and in order; a record too large for any request is singled out and the
// delivery worker drops it with the counted reason "oversized"; fields over 64 KB are truncated on
// UTF-8 boundaries and counted. Delivery flushes partial batches without waiting for a full one, and
// requests are grouped per lane = destination × upload stream.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { buildBatches, serializeRecord, type RequestBatch } from '../../../../agent/collector/destinations/batcher.js';
import { DeliveryWorker } from '../../../../agent/collector/destinations/delivery-worker.js';
import type { Uploader, UploadOutcome, UploadRequest } from '../../../../agent/collector/destinations/uploader.js';
import { LOGS_INGESTION_MAX_BYTES } from '../../../../agent/collector/destinations/logs-ingestion/logs-ingestion-uploader.js';
import { DiskQueue } from '../../../../agent/collector/buffer/index.js';
import { MAX_FIELD_BYTES } from '../../../../agent/collector/pipeline/lane.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import type { DropReason } from '../../../../agent/collector/pipeline/types.js';
import { testAgentConfig } from '../../../support/agent-config.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';

const entry = (i: number, pad = 0): Buffer => Buffer.from(JSON.stringify({ i, msg: 'x'.repeat(pad) }));
const decode = (b: RequestBatch): unknown[] => JSON.parse(gunzipSync(b.body).toString('utf8')) as unknown[];

describe('buildBatches', () => {
  test('requests stay ≤ the limit counting "[", "]" and commas exactly, and carry every entry once, in order', () => {
    const entries = Array.from({ length: 3000 }, (_, i) => entry(i, (i * 7919) % 900));
    const batches = buildBatches(entries, { maxBytes: LOGS_INGESTION_MAX_BYTES });
    expect(batches.length).toBeGreaterThan(1);
    const seen: number[] = [];
    for (const b of batches) {
      expect(b.oversized).toBe(false);
      const json = gunzipSync(b.body);
      expect(json.length).toBe(b.uncompressedBytes);
      expect(b.uncompressedBytes).toBeLessThanOrEqual(LOGS_INGESTION_MAX_BYTES);
      expect(b.body.length).toBeLessThan(b.uncompressedBytes); // gzip'd
      const records = decode(b) as { i: number }[];
      expect(records).toHaveLength(b.count);
      seen.push(...records.map((r) => r.i));
    }
    expect(seen).toEqual(entries.map((_, i) => i));
    // Greedy packing: no request could have taken the next request's first entry.
    for (let k = 0; k + 1 < batches.length; k++)
      expect(batches[k]!.uncompressedBytes + 1 + batches[k + 1]!.entries[0]!.length).toBeGreaterThan(
        LOGS_INGESTION_MAX_BYTES,
      );
  });

  test('an array that fills the limit to the byte is one request; one byte more makes two', () => {
    const a = Buffer.from('"' + 'a'.repeat(46) + '"'); // 48 bytes
    const b = Buffer.from('"' + 'b'.repeat(47) + '"'); // 49 bytes
    // [a,b] = 1 + 48 + 1 + 49 + 1 = 100
    expect(buildBatches([a, b], { maxBytes: 100 }).map((x) => x.count)).toEqual([2]);
    expect(buildBatches([a, b], { maxBytes: 99 }).map((x) => x.count)).toEqual([1, 1]);
    const [one] = buildBatches([a, b], { maxBytes: 100 });
    expect(one!.uncompressedBytes).toBe(100);
    expect(decode(one!)).toEqual(['a'.repeat(46), 'b'.repeat(47)]);
  });

  test('a record that cannot fit any request is singled out as oversized, without a body, and its neighbours still go', () => {
    const batches = buildBatches([entry(1), entry(2, 500), entry(3)], { maxBytes: 200 });
    expect(batches.map((b) => [b.count, b.oversized])).toEqual([
      [1, false],
      [1, true],
      [1, false],
    ]);
    expect(batches[1]!.body.length).toBe(0);
    expect(batches[1]!.uncompressedBytes).toBe(entry(2, 500).length + 2);
    expect([batches[0]!, batches[2]!].flatMap((b) => decode(b))).toEqual([
      { i: 1, msg: '' },
      { i: 3, msg: '' },
    ]);
  });

  test('no entries, no requests', () => {
    expect(buildBatches([], { maxBytes: 1000 })).toEqual([]);
  });
});

describe('serializeRecord', () => {
  test('a field over 64 KB is truncated to ≤ 64 KB and counted; other fields and the input are untouched', () => {
    const record = { TimeGenerated: '2026-11-25T10:00:00Z', Big: 'y'.repeat(MAX_FIELD_BYTES + 10), Small: 'ok', N: 5 };
    const { json, truncatedFields } = serializeRecord(record, { maxFieldBytes: MAX_FIELD_BYTES });
    const out = JSON.parse(json) as Record<string, unknown>;
    expect(truncatedFields).toBe(1);
    expect(Buffer.byteLength(out.Big as string)).toBe(MAX_FIELD_BYTES);
    expect(out).toMatchObject({ TimeGenerated: record.TimeGenerated, Small: 'ok', N: 5 });
    expect(record.Big.length).toBe(MAX_FIELD_BYTES + 10);
  });

  test('truncation never splits a multi-byte character', () => {
    for (const ch of ['é', '€', '😀']) {
      const { json, truncatedFields } = serializeRecord(
        { m: ch.repeat(MAX_FIELD_BYTES) },
        { maxFieldBytes: MAX_FIELD_BYTES },
      );
      const m = (JSON.parse(json) as { m: string }).m;
      expect(truncatedFields).toBe(1);
      expect(Buffer.byteLength(m)).toBeLessThanOrEqual(MAX_FIELD_BYTES);
      expect(Buffer.byteLength(m)).toBeGreaterThan(MAX_FIELD_BYTES - 4);
      expect(m).not.toContain('\uFFFD');
      expect([...m].every((c) => c === ch)).toBe(true);
    }
  });

  test('a field of exactly 64 KB is kept whole', () => {
    const { json, truncatedFields } = serializeRecord(
      { m: 'z'.repeat(MAX_FIELD_BYTES) },
      { maxFieldBytes: MAX_FIELD_BYTES },
    );
    expect(truncatedFields).toBe(0);
    expect((JSON.parse(json) as { m: string }).m).toHaveLength(MAX_FIELD_BYTES);
  });
});

/** Answers like the Logs Ingestion API would: 413 above `acceptUpTo` records, else 204. */
class MemoryUploader implements Uploader {
  readonly kind = 'logs-ingestion' as const;
  readonly requests: { stream: string; records: unknown[]; uncompressedBytes: number }[] = [];
  accepted: unknown[] = [];
  constructor(
    readonly maxRequestBytes: number,
    private readonly acceptUpTo = Infinity,
  ) {}
  async upload(req: UploadRequest): Promise<UploadOutcome> {
    const records = JSON.parse(gunzipSync(req.body).toString('utf8')) as unknown[];
    this.requests.push({ stream: req.stream, records, uncompressedBytes: req.uncompressedBytes });
    if (records.length > this.acceptUpTo) return { status: 413, detail: '413 too large' };
    this.accepted.push(...records);
    return { status: 204, detail: '204 accepted' };
  }
  async close(): Promise<void> {}
}

class RecordingDrops {
  readonly counted: { reason: DropReason; count: number; component: string }[] = [];
  drop(reason: DropReason, count: number, component: string): void {
    this.counted.push({ reason, count, component });
  }
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting for ${what}`);
}

describe('delivery of batches', () => {
  let dir: string | undefined;
  const open: { worker: DeliveryWorker; queue: DiskQueue }[] = [];
  afterEach(async () => {
    for (const o of open.splice(0)) {
      await o.worker.stop();
      await o.queue.close();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function lane(
    uploader: Uploader,
    stream = 'Custom-OpenAma-Syslog',
  ): Promise<{ queue: DiskQueue; worker: DeliveryWorker; drops: RecordingDrops }> {
    dir ??= await mkdtemp(path.join(os.tmpdir(), 'oa-batcher-'));
    const drops = new RecordingDrops();
    const queue = await DiskQueue.open(path.join(dir, `q${open.length}`), {
      id: 'lane',
      drops,
      logger: createNullLogger(),
    });
    const worker = new DeliveryWorker({
      laneId: `dcr-x/la/${stream}`,
      stream,
      queue,
      uploader,
      drops,
      logger: createNullLogger(),
      flushIntervalMs: 50,
    });
    open.push({ worker, queue });
    return { queue, worker, drops };
  }

  test("a partial batch is flushed without waiting for a full request, on the lane's stream", async () => {
    const up = new MemoryUploader(LOGS_INGESTION_MAX_BYTES);
    const { queue, worker } = await lane(up, 'Custom-MyApp_CL');
    worker.start();
    await queue.append([entry(1), entry(2), entry(3)]);
    await until(() => up.accepted.length === 3, 'the three records');
    expect(up.requests).toHaveLength(1);
    expect(up.requests[0]!.stream).toBe('Custom-MyApp_CL');
    await queue.append([entry(4)]);
    await until(() => up.accepted.length === 4, 'a later record on its own');
    expect(up.accepted).toEqual([1, 2, 3, 4].map((i) => ({ i, msg: '' })));
    expect(worker.health).toMatchObject({ state: 'ok', sentRecords: 4, droppedRecords: 0 });
  });

  test('a record larger than a request is dropped with the counted reason "oversized"; the rest is delivered', async () => {
    const up = new MemoryUploader(400);
    const { queue, worker, drops } = await lane(up);
    await queue.append([entry(1), entry(2, 1000), entry(3)]);
    worker.start();
    await until(() => up.accepted.length === 2 && drops.counted.length === 1, 'delivery and the drop');
    expect(up.accepted).toEqual([
      { i: 1, msg: '' },
      { i: 3, msg: '' },
    ]);
    expect(drops.counted).toEqual([{ reason: 'oversized', count: 1, component: 'dcr-x/la/Custom-OpenAma-Syslog' }]);
    expect(worker.health.droppedRecords).toBe(1);
    expect(worker.health.lastError).toMatch(/exceeds the 400-byte request limit/);
    expect(queue.stats().entries).toBe(0);
    for (const r of up.requests) expect(r.uncompressedBytes).toBeLessThanOrEqual(400);
  });

  test('413 splits the request until it fits: every record delivered exactly once, in order', async () => {
    const up = new MemoryUploader(LOGS_INGESTION_MAX_BYTES, 7);
    const { queue, worker, drops } = await lane(up);
    const n = 50;
    await queue.append(Array.from({ length: n }, (_, i) => entry(i)));
    worker.start();
    await until(() => up.accepted.length === n, 'all records');
    expect((up.accepted as { i: number }[]).map((r) => r.i)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(up.requests.filter((r) => r.records.length > 7).length).toBeGreaterThan(0);
    expect(drops.counted).toEqual([]);
    expect(queue.stats().entries).toBe(0);
  });

  test('a lone record that still gets 413 is dropped as oversized, not retried forever', async () => {
    const up = new MemoryUploader(LOGS_INGESTION_MAX_BYTES, 0);
    const { queue, worker, drops } = await lane(up);
    await queue.append([entry(1), entry(2)]);
    worker.start();
    await until(() => drops.counted.reduce((s, d) => s + d.count, 0) === 2, 'both records dropped');
    expect(drops.counted.every((d) => d.reason === 'oversized')).toBe(true);
    expect(queue.stats().entries).toBe(0);
  });
});

describe('stopping a lane', () => {
  test('stop() does not wait for a stuck request: the batch stays queued and is delivered after reopening', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'oa-worker-stop-'));
    try {
      const drops = new RecordingDrops();
      let calls = 0;
      const stuck: Uploader = {
        kind: 'logs-ingestion',
        maxRequestBytes: LOGS_INGESTION_MAX_BYTES,
        upload: () => (calls++, new Promise<UploadOutcome>(() => undefined)),
        close: async () => undefined,
      };
      const queue = await DiskQueue.open(path.join(dir, 'q'), { id: 'lane', drops, logger: createNullLogger() });
      const worker = new DeliveryWorker({
        laneId: 'dcr-x/la/s',
        stream: 's',
        queue,
        uploader: stuck,
        drops,
        logger: createNullLogger(),
        flushIntervalMs: 50,
        lingerMs: 0,
      });
      await queue.append([entry(1), entry(2)]);
      worker.start();
      await until(() => calls === 1, 'the request in flight');
      await worker.stop(); // resolves although the request never answers
      await queue.close();

      const up = new MemoryUploader(LOGS_INGESTION_MAX_BYTES);
      const again = await DiskQueue.open(path.join(dir, 'q'), { id: 'lane', drops, logger: createNullLogger() });
      const next = new DeliveryWorker({
        laneId: 'dcr-x/la/s',
        stream: 's',
        queue: again,
        uploader: up,
        drops,
        logger: createNullLogger(),
        flushIntervalMs: 50,
      });
      next.start();
      await until(() => up.accepted.length === 2, 'both records after reopening');
      await next.stop();
      await again.close();
      expect(drops.counted).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('grouping per destination and stream', () => {
  const config = testAgentConfig();

  test('one lane (queue + batches) per destination × upload stream, never mixing streams or destinations', () => {
    const dcr = {
      properties: {
        immutableId: 'dcr-11111111111111111111111111111111',
        endpoints: { logsIngestion: 'https://dcr-1.westeurope-1.ingest.monitor.azure.com' },
        streamDeclarations: {
          'Custom-MyApp_CL': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'RawData', type: 'string' },
            ],
          },
          'Custom-OpenAma-Syslog': {
            columns: [
              { name: 'TimeGenerated', type: 'datetime' },
              { name: 'SyslogMessage', type: 'string' },
            ],
          },
        },
        dataSources: {
          syslog: [{ name: 'sys', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['*'] }],
          logFiles: [
            { name: 'app', streams: ['Custom-MyApp_CL'], filePatterns: ['/var/log/app/*.log'], format: 'text' },
          ],
        },
        destinations: { logAnalytics: [{ name: 'ws1' }, { name: 'ws2' }], openAmaFile: [{ name: 'local' }] },
        dataFlows: [
          { streams: ['Microsoft-Syslog'], destinations: ['ws1', 'ws2', 'local'] },
          { streams: ['Custom-OpenAma-Syslog'], destinations: ['ws1', 'ws2'], outputStream: 'Microsoft-Syslog' },
          { streams: ['Custom-MyApp_CL'], destinations: ['ws1'], outputStream: 'Custom-MyApp_CL' },
        ],
      },
    };
    const { graph, dcrs } = buildPipelineGraph([{ json: dcr, origin: 'inline', ref: 'd' }], {
      computer: 'h',
      config,
      env: {},
      outDir: '/tmp/out',
    });
    expect(dcrs.map((d) => d.state)).toEqual(['loaded']);
    const id = 'dcr-11111111111111111111111111111111';
    expect(graph.lanes.map((l) => [l.destinationId, l.uploadStream]).sort()).toEqual(
      [
        [`${id}/local`, 'Microsoft-Syslog'],
        [`${id}/ws1`, 'Custom-MyApp_CL'],
        [`${id}/ws1`, 'Custom-OpenAma-Syslog'],
        [`${id}/ws2`, 'Custom-OpenAma-Syslog'],
      ].sort(),
    );
    expect(new Set(graph.lanes.map((l) => l.id)).size).toBe(graph.lanes.length);
  });
});
