// Fault: a log-rotation storm on a text log source, with the real collector tailing a file while the
// test appends sequence-numbered lines (~2,000/s): first rename + create rotations back to back, then
// copytruncate rotations done the way logrotate does them (copy, then truncate, with the writer still writing
// in between). Rename rotation must be exactly-once (zero loss, zero duplicates). With copytruncate, every line
// written before the copy finished must arrive (the collector sees the truncation by inotify and reads the
// unread rest from the copy); only lines written between the end of the copy and the truncate — in neither
// file — may be lost, and the ledger counts them separately. No duplicates either way.
import { afterAll, afterEach, beforeAll, describe, expect, test } from '@jest/globals';

import { appendFileSync, copyFileSync, mkdirSync, renameSync, truncateSync, writeFileSync } from 'node:fs';

import * as path from 'node:path';
import { textLogToLaDcr, writeConfig } from '../support/collector-process.js';
import { createWorld, killAllCollectors, startCollector, type FaultWorld } from './collector.js';

import { FaultIngestion } from './fault-ingestion.js';
import { count, lossByWindow, record, scaled, SCALE, writeResults, type LossWindow } from './ledger.js';
import { sleep, waitFor } from '../support/net.js';

let world: FaultWorld;
beforeAll(async () => {
  world = await createWorld('oa-fault-rotate-');
}, 60_000);
afterEach(killAllCollectors);
afterAll(async () => {
  await world.close();
  await writeResults('test/faults/text-log-rotation.test.ts');
});

const textLogDcr = (id: string, endpoint: string, file: string): unknown =>
  textLogToLaDcr(id, endpoint, file, {
    stream: 'Custom-App',
    columns: ['TimeGenerated', 'RawData'],
    outputStream: 'Custom-App',
  });

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
    'rename+create rotations back to back, then copytruncate ones, while writing: rename rotation exactly once; copytruncate loses only lines written between its copy and its truncate, never duplicates',
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
        const windows: LossWindow[] = [];
        for (let i = 1; i <= copytruncates; i++) {
          await sleep(1100 + Math.floor(Math.random() * 300));
          copyFileSync(file, path.join(logDir, `copy-${i}.bak`)); // the writer runs on this thread: not during the copy
          const copied = writer.next; // every line below this is in the copy
          await sleep(Math.floor(Math.random() * 20)); // logrotate's gap between copy and truncate; the writer writes
          windows.push({ from: copied, to: writer.next });
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
              lossByWindow(count(sent, ingestion.seqs).lostSeqs, windows).outside.length === 0
            );
          },
          scaled(60_000),
          'every line but those written between a copy and its truncate',
        ).catch(() => undefined); // the assertions below say what is missing
        await sleep(3000); // late lines of the last generation
        await collector.stop();
        const all = count(sent, ingestion.seqs);
        const renamePhase = count(copytruncateFrom, ingestion.seqs);
        const lostInCopytruncate = all.lostSeqs.filter((s) => s >= copytruncateFrom).length;
        const byWindow = lossByWindow(all.lostSeqs, windows);
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
          writtenBetweenCopyAndTruncate: byWindow.windowLines,
          lostBetweenCopyAndTruncate: byWindow.inWindows,
          lostOtherwise: byWindow.outside.length,
        });
        expect(byWindow.outside).toEqual([]); // nothing written before a copy finished is lost
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
