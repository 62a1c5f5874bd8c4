// Fault: the collector's wall clock jumps (+1 h, then −2 h, then back) while sequence-numbered syslog
// arrives at a steady, low rate. libfaketime (test/faults/faketime.ts) is preloaded into the real
// collector only; its monotonic clock is left alone, as when NTP or an operator steps the clock. The
// records sent after each jump must arrive while the clock is still jumped (nothing may wait for the
// wall clock to catch up), stamped with the jumped time (proof that the jump reached the collector);
// the collector never exits, its destination stays healthy, the token it presents stays valid (a jump
// may cause a refresh, not a storm of them), and in the end every record arrives exactly once.
// The test CA is backdated a day (openssl under libfaketime) so the −2 h jump does not put the
// collector before the certificates' notBefore — real service certificates are months old.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import * as path from 'node:path';
import { createWorld, killAllCollectors, type FaultWorld } from './collector.js';

import { FakeClock, faketimeEnv, faketimeLibrary, fixedOffsetEnv, probeFaketime } from './faketime.js';

import { record, scaled, writeResults } from './ledger.js';

import { runLoadedScenario } from './scenario.js';

import { skippedDescribe } from '../support/os-requirements.js';
import { sleep, waitFor } from '../support/net.js';

const skipReason = probeFaketime();
if (skipReason) skippedDescribe('fault: clock jump', skipReason);
const lib = faketimeLibrary() ?? '';

let world: FaultWorld;
beforeAll(async () => {
  if (skipReason) return;
  world = await createWorld('oa-fault-clock-', { caEnv: fixedOffsetEnv(lib, '-1d') });
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  if (skipReason) return;
  await world.close();
  await writeResults('test/faults/clock-jump.test.ts');
});

const EPS = 100;
const PHASES = [
  { offset: '+1h', shiftMs: 3_600_000 },
  { offset: '-2h', shiftMs: -7_200_000 },
  { offset: '+0', shiftMs: 0 },
];

interface PhaseSeen {
  offset: string;
  /** Records sent from here on were sent after the jump had reached the collector. */
  fromSeq: number;
  toSeq: number;
  tokenRequests: number;
  medianSkewMs: number;
  healthy: boolean;
  alive: boolean;
}

describe('fault: wall-clock jumps', () => {
  (skipReason ? test.skip : test)(
    `+1 h, −2 h, back to +0 under ${EPS} records/s: records keep flowing after each jump, the collector never exits, zero loss, no duplicates`,
    async () => {
      const clock = new FakeClock(path.join(world.dir, 'faketime.rc'));
      clock.set('+0');
      // TimeGenerated (the collector's receive time) minus the real time it was accepted, by sequence number.
      const skew = new Map<number, number>();
      const phases: PhaseSeen[] = [];
      let exitCode: number | null | undefined;
      const tokensBefore = world.imds.tokenRequests.length;
      const r = await runLoadedScenario(world, {
        name: 'clock-jump',
        eps: EPS,
        env: faketimeEnv(lib, clock.file),
        async fault({ ingestion, collector, load }) {
          void collector.exited.then((e) => (exitCode = e.code));
          ingestion.onAccepted = (records) => {
            const now = Date.now();
            for (const rec of records) {
              const m = /seq=(\d+)/.exec(String(rec.SyslogMessage ?? ''));
              if (m) skew.set(Number(m[1]), Date.parse(String(rec.TimeGenerated)) - now);
            }
          };
          await waitFor(() => ingestion.seqs.length > 0, 30_000, 'the first records to arrive');
          for (const p of PHASES) {
            const tokens = world.imds.tokenRequests.length;
            clock.set(p.offset);
            await sleep(1000);
            const fromSeq = load.next;
            const maxSeq = (): number => ingestion.seqs.reduce((a, b) => Math.max(a, b), -1);
            // "While the clock is still jumped": a stall that waits for the wall clock to catch up never ends.
            await waitFor(
              () => maxSeq() >= fromSeq + EPS,
              10_000,
              `records sent after the jump to ${p.offset} to arrive`,
            ).catch((err: Error) => {
              throw new Error(
                `${err.message}: newest received seq ${maxSeq()}, jump at ${fromSeq}, collector alive ${collector.alive}`,
              );
            });
            await sleep(scaled(3000));
            const health = await collector.health();
            const inPhase = [...skew]
              .filter(([s]) => s >= fromSeq && s < load.next)
              .map(([, k]) => k)
              .sort((a, b) => a - b);
            phases.push({
              offset: p.offset,
              fromSeq,
              toSeq: load.next,
              tokenRequests: world.imds.tokenRequests.length - tokens,
              medianSkewMs: inPhase[Math.floor(inPhase.length / 2)] ?? Number.NaN,
              healthy: health.destinations.length > 0 && health.destinations.every((d) => d.state === 'ok'),
              alive: collector.alive,
            });
          }
        },
      });
      const unauthorized = r.ingestion.log.filter((x) => x.status === 401).length;
      record('clock-jump', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        eps: EPS,
        jumps: PHASES.map((p) => p.offset).join(' → '),
        tokenRequests: world.imds.tokenRequests.length - tokensBefore,
        tokenRequestsPerPhase: phases.map((p) => `${p.offset}:${p.tokenRequests}`).join(' '),
        medianSkewSecondsPerPhase: phases.map((p) => `${p.offset}:${Math.round(p.medianSkewMs / 1000)}`).join(' '),
        answered401: unauthorized,
      });
      expect(phases).toHaveLength(PHASES.length);
      for (const [i, p] of phases.entries()) {
        // The jump reached the collector: records received during the phase carry the jumped time.
        expect(Math.abs(p.medianSkewMs - PHASES[i]!.shiftMs)).toBeLessThan(120_000);
        expect(p.alive).toBe(true);
        expect(p.healthy).toBe(true);
        // A forward jump may make the cached token look expired (one refresh, maybe a retry); never one per request.
        expect(p.tokenRequests).toBeLessThanOrEqual(3);
      }
      expect(unauthorized).toBe(0);
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
      // Stopped by the scenario's SIGTERM, not by itself: a clean exit.
      expect(exitCode).toBe(0);
    },
    scaled(120_000),
  );
});
