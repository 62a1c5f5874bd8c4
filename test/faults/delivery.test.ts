// Faults at the ingestion endpoint, each with the real collector under a steady sequence-numbered
// syslog load (test/faults/scenario.ts): the endpoint down (connection refused) and back on the same
// port; a 503 storm; a 429 storm with Retry-After (no retry before it elapsed); slow answers; a service
// that answers 413 above a size (batches are split); a 403 until the role is granted (health says
// degraded and names the missing role, then recovers). Every record sent must arrive: zero loss.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { createWorld, killAllCollectors, type FaultWorld } from './collector.js';

import { record, scaled, SCALE, writeResults } from './ledger.js';

import { runLoadedScenario } from './scenario.js';
import { sleep, waitFor } from '../support/net.js';

let world: FaultWorld;
beforeAll(async () => {
  world = await createWorld('oa-fault-delivery-');
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  await world.close();
  await writeResults('test/faults/delivery.test.ts');
});

const T = 180_000;

describe('fault: ingestion endpoint', () => {
  test(
    'down (connection refused) for a while, then back on the same port: zero loss',
    async () => {
      const downMs = scaled(8000);
      const r = await runLoadedScenario(world, {
        name: 'ingestion-down',
        async fault({ ingestion }) {
          await sleep(1500);
          await ingestion.stop();
          await sleep(downMs);
          await ingestion.start();
          await sleep(1000);
        },
      });
      record('ingestion-down', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        downSeconds: downMs / 1000,
      });
      expect(r.lost).toBe(0);
      // A connection cut mid-request can make one batch go twice; nothing else may.
      expect(r.duplicated).toBeLessThanOrEqual(r.recordsPerBatch);
    },
    scaled(T),
  );

  test(
    '503 storm, then healthy: zero loss, no duplicates',
    async () => {
      const storm = Math.max(4, Math.round(4 * Math.sqrt(SCALE)));
      let left = storm;
      const r = await runLoadedScenario(world, {
        name: '503-storm',
        async fault({ ingestion }) {
          await sleep(1000);
          ingestion.policy = () => (left-- > 0 ? { status: 503 } : undefined);
          await waitFor(() => left <= 0, scaled(90_000), 'the 503 storm to pass');
        },
      });
      record('503-storm', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        answered503: r.ingestion.log.filter((x) => x.status === 503).length,
      });
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
    },
    scaled(T),
  );

  test(
    '429 storm with Retry-After: every retry waits at least Retry-After; zero loss, no duplicates',
    async () => {
      let left = Math.round(8 * SCALE);
      const r = await runLoadedScenario(world, {
        name: '429-storm',
        async fault({ ingestion }) {
          await sleep(1000);
          ingestion.policy = () => (left-- > 0 ? { status: 429, headers: { 'retry-after': '1' } } : undefined);
          await waitFor(() => left <= 0, scaled(90_000), 'the 429 storm to pass');
        },
      });
      const log = r.ingestion.log;
      const gaps = log.flatMap((x, i) => (x.status === 429 && log[i + 1] ? [log[i + 1]!.at - x.at] : []));
      record('429-storm', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        answered429: gaps.length,
        shortestWaitAfter429Ms: Math.min(...gaps),
      });
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
      expect(gaps.length).toBeGreaterThan(0);
      // Retry-After: 1 is honoured (one lane, one request at a time: the next request is the retry).
      for (const g of gaps) expect(g).toBeGreaterThanOrEqual(990);
    },
    scaled(T),
  );

  test(
    'slow answers (3 s each) for a while: zero loss, no duplicates',
    async () => {
      const r = await runLoadedScenario(world, {
        name: 'slow',
        async fault({ ingestion }) {
          await sleep(1000);
          ingestion.delayMs = 3000;
          await sleep(scaled(9000));
          ingestion.delayMs = 0;
        },
      });
      record('slow-responses', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        delayMs: 3000,
      });
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
    },
    scaled(T),
  );

  test(
    '413 above 400 records per request: batches are split until accepted; zero loss, no duplicates',
    async () => {
      const r = await runLoadedScenario(world, {
        name: '413',
        async fault({ ingestion, load }) {
          ingestion.policy = (records) => (records > 400 ? { status: 413 } : undefined);
          await load.burst(20_000); // a backlog, so queue batches are large
          await sleep(scaled(4000));
        },
      });
      const answered413 = r.ingestion.log.filter((x) => x.status === 413).length;
      record('413-split', { sent: r.sent, received: r.received, lost: r.lost, duplicated: r.duplicated, answered413 });
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
      expect(answered413).toBeGreaterThan(0);
      expect(r.ingestion.accepted().every((x) => x.records <= 400)).toBe(true);
    },
    scaled(T),
  );

  test(
    '403 until the role is granted: health degraded naming the role, then recovers; zero loss',
    async () => {
      let forbidden = true;
      let degradedMessage = '';
      const r = await runLoadedScenario(world, {
        name: '403',
        async fault({ ingestion, collector }) {
          ingestion.policy = () => (forbidden ? { status: 403, body: 'AuthorizationFailed' } : undefined);
          await waitFor(
            async () => {
              const d = (await collector.health()).destinations[0];
              degradedMessage = d?.state === 'degraded' ? (d.lastError ?? '') : '';
              return degradedMessage !== '';
            },
            30_000,
            'the destination to be reported degraded',
          );
          await sleep(scaled(2000));
          forbidden = false;
          await waitFor(
            async () => (await collector.health()).destinations.every((d) => d.state === 'ok'),
            scaled(120_000),
            'the destination to recover',
          );
        },
      });
      record('403-then-granted', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        answered403: r.ingestion.log.filter((x) => x.status === 403).length,
      });
      expect(degradedMessage).toMatch(/403/);
      expect(degradedMessage).toMatch(/Monitoring Metrics Publisher/);
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
    },
    scaled(T),
  );
});
