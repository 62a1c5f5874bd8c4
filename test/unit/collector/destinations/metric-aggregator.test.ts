import { describe, expect, test } from '@jest/globals';
import {
  MetricAggregator,
  GUEST_METRICS_NAMESPACE,
} from '../../../../agent/collector/destinations/metrics/metric-aggregator.js';

const perf = (t: string, counter: string, instance: string, value: number) => ({
  TimeGenerated: t,
  ObjectName: 'Processor',
  CounterName: counter,
  InstanceName: instance,
  CounterValue: value,
});

describe('per-minute metric aggregation', () => {
  test('aggregates min/max/sum/count per metric and instance within a minute', () => {
    const a = new MetricAggregator();
    a.add(perf('2026-11-25T10:00:05Z', '% Processor Time', '_Total', 10));
    a.add(perf('2026-11-25T10:00:15Z', '% Processor Time', '_Total', 30));
    a.add(perf('2026-11-25T10:00:25Z', '% Processor Time', '0', 5));
    const docs = a.takeClosed(Date.parse('2026-11-25T10:01:00Z'));
    expect(docs).toHaveLength(1);
    expect(docs[0]).toEqual({
      time: '2026-11-25T10:00:00Z',
      data: {
        baseData: {
          metric: '% Processor Time',
          namespace: GUEST_METRICS_NAMESPACE,
          dimNames: ['instance'],
          series: [
            { dimValues: ['_Total'], min: 10, max: 30, sum: 40, count: 2 },
            { dimValues: ['0'], min: 5, max: 5, sum: 5, count: 1 },
          ],
        },
      },
    });
  });

  test('keeps the open minute until it closes, and hands it over on flush', () => {
    const a = new MetricAggregator();
    a.add(perf('2026-11-25T10:00:05Z', 'Load1', '_Total', 1));
    a.add(perf('2026-11-25T10:01:05Z', 'Load1', '_Total', 2));
    expect(a.takeClosed(Date.parse('2026-11-25T10:01:30Z')).map((d) => d.time)).toEqual(['2026-11-25T10:00:00Z']);
    expect(a.takeClosed(Date.parse('2026-11-25T10:01:30Z'))).toEqual([]);
    expect(a.takeClosed(Date.parse('2026-11-25T10:01:30Z'), true).map((d) => d.time)).toEqual(['2026-11-25T10:01:00Z']);
  });

  test('accepts InsightsMetrics records (instance from Tags) and ignores records without a numeric value', () => {
    const a = new MetricAggregator();
    expect(
      a.add({
        TimeGenerated: '2026-11-25T10:00:05Z',
        Namespace: 'LogicalDisk',
        Name: 'FreeSpacePercentage',
        Val: 42,
        Tags: '{"vm.azm.ms/mountId":"/"}',
      }),
    ).toBe(true);
    expect(a.add({ TimeGenerated: '2026-11-25T10:00:05Z', CounterName: 'x', CounterValue: 'NaN' })).toBe(false);
    const [doc] = a.takeClosed(0, true);
    expect(doc!.data.baseData.series).toEqual([{ dimValues: ['/'], min: 42, max: 42, sum: 42, count: 1 }]);
  });
});
