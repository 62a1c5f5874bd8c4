// The real collector process: a DCR sends Microsoft-Perf both to azureMonitorMetrics and to a local
// file. The metrics go through an authenticating tinyproxy to the loopback metrics fake named by
// OPEN_AMA_METRICS_URL (resource ID from the IMDS fake); every accepted per-minute series must equal
// min/max/sum/count computed from the raw samples the file destination received for that minute.
import { afterAll, beforeAll, expect, test } from '@jest/globals';

import { mkdtempSync, readFileSync } from 'node:fs';

import * as path from 'node:path';

import { FakeMetricsServer } from '../../../fakes/metrics-server.js';

import { startTinyproxy, type TinyproxyHandle } from '../../../fakes/tinyproxy.js';

import { startCollector, writeConfig } from '../../../support/collector-process.js';
import { describeWhenInstalled, TINYPROXY } from '../../../support/os-requirements.js';
import { waitFor } from '../../../support/net.js';
import { useCollectorWorld } from '../../../support/collector-world.js';

const RESOURCE_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1';
const PROXY_USER = 'perf';
const PROXY_PASSWORD = 'PerfProxyPw42';

let proxy: TinyproxyHandle;

const world = useCollectorWorld('oa-metrics-e2e-', {
  imds: { mode: 'imds', resourceId: RESOURCE_ID, location: 'westeurope' },
});

beforeAll(async () => {
  proxy = await startTinyproxy(path.join(world.dir, 'proxy'), { user: PROXY_USER, password: PROXY_PASSWORD });
});

afterAll(async () => {
  await proxy?.stop();
});

const perfToMetricsAndFile = {
  properties: {
    immutableId: 'dcr-00000000000000000000000000000042',
    dataSources: {
      performanceCounters: [
        {
          name: 'perf',
          streams: ['Microsoft-Perf'],
          samplingFrequencyInSeconds: 5,
          counterSpecifiers: [
            'Processor(*)\\% Processor Time',
            'Memory(*)\\Available MBytes Memory',
            'System(*)\\Load1',
          ],
        },
      ],
    },
    destinations: { azureMonitorMetrics: { name: 'metrics' }, openAmaFile: [{ name: 'raw' }] },
    dataFlows: [{ streams: ['Microsoft-Perf'], destinations: ['metrics', 'raw'] }],
  },
};

interface PerfRow {
  TimeGenerated: string;
  CounterName: string;
  InstanceName: string;
  CounterValue: number;
}

describeWhenInstalled('collector → metrics through a proxy', [TINYPROXY])('collector → Azure Monitor Metrics', () => {
  test('per-minute aggregates of real perf samples arrive through the proxy and match the raw samples', async () => {
    const metrics = new FakeMetricsServer(world.ca);
    await metrics.start();
    const root = mkdtempSync(path.join(world.dir, 'root-'));
    writeConfig(root, [perfToMetricsAndFile], {
      proxy: { mode: 'application', address: proxy.url, username: PROXY_USER, password: PROXY_PASSWORD, bypass: [] },
    });
    const connectsBefore = await proxy.connectCount();
    const child = await startCollector(root, {
      NODE_EXTRA_CA_CERTS: world.ca.caCertPath,
      OPEN_AMA_IMDS_URL: world.imds.base,
      OPEN_AMA_METRICS_URL: metrics.url,
    });
    try {
      // A document comes once a minute closes (≤ 60 s) and the lane's flush runs (10 s). % Processor Time is a
      // rate: its first value needs two readings, so a collector started in a minute's last seconds closes that
      // minute with memory and load only. Wait for a closed minute that holds a processor series (≤ 2 minutes).
      await waitFor(
        () => metrics.accepted.some((d) => d.document.data.baseData.metric.includes('% Processor Time')),
        140_000,
        'a closed minute with processor samples',
      );
      const minutes = new Set(metrics.accepted.map((d) => d.document.time));
      const last = Math.max(...[...minutes].map((m) => Date.parse(m)));
      const readRaw = (): PerfRow[] => {
        try {
          return readFileSync(path.join(root, 'var/opt/open-ama/out/raw.Microsoft-Perf.jsonl'), 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as PerfRow);
        } catch {
          return [];
        }
      };
      // Samples arrive in order: once the file holds one from a later minute, it holds all of those minutes.
      await waitFor(
        () => readRaw().some((r) => Date.parse(r.TimeGenerated) >= last + 60_000),
        30_000,
        'the raw samples of the aggregated minutes',
      );
      const raw = readRaw();
      const expected = new Map<string, { min: number; max: number; sum: number; count: number }>();
      for (const r of raw) {
        const minute = new Date(Math.floor(Date.parse(r.TimeGenerated) / 60_000) * 60_000)
          .toISOString()
          .replace(/\.\d{3}Z$/, 'Z');
        if (!minutes.has(minute)) continue;
        const key = `${minute}|${r.CounterName}|${r.InstanceName}`;
        const s = expected.get(key);
        if (s) {
          s.min = Math.min(s.min, r.CounterValue);
          s.max = Math.max(s.max, r.CounterValue);
          s.sum += r.CounterValue;
          s.count++;
        } else expected.set(key, { min: r.CounterValue, max: r.CounterValue, sum: r.CounterValue, count: 1 });
      }
      // The documents of one minute are posted one per metric: wait (bounded) until every series the raw
      // samples say exists for those minutes has arrived with its full count, then compare.
      const aggregate = (): Map<string, { min: number; max: number; sum: number; count: number }> => {
        const got = new Map<string, { min: number; max: number; sum: number; count: number }>();
        for (const d of metrics.accepted) {
          if (!minutes.has(d.document.time)) continue;
          expect(d.resourceId).toBe(RESOURCE_ID);
          expect(d.authorization).toBe('Bearer test-ingestion-token');
          for (const s of d.document.data.baseData.series) {
            // A sample that reaches the lane just after its minute was flushed comes in a second document for
            // the same minute; the service merges them, and so does this check.
            const key = `${d.document.time}|${d.document.data.baseData.metric}|${s.dimValues[0]}`;
            const prev = got.get(key);
            got.set(
              key,
              prev
                ? {
                    min: Math.min(prev.min, s.min),
                    max: Math.max(prev.max, s.max),
                    sum: prev.sum + s.sum,
                    count: prev.count + s.count,
                  }
                : { min: s.min, max: s.max, sum: s.sum, count: s.count },
            );
          }
        }
        return got;
      };
      await waitFor(
        () => [...expected].every(([k, e]) => aggregate().get(k)?.count === e.count),
        30_000,
        'every series of the aggregated minutes',
      ).catch(() => undefined);
      const got = aggregate();
      expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
      expect([...got.keys()].some((k) => k.includes('% Processor Time'))).toBe(true);
      for (const [key, e] of expected) {
        const g = got.get(key)!;
        expect({ key, min: g.min, max: g.max, count: g.count }).toEqual({
          key,
          min: e.min,
          max: e.max,
          count: e.count,
        });
        expect(g.sum).toBeCloseTo(e.sum, 6);
      }
      expect(metrics.rejected).toEqual([]);
      expect(world.imds.tokenRequests.some((t) => t.resource === 'https://monitoring.azure.com/')).toBe(true);
      expect(await proxy.connectCount()).toBeGreaterThan(connectsBefore);
    } finally {
      await child.stop();
      await metrics.stop();
    }
  }, 220_000);
});
