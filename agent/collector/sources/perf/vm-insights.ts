// VM insights: the counter specifier `\VmInsights\DetailedMetrics` (what VM insights DCRs put on a
// Microsoft-InsightsMetrics performance source) stands for the VM insights metric set, emitted as
// InsightsMetrics records (Origin vm.azm.ms, Namespace/Name/Val, Tags as JSON text, AgentId) from two
// consecutive /proc samples: Processor UtilizationPercentage, Memory AvailableMB, Network
// Read/WriteBytesPerSecond per interface, LogicalDisk free space, bytes, operations per second and
// read/write/transfer latency per mount. Names and tags follow the InsightsMetrics reference for VM insights
// (docs/dcr-support.md "VM insights", which also says what is not emitted).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import type { LogRecord } from '../../pipeline/index.js';
import type { CounterValue, RawSample } from './sampler.js';

export const VM_INSIGHTS_SPECIFIER = '\\VmInsights\\DetailedMetrics';
export const isVmInsightsSpecifier = (s: string): boolean =>
  s.trim().toLowerCase() === VM_INSIGHTS_SPECIFIER.toLowerCase();

/** Namespace/Name pairs emitted (Computer/Heartbeat is not: the Heartbeat table carries that). */
export const VM_INSIGHTS_METRICS: [string, string][] = [
  ['Processor', 'UtilizationPercentage'],
  ['Memory', 'AvailableMB'],
  ['Network', 'ReadBytesPerSecond'],
  ['Network', 'WriteBytesPerSecond'],
  ['LogicalDisk', 'FreeSpaceMB'],
  ['LogicalDisk', 'FreeSpacePercentage'],
  ['LogicalDisk', 'ReadBytesPerSecond'],
  ['LogicalDisk', 'WriteBytesPerSecond'],
  ['LogicalDisk', 'BytesPerSecond'],
  ['LogicalDisk', 'ReadsPerSecond'],
  ['LogicalDisk', 'WritesPerSecond'],
  ['LogicalDisk', 'TransfersPerSecond'],
  ['LogicalDisk', 'ReadLatencyMs'],
  ['LogicalDisk', 'WriteLatencyMs'],
  ['LogicalDisk', 'TransferLatencyMs'],
];

/** The per-mount Perf counters behind each LogicalDisk metric. */
const DISK: Record<string, string> = {
  'Free Megabytes': 'FreeSpaceMB',
  '% Free Space': 'FreeSpacePercentage',
  'Disk Read Bytes/sec': 'ReadBytesPerSecond',
  'Disk Write Bytes/sec': 'WriteBytesPerSecond',
  'Logical Disk Bytes/sec': 'BytesPerSecond',
  'Disk Reads/sec': 'ReadsPerSecond',
  'Disk Writes/sec': 'WritesPerSecond',
  'Disk Transfers/sec': 'TransfersPerSecond',
};

const MB = 1024 * 1024;
const round = (v: number): number => Math.round(v * 1000) / 1000;

/** A stable id for this machine in GUID form (from /etc/machine-id, else the host name). */
export function machineAgentId(machineIdFile = '/etc/machine-id'): string {
  let seed: string;
  try {
    seed = readFileSync(machineIdFile, 'utf8').trim() || os.hostname();
  } catch {
    seed = os.hostname();
  }
  const h = createHash('sha256').update(`open-ama:${seed}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The VM insights records of one sample (`values` = computeValues(prev, cur)); none on the first. */
export function vmInsightsRecords(
  prev: RawSample | undefined,
  cur: RawSample,
  values: CounterValue[],
  base: { time: string; computer: string; agentId: string },
): LogRecord[] {
  if (!prev) return [];
  const out: LogRecord[] = [];
  const add = (namespace: string, name: string, val: number, tags: Record<string, string | number>): void => {
    if (!Number.isFinite(val)) return;
    out.push({
      TimeGenerated: base.time,
      Computer: base.computer,
      Origin: 'vm.azm.ms',
      Namespace: namespace,
      Name: name,
      Val: round(val),
      Tags: JSON.stringify(tags),
      AgentId: base.agentId,
    });
  };
  const cpus = [...cur.cpu.keys()].filter((k) => k !== '_Total').length;
  const memTotal = cur.mem.get('MemTotal') ?? 0;
  for (const v of values) {
    if (v.object === 'Processor' && v.instance === '_Total' && v.counter === '% Processor Time')
      add('Processor', 'UtilizationPercentage', v.value, { 'vm.azm.ms/totalCpus': cpus });
    else if (v.object === 'Memory' && v.counter === 'Available MBytes Memory')
      add('Memory', 'AvailableMB', v.value, { 'vm.azm.ms/memorySizeMB': round(memTotal / MB) });
    else if (v.object === 'Logical Disk' && DISK[v.counter]) {
      const tags: Record<string, string | number> = { 'vm.azm.ms/mountId': v.instance };
      const fs = cur.fs.get(v.instance);
      if (DISK[v.counter] === 'FreeSpaceMB' && fs) tags['vm.azm.ms/diskSizeMB'] = round(fs.total / MB);
      add('LogicalDisk', DISK[v.counter]!, v.value, tags);
    }
  }
  // Latency per mount: time the device spent on the operations completed between the samples, divided by
  // their number (/proc/diskstats fields 4/7 and 8/11); 0 when there was none.
  const perOp = (ms: number, ops: number): number => (ops > 0 ? Math.max(0, ms) / ops : 0);
  for (const [mount, f] of cur.fs) {
    const dev = f.device.replace(/^\/dev\//, '');
    const a = prev.disks.get(dev);
    const b = cur.disks.get(dev);
    if (!a || !b) continue;
    const reads = Math.max(0, b.reads - a.reads);
    const writes = Math.max(0, b.writes - a.writes);
    const readMs = b.readMs - a.readMs;
    const writeMs = b.writeMs - a.writeMs;
    const tags = { 'vm.azm.ms/mountId': mount };
    add('LogicalDisk', 'ReadLatencyMs', perOp(readMs, reads), tags);
    add('LogicalDisk', 'WriteLatencyMs', perOp(writeMs, writes), tags);
    add('LogicalDisk', 'TransferLatencyMs', perOp(Math.max(0, readMs) + Math.max(0, writeMs), reads + writes), tags);
  }
  const secs = (cur.at - prev.at) / 1000;
  if (secs > 0) {
    for (const [iface, n] of cur.net) {
      const p = prev.net.get(iface);
      if (iface === 'lo' || !p) continue;
      const dev = { 'vm.azm.ms/networkDeviceId': iface };
      add('Network', 'ReadBytesPerSecond', Math.max(0, n.rxBytes - p.rxBytes) / secs, {
        ...dev,
        'vm.azm.ms/bytesReceived': n.rxBytes,
      });
      add('Network', 'WriteBytesPerSecond', Math.max(0, n.txBytes - p.txBytes) / secs, {
        ...dev,
        'vm.azm.ms/bytesSent': n.txBytes,
      });
    }
  }
  return out;
}
