// Faults of the durable queue's disk, with the real collector and sequence-numbered syslog: a small
// disk quota while ingestion is down (drops counted with reason "quota" on the self-metrics endpoint,
// every record either delivered or counted, the queue within one segment of the quota); a real full
// disk (a 3 MB tmpfs mounted over the queue directory — root only, skipped otherwise); a corrupt queue
// segment (16 bytes flipped inside one record while the collector is stopped: it recovers, counts that
// record, delivers the rest of the segment).
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { execFileSync } from 'node:child_process';

import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

import * as path from 'node:path';
import { syslogToLaDcr, writeConfig } from '../support/collector-process.js';
import {
  createWorld,
  droppedFromMetrics,
  killAllCollectors,
  segmentFiles,
  startCollector,
  type FaultWorld,
} from './collector.js';

import { FaultIngestion } from './fault-ingestion.js';

import { count, record, scaled, SyslogLoad, writeResults } from './ledger.js';
import { freePort, waitFor } from '../support/net.js';
import type { CollectorHealth } from '../../agent/collector/ipc.js';

const SEGMENT_BYTES = 8 * 1024 * 1024;

/**
 * Every record sent has come through the listener and settled: it is in a queue (the backlog) or counted as
 * dropped for `reason`. Batches are handed on before the earlier ones' appends end, so the drop count can
 * trail recordsIn for a moment.
 */
async function settled(
  collector: { health(): Promise<CollectorHealth> },
  sent: number,
  reason: string,
): Promise<boolean> {
  const h = await collector.health();
  const backlog = h.destinations.reduce((n, d) => n + d.backlogRecords, 0);
  return h.recordsIn >= sent && backlog + (h.droppedByReason[reason] ?? 0) >= h.recordsIn;
}
let world: FaultWorld;
const mounts: string[] = [];

beforeAll(async () => {
  world = await createWorld('oa-fault-disk-');
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', [m]);
    } catch {
      execFileSync('umount', ['-l', m]);
    }
  }
  await world.close();
  await writeResults('test/faults/disk.test.ts');
});

/** Ingestion that is down (connection refused) until `up()`; its URL is fixed from the start. */
async function downIngestion(): Promise<FaultIngestion> {
  const ingestion = new FaultIngestion(world.ca);
  await ingestion.start();
  await ingestion.stop();
  return ingestion;
}

describe('fault: disk', () => {
  test(
    'disk quota reached while ingestion is down: drops counted as "quota", queue within one segment of the quota, the rest delivered',
    async () => {
      const quotaMB = 16;
      const ingestion = await downIngestion();
      const root = world.newRoot('quota');
      const port = await freePort();
      const metricsPort = await freePort();
      writeConfig(root, [syslogToLaDcr('dcr-d0000000000000000000000000000001', ingestion.url)], {
        diskQuotaMB: quotaMB,
        selfMetrics: { port: metricsPort },
      });
      const collector = await startCollector(root, world.env(port), port);
      const load = new SyslogLoad(port, 0, 500);
      try {
        await load.burst(60_000); // ~40 MB of serialised records for a 16 MB quota
        await waitFor(
          () => settled(collector, load.next, 'quota'),
          60_000,
          'every record through the listener, queued or counted as a quota drop',
        );
        const quotaDrops = await droppedFromMetrics(metricsPort, 'quota');
        const queueBytes = segmentFiles(root).reduce((n, s) => n + s.size, 0);
        await ingestion.start();
        await waitFor(
          async () => (await collector.health()).destinations.every((d) => d.backlogRecords === 0),
          scaled(120_000),
          'the backlog to drain',
        );
        await collector.stop();
        const c = count(load.next, ingestion.seqs);
        record('disk-quota', {
          sent: c.sent,
          received: c.received,
          lost: c.lost,
          duplicated: c.duplicated,
          quotaMB,
          droppedQuota: quotaDrops,
          queueBytesAtPeak: queueBytes,
        });
        expect(quotaDrops).toBeGreaterThan(0);
        expect(c.lost).toBe(quotaDrops); // every record lost is a counted drop
        expect(c.duplicated).toBe(0);
        expect(queueBytes).toBeLessThanOrEqual(quotaMB * 1024 * 1024 + SEGMENT_BYTES);
        // Drop-oldest: what was dropped is older than everything delivered after the outage began.
        expect(Math.max(...c.lostSeqs)).toBeLessThan(load.next - 1);
      } finally {
        await collector.stop();
        await ingestion.stop();
      }
    },
    scaled(180_000),
  );

  test(
    'a real full disk (3 MB tmpfs under the queue) while ingestion is down: the collector keeps running, counts what it could not queue, delivers the rest',
    async () => {
      if (process.getuid?.() !== 0) {
        process.stdout.write('disk full: skipped (mounting a tmpfs needs root)\n');
        return;
      }
      const root = world.newRoot('diskfull');
      const queueDir = path.join(root, 'var/opt/open-ama/queue');
      mkdirSync(queueDir, { recursive: true });
      try {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m,mode=0700', 'tmpfs', queueDir], { stdio: 'ignore' });
      } catch {
        process.stdout.write('disk full: skipped (mount -t tmpfs is not permitted here)\n');
        return;
      }
      mounts.push(queueDir);
      const ingestion = await downIngestion();
      const port = await freePort();
      writeConfig(root, [syslogToLaDcr('dcr-d0000000000000000000000000000002', ingestion.url)]);
      const collector = await startCollector(root, world.env(port), port);
      const load = new SyslogLoad(port, 0, 300);
      try {
        await load.burst(15_000); // ~7 MB for a 3 MB disk
        // Ingestion is down, so a queued record is still in the backlog.
        await waitFor(
          () => settled(collector, load.next, 'disk_full'),
          60_000,
          'every record through the listener, queued or counted as not queued',
        );
        const during = await collector.health();
        const notQueued = during.droppedByReason.disk_full ?? 0;
        await ingestion.start();
        await waitFor(
          async () => (await collector.health()).destinations.every((d) => d.backlogRecords === 0),
          scaled(30_000),
          'the backlog to drain',
        ).catch(async (e: Error) => {
          process.stdout.write(
            JSON.stringify(await collector.health()) +
              '\n' +
              execFileSync('tail', ['-n', '30', path.join(root, 'log/collector.log')]).toString() +
              execFileSync('ls', ['-la', queueDir + '/']).toString(),
          );
          throw e;
        });
        // Space is back: new records are queued and delivered again.
        const before = load.next;
        await load.burst(1000);
        await waitFor(
          () => count(load.next, ingestion.seqs).lostSeqs.every((s) => s < before),
          20_000,
          'records sent after the disk had room again',
        ).catch(async (e: Error) => {
          process.stdout.write(
            JSON.stringify(await collector.health()) +
              '\n' +
              execFileSync('tail', ['-n', '8', path.join(root, 'log/collector.log')]).toString() +
              execFileSync('ls', ['-laR', queueDir + '/']).toString(),
          );
          throw e;
        });
        const after = await collector.health();
        expect(collector.alive).toBe(true);
        await collector.stop();
        const c = count(load.next, ingestion.seqs);
        record('disk-full-tmpfs', {
          sent: c.sent,
          received: c.received,
          lost: c.lost,
          duplicated: c.duplicated,
          droppedDiskFull: notQueued,
          reasons: JSON.stringify(after.droppedByReason),
        });
        expect(notQueued).toBeGreaterThan(0);
        expect(c.lost).toBe(notQueued); // every record lost is counted, as disk_full
        expect(c.duplicated).toBe(0);
      } finally {
        await collector.stop();
        await ingestion.stop();
      }
    },
    scaled(180_000),
  );

  test(
    'a corrupt queue segment (bytes flipped while stopped): the collector recovers, counts the damage and delivers the rest',
    async () => {
      const ingestion = await downIngestion();
      const root = world.newRoot('corrupt');
      const port = await freePort();
      writeConfig(root, [syslogToLaDcr('dcr-d0000000000000000000000000000003', ingestion.url)]);
      const env = world.env(port);
      let collector = await startCollector(root, env, port);
      const load = new SyslogLoad(port, 0, 500);
      try {
        await load.burst(20_000); // > one 8 MB segment: the damage is in a sealed one
        await waitFor(
          async () => (await collector.health()).recordsIn >= load.next,
          60_000,
          'every record through the listener',
        );
        await collector.stop();
        const segs = segmentFiles(root);
        expect(segs.length).toBeGreaterThanOrEqual(2);
        const victim = segs[0]!;
        flipBytes(victim.file, payloadNear(victim.file, Math.floor(victim.size / 2)) + 20, 16); // inside one record
        await ingestion.start();
        collector = await startCollector(root, env, port);
        await waitFor(
          async () => (await collector.health()).destinations.every((d) => d.backlogRecords === 0),
          scaled(120_000),
          'the backlog to drain',
        );
        const before = load.next;
        await load.burst(1000);
        await waitFor(
          () => count(load.next, ingestion.seqs).lostSeqs.every((s) => s < before),
          60_000,
          'records sent after the restart',
        );
        const h = await collector.health();
        await collector.stop();
        const c = count(load.next, ingestion.seqs);
        const countedCorrupt = h.droppedByReason.parse_error ?? 0;
        record('corrupt-segment', {
          sent: c.sent,
          received: c.received,
          lost: c.lost,
          duplicated: c.duplicated,
          countedParseError: countedCorrupt,
          flippedBytes: 16,
        });
        // Only the damaged record is lost — the rest of its segment is delivered — and it is counted.
        expect(c.lost).toBe(1);
        expect(countedCorrupt).toBe(1);
        expect(c.duplicated).toBe(0);
      } finally {
        await collector.stop();
        await ingestion.stop();
      }
    },
    scaled(180_000),
  );
});

/** Offset of the payload of the first frame that starts at or after `at` (frames: u32 length, u32 CRC, payload). */
function payloadNear(file: string, at: number): number {
  const buf = readFileSync(file);
  let off = 0;
  while (off < at) off += 8 + buf.readUInt32LE(off);
  return off + 8;
}

function flipBytes(file: string, at: number, n: number): void {
  const fd = openSync(file, 'r+');
  try {
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, at);
    for (let i = 0; i < n; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, n, at);
  } finally {
    closeSync(fd);
  }
}
