// VM insights: `\VmInsights\DetailedMetrics` on a Microsoft-InsightsMetrics performance source expands to
// the VM insights metric set from this machine's real /proc (Origin vm.azm.ms, Namespace/Name/Val, JSON
// Tags with the VM insights tag keys, AgentId), nothing on the first sample (rates need two); a VM
// insights DCR as the portal makes it (with the Dependency Agent extension) loads, runs its perf source
// on the InsightsMetrics companion lane and warns about the ignored extension; disk latency per mount is the
// device time per completed operation between two /proc/diskstats readings.
import { describe, expect, test } from '@jest/globals';
import { PerfSource } from '../../../../agent/collector/sources/perf/perf-source.js';
import { resolveSpecifiers } from '../../../../agent/collector/sources/perf/counters.js';
import { parseDiskstats } from '../../../../agent/collector/sources/perf/proc-readers.js';
import type { RawSample } from '../../../../agent/collector/sources/perf/sampler.js';
import { vmInsightsRecords } from '../../../../agent/collector/sources/perf/vm-insights.js';
import { addCompanionDeclarations } from '../../../../agent/collector/dcr/fix.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import type { LogRecord } from '../../../../agent/collector/pipeline/types.js';
import { testAgentConfig } from '../../../support/agent-config.js';

const WS = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/ws';
/** The DCR VM insights onboarding creates (MSVMI-…), processes and dependencies enabled. */
const vmInsightsDcr = {
  location: 'westeurope',
  properties: {
    immutableId: 'dcr-7d1a7d1a7d1a7d1a7d1a7d1a7d1a7d1a',
    description: 'Data collection rule for VM Insights.',
    dataCollectionEndpoint: { logsIngestion: 'https://dce.westeurope-1.ingest.monitor.azure.com' },
    dataSources: {
      performanceCounters: [
        {
          name: 'VMInsightsPerfCounters',
          streams: ['Microsoft-InsightsMetrics'],
          samplingFrequencyInSeconds: 60,
          counterSpecifiers: ['\\VmInsights\\DetailedMetrics'],
        },
      ],
      extensions: [
        {
          name: 'DependencyAgentDataSource',
          streams: ['Microsoft-ServiceMap'],
          extensionName: 'DependencyAgent',
          extensionSettings: {},
        },
      ],
    },
    destinations: { logAnalytics: [{ name: 'VMInsightsPerf-Logs-Dest', workspaceResourceId: WS }] },
    dataFlows: [
      { streams: ['Microsoft-InsightsMetrics'], destinations: ['VMInsightsPerf-Logs-Dest'] },
      { streams: ['Microsoft-ServiceMap'], destinations: ['VMInsightsPerf-Logs-Dest'] },
    ],
  },
};

describe('VM insights', () => {
  test('\\VmInsights\\DetailedMetrics is the VM insights set, not an unknown Windows specifier', () => {
    expect(resolveSpecifiers(['\\VmInsights\\DetailedMetrics'])).toEqual({
      counters: [],
      unknown: [],
      vmInsights: true,
    });
    expect(resolveSpecifiers(['\\Processor(_Total)\\% Processor Time']).vmInsights).toBe(false);
  });

  test('emits the VM insights metrics from the real /proc with InsightsMetrics columns and tags', async () => {
    const written: LogRecord[] = [];
    const src = new PerfSource(
      {
        id: 'perf/vmi',
        counterSpecifiers: ['\\VmInsights\\DetailedMetrics'],
        intervalSec: 60,
        streams: ['Microsoft-InsightsMetrics'],
      },
      {
        logger: createNullLogger(),
        computer: 'vm1',
        drops: { drop: () => undefined },
        checkpoints: { load: async () => undefined, save: async () => undefined },
        sink: { write: async (s, r) => void (s === 'Microsoft-InsightsMetrics' && written.push(...r)) },
      },
    );
    await src.tick();
    expect(written).toEqual([]); // rates need two samples
    await new Promise((r) => setTimeout(r, 1100));
    await src.tick();
    const names = new Set(written.map((r) => `${String(r.Namespace)}/${String(r.Name)}`));
    for (const m of [
      'Processor/UtilizationPercentage',
      'Memory/AvailableMB',
      'LogicalDisk/FreeSpaceMB',
      'LogicalDisk/FreeSpacePercentage',
    ])
      expect(names).toContain(m);
    const cpu = written.find((r) => r.Name === 'UtilizationPercentage')!;
    expect(Object.keys(cpu).sort()).toEqual([
      'AgentId',
      'Computer',
      'Name',
      'Namespace',
      'Origin',
      'Tags',
      'TimeGenerated',
      'Val',
    ]);
    expect(cpu).toMatchObject({ Computer: 'vm1', Origin: 'vm.azm.ms', Namespace: 'Processor' });
    expect(cpu.AgentId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(JSON.parse(String(cpu.Tags))).toEqual({ 'vm.azm.ms/totalCpus': expect.any(Number) });
    expect(Number(cpu.Val)).toBeGreaterThanOrEqual(0);
    expect(Number(cpu.Val)).toBeLessThanOrEqual(100);
    const mem = written.find((r) => r.Name === 'AvailableMB')!;
    expect(JSON.parse(String(mem.Tags))['vm.azm.ms/memorySizeMB']).toBeGreaterThan(Number(mem.Val));
    const free = written.find((r) => r.Name === 'FreeSpaceMB')!;
    expect(Object.keys(JSON.parse(String(free.Tags))).sort()).toEqual(['vm.azm.ms/diskSizeMB', 'vm.azm.ms/mountId']);
    for (const r of written.filter((x) => x.Namespace === 'Network'))
      expect(JSON.parse(String(r.Tags))['vm.azm.ms/networkDeviceId']).not.toBe('lo');
  });

  test('a portal VM insights DCR, fixed, runs its perf source to the InsightsMetrics companion; ServiceMap ignored with a warning', () => {
    const { dcr } = addCompanionDeclarations(vmInsightsDcr);
    const built = buildPipelineGraph([{ json: dcr, origin: 'inline', ref: 'vmi' }], {
      computer: 'vm1',
      config: testAgentConfig(),
      env: {},
      outDir: '/tmp/out',
    });
    expect(built.dcrs).toEqual([
      expect.objectContaining({ immutableId: 'dcr-7d1a7d1a7d1a7d1a7d1a7d1a7d1a7d1a', state: 'loaded' }),
    ]);
    const warnings = [...(built.dcrs[0]!.warnings ?? []), ...built.warnings].join('\n');
    expect(warnings).toMatch(/extension|ServiceMap|DependencyAgent/);
    const perf = built.graph.sources.find((s) => s.kind === 'perf')!;
    expect((perf.spec as { counterSpecifiers: string[] }).counterSpecifiers).toEqual(['\\VmInsights\\DetailedMetrics']);
    expect(built.graph.lanes.map((l) => l.id)).toEqual([
      'dcr-7d1a7d1a7d1a7d1a7d1a7d1a7d1a7d1a/VMInsightsPerf-Logs-Dest/Custom-OpenAma-InsightsMetrics',
    ]);
  });

  test('LogicalDisk Read/Write/TransferLatencyMs: device milliseconds per completed operation, 0 when idle', () => {
    // /proc/diskstats lines: major minor name reads merged sectors ms-reading writes merged sectors ms-writing …
    const before = parseDiskstats(
      '   8       0 sda 100 0 800 500 50 0 400 1000 0 0 0\n   8      16 sdb 7 0 56 70 9 0 72 90 0 0 0\n',
    );
    const after = parseDiskstats(
      '   8       0 sda 110 0 880 540 70 0 560 1300 0 0 0\n   8      16 sdb 7 0 56 70 9 0 72 90 0 0 0\n',
    );
    expect(after.get('sda')).toEqual({
      reads: 110,
      readSectors: 880,
      readMs: 540,
      writes: 70,
      writeSectors: 560,
      writeMs: 1300,
    });
    const sample = (at: number, disks: RawSample['disks']): RawSample => ({
      at,
      cpu: new Map(),
      mem: new Map(),
      vmstat: new Map(),
      net: new Map(),
      disks,
      fs: new Map([
        ['/', { device: '/dev/sda', total: 10, free: 5, avail: 4, files: 1, ffree: 1 }],
        ['/data', { device: '/dev/sdb', total: 10, free: 5, avail: 4, files: 1, ffree: 1 }],
      ]),
      load: [],
      uptime: 0,
      users: [],
      procs: new Map(),
    });
    const recs = vmInsightsRecords(sample(0, before), sample(60_000, after), [], {
      time: 't',
      computer: 'vm1',
      agentId: 'a',
    });
    const val = (mount: string, name: string): unknown =>
      recs.find((r) => r.Name === name && JSON.parse(String(r.Tags))['vm.azm.ms/mountId'] === mount)?.Val;
    expect(val('/', 'ReadLatencyMs')).toBe(4); // 40 ms over 10 reads
    expect(val('/', 'WriteLatencyMs')).toBe(15); // 300 ms over 20 writes
    expect(val('/', 'TransferLatencyMs')).toBe(11.333); // 340 ms over 30 operations
    expect(val('/data', 'ReadLatencyMs')).toBe(0);
    expect(val('/data', 'TransferLatencyMs')).toBe(0);
    expect(recs.find((r) => r.Name === 'ReadLatencyMs')).toMatchObject({
      Origin: 'vm.azm.ms',
      Namespace: 'LogicalDisk',
    });
  });
});
