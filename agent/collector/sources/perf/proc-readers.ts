// Parsers for the /proc files the performance counters come from; pure (text in, numbers out) so
// tests can feed captured snapshots through the same code that reads the live /proc.

export interface CpuTimes {
  user: number;
  nice: number;
  system: number;
  idle: number;
  iowait: number;
  irq: number;
  softirq: number;
  steal: number;
}

export function parseProcStat(text: string): Map<string, CpuTimes> {
  const out = new Map<string, CpuTimes>();
  for (const line of text.split('\n')) {
    const m = /^cpu(\d*)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = m[2]!
      .trim()
      .split(/\s+/)
      .map(Number);
    out.set(m[1] === '' ? '_Total' : m[1]!, { user, nice, system, idle, iowait, irq, softirq, steal });
  }
  return out;
}

export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]) * 1024);
  }
  return out;
}

export function parseKeyValueColumns(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined && /^\d+$/.test(v)) out.set(k, Number(v));
  }
  return out;
}

export interface NetDev {
  rxBytes: number;
  rxPackets: number;
  rxErrors: number;
  rxDrop: number;
  txBytes: number;
  txPackets: number;
  txErrors: number;
  txDrop: number;
}

export function parseNetDev(text: string): Map<string, NetDev> {
  const out = new Map<string, NetDev>();
  for (const line of text.split('\n').slice(2)) {
    const m = /^\s*([^:]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    out.set(m[1]!.trim(), {
      rxBytes: f[0] ?? 0,
      rxPackets: f[1] ?? 0,
      rxErrors: f[2] ?? 0,
      rxDrop: f[3] ?? 0,
      txBytes: f[8] ?? 0,
      txPackets: f[9] ?? 0,
      txErrors: f[10] ?? 0,
      txDrop: f[11] ?? 0,
    });
  }
  return out;
}

export interface DiskStat {
  reads: number;
  readSectors: number;
  /** Milliseconds spent reading (field 7 of a /proc/diskstats line). */
  readMs: number;
  writes: number;
  writeSectors: number;
  /** Milliseconds spent writing (field 11). */
  writeMs: number;
}

export function parseDiskstats(text: string): Map<string, DiskStat> {
  const out = new Map<string, DiskStat>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    out.set(f[2]!, {
      reads: Number(f[3]),
      readSectors: Number(f[5]),
      readMs: Number(f[6]),
      writes: Number(f[7]),
      writeSectors: Number(f[9]),
      writeMs: Number(f[10] ?? 0),
    });
  }
  return out;
}

export interface Mount {
  device: string;
  mountPoint: string;
  fsType: string;
}

const PSEUDO_FS = new Set([
  'proc',
  'sysfs',
  'devtmpfs',
  'devpts',
  'tmpfs',
  'cgroup',
  'cgroup2',
  'securityfs',
  'pstore',
  'bpf',
  'debugfs',
  'tracefs',
  'mqueue',
  'hugetlbfs',
  'fusectl',
  'configfs',
  'autofs',
  'binfmt_misc',
  'rpc_pipefs',
  'nsfs',
  'overlay',
  'squashfs',
  'efivarfs',
  'ramfs',
]);

/** Real file systems from /proc/self/mounts (pseudo and read-only image file systems are skipped, like AMA). */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, mountPoint, fsType] = line.split(' ');
    if (!device || !mountPoint || !fsType || PSEUDO_FS.has(fsType) || seen.has(mountPoint)) continue;
    seen.add(mountPoint);
    out.push({ device, mountPoint: mountPoint.replace(/\\040/g, ' '), fsType });
  }
  return out;
}
