import { describe, expect, test } from '@jest/globals';
import { Router, type LaneWriter } from '../../../../agent/collector/pipeline/router.js';
import { diffNodes, nodeKey, stableStringify } from '../../../../agent/collector/pipeline/graph.js';
import type { DropReason, LogRecord } from '../../../../agent/collector/pipeline/types.js';

class MemoryLane implements LaneWriter {
  records: LogRecord[] = [];
  /** Records appended but not yet synced. */
  unsynced = 0;
  syncs = 0;
  async append(records: LogRecord[]): Promise<void> {
    this.records.push(...records);
    this.unsynced += records.length;
  }
  async sync(): Promise<void> {
    this.syncs++;
    this.unsynced = 0;
  }
}

function drops() {
  const counted: { reason: DropReason; count: number; component: string }[] = [];
  return {
    counted,
    drop: (reason: DropReason, count: number, component: string) => counted.push({ reason, count, component }),
  };
}

describe('router', () => {
  test('fans one stream out to every lane routed to it (multi-homing) and projects onto declared columns', async () => {
    const a = new MemoryLane();
    const b = new MemoryLane();
    const d = drops();
    const router = new Router(
      [
        {
          sourceStream: 'Microsoft-Syslog',
          laneId: 'dcr-a/la/Custom-OpenAma-Syslog',
          columns: ['TimeGenerated', 'SyslogMessage'],
        },
        { sourceStream: 'Microsoft-Syslog', laneId: 'dcr-b/la/Custom-OpenAma-Syslog' },
      ],
      {
        lanes: new Map([
          ['dcr-a/la/Custom-OpenAma-Syslog', a],
          ['dcr-b/la/Custom-OpenAma-Syslog', b],
        ]),
        drops: d,
      },
    );
    await router.write('Microsoft-Syslog', [{ TimeGenerated: 't', SyslogMessage: 'm', Facility: 'user' }]);
    expect(a.records).toEqual([{ TimeGenerated: 't', SyslogMessage: 'm' }]);
    expect(b.records).toEqual([{ TimeGenerated: 't', SyslogMessage: 'm', Facility: 'user' }]);
    expect(d.counted).toEqual([]);
  });

  test('records of a stream nobody routes are counted as no_route drops, never silently lost', async () => {
    const d = drops();
    const router = new Router([], { lanes: new Map(), drops: d });
    await router.write('Custom-Unknown', [{ a: 1 }, { a: 2 }]);
    expect(d.counted).toEqual([{ reason: 'no_route', count: 2, component: 'Custom-Unknown' }]);
  });

  test('a transform that removes records counts them as filtered, not as dropped', async () => {
    const lane = new MemoryLane();
    const d = drops();
    const filtered: [string, number][] = [];
    const router = new Router([{ sourceStream: 's', laneId: 'l', transformKql: 'source | where x > 1' }], {
      lanes: new Map([['l', lane]]),
      drops: d,
      transform: (_kql, records) => records.filter((r) => Number(r.x) > 1),
      onFiltered: (laneId, n) => filtered.push([laneId, n]),
    });
    await router.write('s', [{ x: 1 }, { x: 2 }]);
    expect(lane.records).toEqual([{ x: 2 }]);
    expect(filtered).toEqual([['l', 1]]);
    expect(d.counted).toEqual([]);
  });
});

describe('router sync', () => {
  test('sync() fsyncs exactly the lanes written since the last sync', async () => {
    const a = new MemoryLane();
    const b = new MemoryLane();
    const router = new Router(
      [
        { sourceStream: 's1', laneId: 'a' },
        { sourceStream: 's2', laneId: 'b' },
      ],
      {
        lanes: new Map([
          ['a', a],
          ['b', b],
        ]),
        drops: drops(),
      },
    );
    await router.write('s1', [{ x: 1 }]);
    await router.sync();
    expect([a.syncs, a.unsynced, b.syncs]).toEqual([1, 0, 0]);
    await router.sync(); // nothing new: no fsync
    expect(a.syncs).toBe(1);
    await router.write('s2', [{ x: 2 }]);
    await router.write('s1', [{ x: 3 }]);
    await router.sync();
    expect([a.syncs, a.unsynced, b.syncs, b.unsynced]).toEqual([2, 0, 1, 0]);
  });
});

describe('graph diff', () => {
  test('node keys ignore property order; diff keeps unchanged nodes and replaces changed ones', () => {
    expect(stableStringify({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe(stableStringify({ a: [1, { c: 3, d: 2 }], b: 1 }));
    const before = [
      { id: 'x', key: nodeKey({ p: 1 }) },
      { id: 'y', key: nodeKey({ p: 2 }) },
    ];
    const after = [
      { id: 'x', key: nodeKey({ p: 1 }) },
      { id: 'y', key: nodeKey({ p: 3 }) },
      { id: 'z', key: nodeKey({}) },
    ];
    const diff = diffNodes(before, after);
    expect(diff.kept.map((n) => n.id)).toEqual(['x']);
    expect(diff.added.map((n) => n.id)).toEqual(['y', 'z']);
    expect(diff.removed.map((n) => n.id)).toEqual(['y']);
  });
});
