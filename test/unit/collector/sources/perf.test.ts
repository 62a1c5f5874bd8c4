// Performance counters: specifier parsing, counter math from two captured /proc snapshots (rates need
// two samples), wrap/reset never yields a bogus rate, and the real /proc of this machine gives every
// catalogue counter or reports it missing once; records carry exactly the Perf / InsightsMetrics columns.
// A made-up /proc tree: files past 64 KiB are read whole, odd process names parse, processes
// that vanished or whose stat is a symlink are skipped.
import { describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseSpecifier, resolveSpecifiers, SUPPORTED } from '../../../../agent/collector/sources/perf/counters.js';
import { computeValues, takeSample, type RawSample } from '../../../../agent/collector/sources/perf/sampler.js';
import { PerfSource } from '../../../../agent/collector/sources/perf/perf-source.js';
import { parseProcStat, parseMeminfo, parseNetDev } from '../../../../agent/collector/sources/perf/proc-readers.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import type { LogRecord } from '../../../../agent/collector/pipeline/types.js';

function sample(at: number, cpu: string, meminfo: string, net: string): RawSample {
  return {
    at,
    cpu: parseProcStat(cpu),
    mem: parseMeminfo(meminfo),
    vmstat: new Map([
      ['pgpgin', at / 10],
      ['pgpgout', at / 20],
    ]),
    net: parseNetDev(net),
    disks: new Map(),
    fs: new Map(),
    load: [0.5, 0.4, 0.3],
    uptime: 1000,
    users: ['alice', 'alice', 'bob'],
    procs: new Map(),
  };
}
const MEM =
  'MemTotal:       8000000 kB\nMemFree:        1000000 kB\nMemAvailable:   2000000 kB\nSwapTotal:      1000000 kB\nSwapFree:        250000 kB\n';
const NET =
  'Inter-|   Receive\n face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n  eth0: 1000 10 1 0 0 0 0 0 2000 20 2 0 0 0 0 0\n    lo: 5 5 0 0 0 0 0 0 5 5 0 0 0 0 0 0\n';

describe('perf counters', () => {
  test('specifier parsing: Linux form, instances, Windows form ignored, unknown counters reported', () => {
    expect(parseSpecifier('Processor(*)\\% Processor Time')).toEqual({
      object: 'Processor',
      instance: '*',
      counter: '% Processor Time',
    });
    expect(parseSpecifier('\\Processor(_Total)\\% Processor Time')).toBeUndefined();
    const r = resolveSpecifiers([
      'Logical Disk(/)\\% Free Space',
      'Memory(*)\\*',
      'Processor(*)\\% DPC Time',
      'Bogus(*)\\x',
    ]);
    expect(r.counters.filter((c) => c.object === 'Memory')).toHaveLength(SUPPORTED.Memory!.length);
    expect(r.unknown).toEqual(['Processor(*)\\% DPC Time', 'Bogus(*)\\x']);
  });

  test('CPU percentages and rates from two snapshots; the first sample yields no rates', () => {
    const s1 = sample(10_000, 'cpu  100 0 100 800 0 0 0 0\ncpu0 50 0 50 400 0 0 0 0\n', MEM, NET);
    const s2 = sample(20_000, 'cpu  200 0 150 1000 50 0 0 0\ncpu0 100 0 75 500 25 0 0 0\n', MEM, NET);
    const first = computeValues(undefined, s1);
    expect(first.find((v) => v.counter === '% Processor Time')).toBeUndefined();
    expect(first.find((v) => v.counter === 'Page Reads/sec')).toBeUndefined();
    const v = computeValues(s1, s2);
    const get = (o: string, i: string, c: string) =>
      v.find((x) => x.object === o && x.instance === i && x.counter === c)?.value;
    // Δ: user 100, system 50, idle 200, iowait 50 → total 400; busy = 100 − (idle+iowait)/total
    expect(get('Processor', '_Total', '% Processor Time')).toBeCloseTo(37.5);
    expect(get('Processor', '_Total', '% IO Wait Time')).toBeCloseTo(12.5);
    expect(get('Memory', '_Total', '% Used Memory')).toBeCloseTo(75);
    expect(get('Memory', '_Total', 'Available MBytes Memory')).toBeCloseTo(2000000 / 1024, 1);
    expect(get('Memory', '_Total', '% Used Swap Space')).toBeCloseTo(75);
    expect(get('Memory', '_Total', 'Page Reads/sec')).toBeCloseTo(100);
    expect(get('Network', 'eth0', 'Total Bytes')).toBe(3000);
    expect(v.some((x) => x.instance === 'lo')).toBe(false);
    expect(get('System', '_Total', 'Users')).toBe(3);
    expect(get('System', '_Total', 'Unique Users')).toBe(2);
  });

  test('a counter reset (value going down) gives no rate instead of a negative one', () => {
    const s1 = sample(10_000, 'cpu  1 0 1 1 0 0 0 0\n', MEM, NET);
    const s2 = {
      ...sample(20_000, 'cpu  2 0 2 2 0 0 0 0\n', MEM, NET),
      vmstat: new Map([
        ['pgpgin', 1],
        ['pgpgout', 1],
      ]),
    };
    expect(computeValues(s1, s2).find((x) => x.counter === 'Page Reads/sec')).toBeUndefined();
  });

  test('the real /proc: every catalogue counter except per-process ones resolves, and records have the Perf and InsightsMetrics columns', async () => {
    const a = await takeSample('/proc', true);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await takeSample('/proc', true);
    const values = computeValues(a, b);
    // CPUs from /proc/stat's per-CPU lines: where os.cpus() counts them too.
    expect(values.find((v) => v.counter === 'CPUs')?.value).toBe(os.cpus().length);
    const produced = new Set(values.map((v) => `${v.object}|${v.counter}`));
    const missing = Object.entries(SUPPORTED)
      .flatMap(([o, cs]) => cs.map((c) => `${o}|${c}`))
      .filter((k) => !produced.has(k));
    // Disk I/O rates need a block device behind a mount; containers may have none.
    expect(missing.filter((m) => !/Logical Disk\|(Disk|Logical Disk Bytes)/.test(m))).toEqual([]);
    const written: Record<string, LogRecord[]> = {};
    const src = new PerfSource(
      {
        id: 'perf/x',
        counterSpecifiers: ['Processor(*)\\% Processor Time', 'Memory(*)\\% Used Memory'],
        intervalSec: 60,
        streams: ['Microsoft-Perf', 'Microsoft-InsightsMetrics'],
      },
      {
        logger: createNullLogger(),
        computer: 'vm1',
        drops: { drop: () => undefined },
        checkpoints: { load: async () => undefined, save: async () => undefined },
        sink: { write: async (s, r) => void (written[s] = [...(written[s] ?? []), ...r]) },
      },
    );
    await src.tick();
    await new Promise((r) => setTimeout(r, 1100));
    await src.tick();
    expect(Object.keys(written['Microsoft-Perf']![0]!).sort()).toEqual([
      'Computer',
      'CounterName',
      'CounterPath',
      'CounterValue',
      'InstanceName',
      'ObjectName',
      'TimeGenerated',
    ]);
    expect(
      written['Microsoft-Perf']!.some((r) => r.CounterName === '% Processor Time' && r.InstanceName === '_Total'),
    ).toBe(true);
    expect(Object.keys(written['Microsoft-InsightsMetrics']![0]!).sort()).toEqual([
      'Computer',
      'Name',
      'Namespace',
      'Origin',
      'Tags',
      'TimeGenerated',
      'Val',
    ]);
    expect(written['Microsoft-InsightsMetrics']!.find((r) => r.Name === 'UtilizationPercentage')).toMatchObject({
      Namespace: 'Processor',
      Origin: 'vm.azm.ms',
    });
  });

  test('a made-up /proc: a stat file past 64 KiB read whole, odd names, vanished processes, symlinks not followed', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'oa-proc-'));
    try {
      // 3000 per-CPU lines: ~150 KB, more than twice the 64 KiB a read of unknown size starts with.
      const cpus = Array.from({ length: 3000 }, (_, i) => `cpu${i} 10 0 20 ${1000 + i} 0 0 0 0 0 0`);
      writeFileSync(path.join(root, 'stat'), ['cpu  1 0 2 3 0 0 0 0 0 0', ...cpus, 'intr 1', ''].join('\n'));
      const proc = (pid: string, name: string, utime: number): void => {
        mkdirSync(path.join(root, pid));
        const fields = Array.from({ length: 50 }, (_, i) => String(i));
        fields[11] = String(utime); // utime, the 14th field of /proc/<pid>/stat (index 11 after "state")
        fields[21] = '25'; // rss in pages
        writeFileSync(path.join(root, pid, 'stat'), `${pid} (${name}) ${fields.join(' ')}\n`);
      };
      proc('1', 'init', 7);
      proc('42', 'we ird) (name', 9);
      mkdirSync(path.join(root, '77')); // ended between readdir and read: no stat
      mkdirSync(path.join(root, 'self'));
      mkdirSync(path.join(root, '99'));
      const secret = path.join(root, 'elsewhere');
      writeFileSync(secret, '99 (not-a-process) S 1 2 3\n');
      symlinkSync(secret, path.join(root, '99', 'stat'));

      const s = await takeSample(root, true);
      expect(s.cpu.size).toBe(3001);
      expect(s.cpu.get('2999')?.idle).toBe(3999);
      expect([...s.procs.keys()].sort()).toEqual(['1', '42']);
      expect(s.procs.get('42')).toEqual({ name: 'we ird) (name', utime: 9, stime: 12, vsize: 20, rss: 25 * 4096 });
      expect(computeValues(undefined, s).find((v) => v.counter === 'CPUs')?.value).toBe(3000);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
