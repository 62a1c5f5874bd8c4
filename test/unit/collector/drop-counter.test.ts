// The drop counter's log: the first drop of a reason at a place is logged at once, naming the reason and
// the DCR, destination and stream; later ones within the window are summed into one line when the window
// ends, so collector.log accounts for every record dropped without one line per drop. Through a real
// file logger (agent/telemetry/logger.ts) in a temp dir.
import { afterEach, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CountingDropCounter } from '../../../agent/collector/drop-counter.js';
import { closeLogger, createLogger } from '../../../agent/telemetry/index.js';
import { waitFor } from '../../support/net.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('every dropped record is in the log: the first drop at once, the rest summed per window', async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-drops-'));
  const logger = createLogger({ logDir: dir, fileName: 'collector.log' });
  const drops = new CountingDropCounter(logger, undefined, 300);
  drops.setLabels((c) => (c === 'lane-1' ? [{ dcr: 'dcr-1', destination: 'la', stream: 'Microsoft-Syslog' }] : []));
  const lines = (): string[] =>
    (existsSync(path.join(dir!, 'collector.log')) ? readFileSync(path.join(dir!, 'collector.log'), 'utf8') : '')
      .split('\n')
      .filter(Boolean)
      .map((l) => String((JSON.parse(l) as { message: string }).message));

  drops.drop('quota', 3, 'lane-1');
  drops.drop('quota', 2, 'lane-1');
  drops.drop('quota', 4, 'lane-1');
  drops.drop('backpressure', 1, 'syslog');
  await waitFor(() => lines().some((l) => l.includes('since the last line')), 10_000, 'the window summary');
  drops.drop('quota', 5, 'lane-1'); // a new window: held until it ends or flush()
  drops.flush();
  await closeLogger(logger);

  expect(lines()).toEqual([
    'dropped 3 record(s), reason quota (the durable queue reached its disk quota), at DCR dcr-1 destination la stream Microsoft-Syslog; total dropped for quota: 3',
    'dropped 1 record(s), reason backpressure (syslog UDP datagrams arrived while the queue could not keep up), at syslog; total dropped for backpressure: 1',
    'dropped 6 more record(s) since the last line, reason quota (the durable queue reached its disk quota), at DCR dcr-1 destination la stream Microsoft-Syslog; total dropped for quota: 9',
    'dropped 5 more record(s) since the last line, reason quota (the durable queue reached its disk quota), at DCR dcr-1 destination la stream Microsoft-Syslog; total dropped for quota: 14',
  ]);
  expect(drops.byReason).toEqual({ quota: 14, backpressure: 1 });
  expect(drops.droppedAt('lane-1')).toEqual({ quota: 14 });
});
