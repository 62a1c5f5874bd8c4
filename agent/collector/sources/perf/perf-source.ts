// Performance counter source: samples /proc every samplingFrequencyInSeconds, emits the requested
// counters as Microsoft-Perf records (Perf columns, docs/azure-interfaces.md §8) and/or Microsoft-InsightsMetrics
// records (§7.3); `\VmInsights\DetailedMetrics` adds the VM insights metric set (vm-insights.ts).
// Unknown specifiers and counters this kernel lacks are reported once, not per sample.
import type { Component, LogRecord, SourceContext } from '../../pipeline/index.js';
import { resolveSpecifiers, type CounterSpec } from './counters.js';
import { computeValues, takeSample, type CounterValue, type RawSample } from './sampler.js';
import { machineAgentId, vmInsightsRecords } from './vm-insights.js';

export interface PerfSourceSpec {
  id: string;
  counterSpecifiers: string[];
  intervalSec: number;
  streams: string[];
  procRoot?: string;
}

const IM_NAMES: Record<string, [string, string]> = {
  'Processor|% Processor Time': ['Processor', 'UtilizationPercentage'],
  'Memory|Available MBytes Memory': ['Memory', 'AvailableMB'],
  'Memory|% Available Memory': ['Memory', 'AvailablePercentage'],
  'Logical Disk|Free Megabytes': ['LogicalDisk', 'FreeSpaceMB'],
  'Logical Disk|% Free Space': ['LogicalDisk', 'FreeSpacePercentage'],
  'Logical Disk|Disk Transfers/sec': ['LogicalDisk', 'TransfersPerSecond'],
  'Logical Disk|Disk Read Bytes/sec': ['LogicalDisk', 'ReadBytesPerSecond'],
  'Logical Disk|Disk Write Bytes/sec': ['LogicalDisk', 'WriteBytesPerSecond'],
  'Logical Disk|Logical Disk Bytes/sec': ['LogicalDisk', 'BytesPerSecond'],
  'Logical Disk|Disk Reads/sec': ['LogicalDisk', 'ReadsPerSecond'],
  'Logical Disk|Disk Writes/sec': ['LogicalDisk', 'WritesPerSecond'],
  'Network|Total Bytes Received': ['Network', 'ReadBytesPerSecond'],
  'Network|Total Bytes Transmitted': ['Network', 'WriteBytesPerSecond'],
};

export class PerfSource implements Component {
  readonly id: string;
  private timer?: NodeJS.Timeout;
  private prev?: RawSample;
  private readonly counters: CounterSpec[];
  /** Set when the specifiers ask for VM insights and the source writes Microsoft-InsightsMetrics. */
  private readonly vmInsightsAgentId?: string;
  private reportedMissing = false;
  private samples = 0;

  constructor(
    private readonly spec: PerfSourceSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
    const { counters, unknown, vmInsights } = resolveSpecifiers(spec.counterSpecifiers);
    this.counters = counters;
    if (vmInsights && spec.streams.includes('Microsoft-InsightsMetrics')) this.vmInsightsAgentId = machineAgentId();
    else if (vmInsights)
      ctx.logger.warn(
        `${spec.id}: \\VmInsights\\DetailedMetrics produces Microsoft-InsightsMetrics only; this source writes ${spec.streams.join(', ')}`,
      );
    if (unknown.length > 0)
      ctx.logger.warn(
        `${spec.id}: ignoring ${unknown.length} counter specifier(s) not supported on Linux: ${unknown.slice(0, 10).join(', ')}`,
      );
  }

  async start(): Promise<void> {
    if (this.timer) return;
    void this.tick(); // baseline for rates
    this.timer = setInterval(() => void this.tick(), Math.max(1, this.spec.intervalSec) * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One sample → records; exported for tests and the benchmark. */
  async tick(): Promise<void> {
    try {
      const cur = await takeSample(
        this.spec.procRoot,
        this.counters.some((c) => c.object === 'Process'),
      );
      const prevSample = this.prev;
      const values = computeValues(prevSample, cur);
      const first = prevSample === undefined;
      this.prev = cur;
      this.samples++;
      const selected = values.filter((v) => this.counters.some((c) => matches(c, v)));
      if (!first && !this.reportedMissing) this.reportMissing(values);
      const now = new Date(cur.at).toISOString();
      if (this.vmInsightsAgentId !== undefined) {
        const vmi = vmInsightsRecords(first ? undefined : prevSample, cur, values, {
          time: now,
          computer: this.ctx.computer,
          agentId: this.vmInsightsAgentId,
        });
        if (vmi.length > 0) await this.ctx.sink.write('Microsoft-InsightsMetrics', vmi);
      }
      if (selected.length === 0) return;
      if (this.spec.streams.includes('Microsoft-Perf'))
        await this.ctx.sink.write(
          'Microsoft-Perf',
          selected.map((v) => this.perfRecord(v, now)),
        );
      if (this.spec.streams.includes('Microsoft-InsightsMetrics'))
        await this.ctx.sink.write(
          'Microsoft-InsightsMetrics',
          selected.map((v) => this.imRecord(v, now)),
        );
    } catch (err) {
      this.ctx.logger.warn(`${this.id}: sample failed: ${(err as Error).message}`);
    }
  }

  private reportMissing(values: CounterValue[]): void {
    this.reportedMissing = true;
    const missing = this.counters.filter((c) => !values.some((v) => matches(c, v)));
    if (missing.length > 0) {
      this.ctx.logger.warn(
        `${this.id}: ${missing.length} counter(s) produce no value on this machine (reported once): ${missing
          .slice(0, 10)
          .map((c) => `${c.object}(${c.instance})\\${c.counter}`)
          .join(', ')}`,
      );
    }
  }

  perfRecord(v: CounterValue, time: string): LogRecord {
    return {
      TimeGenerated: time,
      Computer: this.ctx.computer,
      ObjectName: v.object,
      CounterName: v.counter,
      InstanceName: v.instance,
      CounterValue: v.value,
      CounterPath: `\\\\${this.ctx.computer}\\${v.object}(${v.instance})\\${v.counter}`,
    };
  }

  imRecord(v: CounterValue, time: string): LogRecord {
    const [namespace, name] = IM_NAMES[`${v.object}|${v.counter}`] ?? [v.object.replace(/\s+/g, ''), v.counter];
    const tagKey =
      v.object === 'Logical Disk'
        ? 'vm.azm.ms/mountId'
        : v.object === 'Network'
          ? 'vm.azm.ms/networkDeviceId'
          : v.object === 'Processor'
            ? 'vm.azm.ms/cpuId'
            : 'instance';
    return {
      TimeGenerated: time,
      Computer: this.ctx.computer,
      Origin: 'vm.azm.ms',
      Namespace: namespace,
      Name: name,
      Val: v.value,
      Tags: JSON.stringify({ [tagKey]: v.instance }),
    };
  }
}

function matches(c: CounterSpec, v: CounterValue): boolean {
  return c.object === v.object && c.counter === v.counter && (c.instance === '*' || c.instance === v.instance);
}
