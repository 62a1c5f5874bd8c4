// Fault: the real collector is killed with SIGKILL every few seconds while ~10k syslog records/s arrive
// over TCP, and restarted each time. After every kill the test reads the dead collector's durable queue
// (entries after the ack position): every one of those must reach the ingestion fake — zero loss of
// what was queued — and duplicates stay within one in-flight batch per kill. Lines still in the TCP
// buffers or not yet appended at the moment of a kill were never queued: they are counted separately.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { syslogToLaDcr, writeConfig } from '../support/collector-process.js';
import { createWorld, killAllCollectors, queuedSeqs, startCollector, type FaultWorld } from './collector.js';

import { FaultIngestion } from './fault-ingestion.js';

import { count, record, scaled, SCALE, SyslogLoad, writeResults } from './ledger.js';
import { freePort, sleep, waitFor } from '../support/net.js';

let world: FaultWorld;
beforeAll(async () => {
  world = await createWorld('oa-fault-kill-');
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  await world.close();
  await writeResults('test/faults/kill9.test.ts');
});

const KILLS = Math.max(3, Math.round(3 * SCALE));
const EPS = 10_000;

describe('fault: kill -9 under load', () => {
  test(
    `kill -9 every ~3 s under ${EPS} records/s, ${KILLS} times: nothing queued is lost, duplicates ≤ one in-flight batch per kill`,
    async () => {
      const ingestion = new FaultIngestion(world.ca);
      await ingestion.start();
      ingestion.delayMs = 200; // uploads take a moment, so kills land while one is in flight
      const root = world.newRoot('kill');
      const port = await freePort();
      writeConfig(root, [syslogToLaDcr('dcr-a0000000000000000000000000000001', ingestion.url)]);
      const env = world.env(port);
      let collector = await startCollector(root, env, port);
      const load = new SyslogLoad(port, EPS);
      const queuedAtKills = new Set<number>();
      try {
        load.start();
        for (let k = 0; k < KILLS; k++) {
          await sleep(2500 + Math.floor(Math.random() * 1000));
          await collector.kill9();
          for (const s of queuedSeqs(root)) queuedAtKills.add(s);
          collector = await startCollector(root, env, port);
        }
        await sleep(2000);
        const sent = await load.stop();
        const lastReconnect = load.connectedAt[load.connectedAt.length - 1]!;
        // Everything the last collector queued is delivered once its backlog stays empty.
        await waitFor(
          async () =>
            (await collector.health()).destinations.every((d) => d.backlogRecords === 0) &&
            count(sent, ingestion.seqs).lostSeqs.every((s) => s < lastReconnect),
          60_000,
          'the backlog to drain',
        );
        await collector.stop();

        const c = count(sent, ingestion.seqs);
        const got = new Set(ingestion.seqs);
        const lostFromQueue = [...queuedAtKills].filter((s) => !got.has(s)).length;
        // One in-flight batch = one queue read of ≤ 1 MB of serialised records (it may go out as 2 requests).
        const recordsPerBatch = Math.ceil(
          1_000_000 / Math.min(...ingestion.accepted().map((r) => r.bytes / r.records)),
        );
        record('kill9', {
          sent: c.sent,
          received: c.received,
          lost: c.lost,
          duplicated: c.duplicated,
          kills: KILLS,
          eps: EPS,
          queuedOnDiskAtKills: queuedAtKills.size,
          lostFromQueue,
          neverQueuedAtKills: c.lost,
          recordsPerBatch,
        });
        expect(lostFromQueue).toBe(0);
        expect(c.duplicated).toBeLessThanOrEqual(KILLS * recordsPerBatch);
        // What was never queued was caught by a kill (socket buffers, memory): nothing after the last restart.
        expect(c.lostSeqs.every((s) => s < lastReconnect)).toBe(true);
      } finally {
        await load.stop();
        await collector.stop();
        await ingestion.stop();
      }
    },
    scaled(180_000),
  );
});
