// Fault: a log-rotation storm on a text log source, with the real collector tailing a file while the
// test appends sequence-numbered lines (~2,000/s): first rename + create rotations back to back, then
// copytruncate rotations. Rename rotation must be exactly-once (zero loss, zero duplicates). With
// copytruncate, lines written after the tailer's last read and before the truncate exist only in the
// copy — the race logrotate documents — so there the suite asserts no duplicates and records the loss.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';
import { appendFileSync, copyFileSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { waitFor, writeConfig } from '../helpers/collector-process.js';
import { createWorld, killAllCollectors, startCollector, type FaultWorld } from './collector.js';
import { FaultIngestion } from './fault-ingestion.js';
import { count, record, scaled, SCALE, sleep, writeResults } from './ledger.js';

let world: FaultWorld;
beforeAll(async () => {
  world = await createWorld('oa-fault-rotate-');
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  await world.close();
  await writeResults('test/faults/text-log-rotation.test.ts');
});

function textLogDcr(id: string, endpoint: string, file: string): unknown {
  return {
    properties: {
      immutableId: id,
      endpoints: { logsIngestion: endpoint },
      streamDeclarations: {
        'Custom-App': {
          columns: [
            { name: 'TimeGenerated', type: 'datetime' },
            { name: 'RawData', type: 'string' },
          ],
        },
      },
      dataSources: { logFiles: [{ name: 'app', streams: ['Custom-App'], filePatterns: [file], format: 'text' }] },
      destinations: {
        logAnalytics: [
          {
            name: 'la',
            workspaceResourceId:
              '/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w',
          },
        ],
      },
      dataFlows: [
        { streams: ['Custom-App'], destinations: ['la'], transformKql: 'source', outputStream: 'Custom-App' },
      ],
    },
  };
}

/** Appends `seq=<n>` lines to `file` at `lps` lines per second until stopped. */
class LineWriter {
  next = 0;
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly file: string,
    private readonly lps: number,
  ) {}
  start(): void {
    const t0 = Date.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) * this.lps) / 1000) - this.next;
      let chunk = '';
      for (let i = 0; i < due; i++)
        chunk += `2026-11-25T10:00:00Z INFO request handled seq=${this.next++} ${'y'.repeat(60)}\n`;
      if (chunk) appendFileSync(this.file, chunk);
    }, 10);
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    return this.next;
  }
}

describe('fault: log rotation storm', () => {
  test(
    'rename+create rotations back to back, then copytruncate ones, while writing: rename rotation exactly once; copytruncate never duplicates',
    async () => {
      const ingestion = new FaultIngestion(world.ca);
      await ingestion.start();
      const root = world.newRoot('rotate');
      const logDir = path.join(root, 'app');
      mkdirSync(logDir, { recursive: true });
      const file = path.join(logDir, 'app.log');
      writeConfig(root, [textLogDcr('dcr-e0000000000000000000000000000001', ingestion.url, file)]);
      const collector = await startCollector(root, world.env(0));
      const writer = new LineWriter(file, 2000);
      const renames = Math.round(10 * SCALE);
      const copytruncates = Math.round(5 * SCALE);
      try {
        writeFileSync(file, '');
        await sleep(1500); // the tailer has seen the (empty) file
        writer.start();
        for (let i = 1; i <= renames; i++) {
          await sleep(1100 + Math.floor(Math.random() * 300));
          renameSync(file, `${file}.${i}`);
          writeFileSync(file, '');
        }
        const copytruncateFrom = writer.next;
        for (let i = 1; i <= copytruncates; i++) {
          await sleep(1100 + Math.floor(Math.random() * 300));
          copyFileSync(file, path.join(logDir, `copy-${i}.bak`));
          truncateSync(file, 0);
        }
        await sleep(1500);
        const sent = writer.stop();
        await waitFor(
          async () => {
            const h = await collector.health();
            return (
              h.recordsIn >= 0 &&
              h.destinations.every((d) => d.backlogRecords === 0) &&
              count(sent, ingestion.seqs).lostSeqs.every((s) => s >= copytruncateFrom)
            );
          },
          scaled(60_000),
          'every line before the copytruncate phase',
        );
        await sleep(3000); // late lines of the last generation
        await collector.stop();
        const all = count(sent, ingestion.seqs);
        const renamePhase = count(copytruncateFrom, ingestion.seqs);
        const lostInCopytruncate = all.lostSeqs.filter((s) => s >= copytruncateFrom).length;
        record('log-rotation-rename', {
          sent: renamePhase.sent,
          received: renamePhase.received,
          lost: renamePhase.lost,
          duplicated: renamePhase.duplicated,
          rotations: renames,
        });
        record('log-rotation-copytruncate', {
          sent: sent - copytruncateFrom,
          received: sent - copytruncateFrom - lostInCopytruncate,
          lost: lostInCopytruncate,
          duplicated: all.duplicated - renamePhase.duplicated,
          rotations: copytruncates,
        });
        expect(renamePhase.lost).toBe(0);
        expect(renamePhase.duplicated).toBe(0);
        expect(all.duplicated).toBe(0);
      } finally {
        writer.stop();
        await collector.stop();
        await ingestion.stop();
      }
    },
    scaled(180_000),
  );
});
