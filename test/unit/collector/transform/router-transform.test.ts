// The Router with the real agent-side transform: records over their evaluation budget are counted as
// transform_budget drops, filtered ones as filtered (not a drop), and the projection onto the upload
// stream's declared columns reads own members only (a declared `constructor` column is not Object's).
import { expect, test } from '@jest/globals';
import { Router, type LaneWriter } from '../../../../agent/collector/pipeline/router.js';
import type { DropReason, LogRecord } from '../../../../agent/collector/pipeline/types.js';
import { runTransform } from '../../../../agent/collector/transform/index.js';

class MemoryLane implements LaneWriter {
  records: LogRecord[] = [];
  async append(records: LogRecord[]): Promise<void> {
    this.records.push(...records);
  }
  async sync(): Promise<void> {}
}

function drops(): { counted: { reason: DropReason; count: number }[]; drop(r: DropReason, n: number): void } {
  return {
    counted: [],
    drop(reason, count) {
      this.counted.push({ reason, count });
    },
  };
}

test('budget drops and filtered records are counted apart; projection reads own columns', async () => {
  const lane = new MemoryLane();
  const d = drops();
  const kql = 'source | where RawData != "skip" | extend X = replace_regex(RawData, @".*z|a", "b")';
  let filtered = 0;
  const router = new Router([{ sourceStream: 's', laneId: 'l', transformKql: kql, columns: ['X', 'constructor'] }], {
    lanes: new Map([['l', lane]]),
    drops: d,
    transform: runTransform,
    onFiltered: (_lane, n) => (filtered += n),
  });
  await router.write('s', [{ RawData: 'skip' }, { RawData: 'a'.repeat(20_000) }, { RawData: 'za' }]);
  expect(lane.records).toEqual([{ X: 'bb' }]);
  expect(Object.keys(lane.records[0]!)).toEqual(['X']);
  expect(d.counted).toEqual([{ reason: 'transform_budget', count: 1 }]);
  expect(filtered).toBe(1);
}, 60_000);
