// Takes one sample of every counter family from /proc and statfs (no child processes), and turns
// two consecutive samples into counter values. Rates need two samples: the first tick yields none.
// /proc files are read synchronously (readFileSync): the kernel writes them from memory at read time, and
// a synchronous read costs a few µs where fs.promises.readFile took four trips through libuv's thread pool
// (~200 µs a process: a full sample with per-process counters ~16 → ~2.3 ms of CPU, docs/performance.md).
// statfs stays asynchronous: on a network mount whose server is gone it can block for minutes, and it must
// not block the collector's event loop.
import { closeSync, constants as fsConstants, openSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import {
  parseDiskstats,
  parseKeyValueColumns,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  type CpuTimes,
  type DiskStat,
  type NetDev,
} from './proc-readers.js';

export interface RawSample {
  at: number;
  cpu: Map<string, CpuTimes>;
  mem: Map<string, number>;
  vmstat: Map<string, number>;
  net: Map<string, NetDev>;
  disks: Map<string, DiskStat>;
  fs: Map<string, { device: string; total: number; free: number; avail: number; files: number; ffree: number }>;
  load: number[];
  uptime: number;
  users: string[];
  procs: Map<string, { name: string; utime: number; stime: number; rss: number; vsize: number }>;
}

/** The whole text of a /proc file ('' when it cannot be read: gone, not readable, or a symlink). */
function readProcText(p: string): string {
  let fd: number;
  try {
    fd = openSync(p, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  } catch {
    return '';
  }
  try {
    return readFileSync(fd, 'utf8');
  } catch {
    return ''; // the process ended between open and read (ESRCH)
  } finally {
    closeSync(fd);
  }
}

export async function takeSample(root = '/proc', wantProcesses = false): Promise<RawSample> {
  const [stat, meminfo, vmstat, netdev, diskstats, loadavg, uptime, mounts] = [
    'stat',
    'meminfo',
    'vmstat',
    'net/dev',
    'diskstats',
    'loadavg',
    'uptime',
    'self/mounts',
  ].map((f) => readProcText(`${root}/${f}`));
  const fsInfo = new Map<
    string,
    { device: string; total: number; free: number; avail: number; files: number; ffree: number }
  >();
  for (const m of parseMounts(mounts!)) {
    try {
      const s = await fs.statfs(m.mountPoint);
      fsInfo.set(m.mountPoint, {
        device: m.device,
        total: s.blocks * s.bsize,
        free: s.bfree * s.bsize,
        avail: s.bavail * s.bsize,
        files: s.files,
        ffree: s.ffree,
      });
    } catch {
      // unmounted meanwhile or not accessible
    }
  }
  return {
    at: Date.now(),
    cpu: parseProcStat(stat!),
    mem: parseMeminfo(meminfo!),
    vmstat: parseKeyValueColumns(vmstat!),
    net: parseNetDev(netdev!),
    disks: parseDiskstats(diskstats!),
    fs: fsInfo,
    load: loadavg!.split(' ').slice(0, 3).map(Number),
    uptime: Number(uptime!.split(' ')[0] ?? 0),
    users: readUtmpUsers(),
    procs: wantProcesses ? readProcesses(root) : new Map(),
  };
}

/** Logged-in users from utmp records (384 bytes each: ut_type at 0, ut_user at 44, 32 bytes). */
function readUtmpUsers(file = '/var/run/utmp'): string[] {
  try {
    const buf = readFileSync(file);
    const users: string[] = [];
    for (let off = 0; off + 384 <= buf.length; off += 384) {
      if (buf.readInt32LE(off) !== 7) continue; // USER_PROCESS
      const name = buf
        .subarray(off + 44, off + 76)
        .toString('utf8')
        .replace(/\0.*$/s, '');
      if (name) users.push(name);
    }
    return users;
  } catch {
    return [];
  }
}

function readProcesses(root: string): RawSample['procs'] {
  const out: RawSample['procs'] = new Map();
  const pageSize = 4096;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    entries = [];
  }
  for (const pid of entries.filter((d) => /^\d+$/.test(d))) {
    const stat = readProcText(`${root}/${pid}/stat`);
    const close = stat.lastIndexOf(')');
    if (close < 0) continue;
    const name = stat.slice(stat.indexOf('(') + 1, close);
    const f = stat.slice(close + 2).split(' ');
    out.set(pid, {
      name,
      utime: Number(f[11]),
      stime: Number(f[12]),
      vsize: Number(f[20]),
      rss: Number(f[21]) * pageSize,
    });
  }
  return out;
}

/**
 * CPUs online: the per-CPU lines of /proc/stat, which is where os.cpus() counts them too (libuv), without
 * os.cpus()' read of /proc/cpuinfo and every CPU's frequency (~0.3 ms a call).
 */
function cpuCount(s: RawSample): number {
  const perCpu = s.cpu.size - (s.cpu.has('_Total') ? 1 : 0);
  return perCpu > 0 ? perCpu : os.cpus().length;
}

export interface CounterValue {
  object: string;
  instance: string;
  counter: string;
  value: number;
}

const MB = 1024 * 1024;
const pct = (part: number, total: number): number => (total > 0 ? (100 * part) / total : 0);
const rate = (a: number | undefined, b: number | undefined, secs: number): number | undefined =>
  a === undefined || b === undefined || secs <= 0 || b < a ? undefined : (b - a) / secs; // b < a: counter reset → skip

/** All counter values derivable from `cur` (and `prev` for rates), keyed by object. */
export function computeValues(prev: RawSample | undefined, cur: RawSample): CounterValue[] {
  const out: CounterValue[] = [];
  const push = (object: string, instance: string, counter: string, value: number | undefined): void => {
    if (value !== undefined && Number.isFinite(value))
      out.push({ object, instance, counter, value: Math.round(value * 1000) / 1000 });
  };
  const secs = prev ? (cur.at - prev.at) / 1000 : 0;
  if (prev) {
    for (const [inst, c] of cur.cpu) {
      const p = prev.cpu.get(inst);
      if (!p) continue;
      const d = (k: keyof CpuTimes): number => Math.max(0, c[k] - p[k]);
      const total =
        d('user') + d('nice') + d('system') + d('idle') + d('iowait') + d('irq') + d('softirq') + d('steal');
      if (total <= 0) continue;
      push('Processor', inst, '% Processor Time', 100 - pct(d('idle') + d('iowait'), total));
      push('Processor', inst, '% Idle Time', pct(d('idle'), total));
      push('Processor', inst, '% User Time', pct(d('user'), total));
      push('Processor', inst, '% Nice Time', pct(d('nice'), total));
      push('Processor', inst, '% Privileged Time', pct(d('system'), total));
      push('Processor', inst, '% IO Wait Time', pct(d('iowait'), total));
      push('Processor', inst, '% Interrupt Time', pct(d('irq') + d('softirq'), total));
    }
  }
  const m = cur.mem;
  const total = m.get('MemTotal') ?? 0;
  const avail = m.get('MemAvailable') ?? (m.get('MemFree') ?? 0) + (m.get('Cached') ?? 0);
  if (total > 0) {
    push('Memory', '_Total', 'Available MBytes Memory', avail / MB);
    push('Memory', '_Total', '% Available Memory', pct(avail, total));
    push('Memory', '_Total', 'Used Memory MBytes', (total - avail) / MB);
    push('Memory', '_Total', '% Used Memory', pct(total - avail, total));
    const st = m.get('SwapTotal') ?? 0;
    const sf = m.get('SwapFree') ?? 0;
    push('Memory', '_Total', 'Available MBytes Swap', sf / MB);
    push('Memory', '_Total', 'Used MBytes Swap Space', (st - sf) / MB);
    push('Memory', '_Total', '% Available Swap Space', st > 0 ? pct(sf, st) : 100);
    push('Memory', '_Total', '% Used Swap Space', st > 0 ? pct(st - sf, st) : 0);
  }
  if (prev) {
    const v = (k: string, s: RawSample): number | undefined => s.vmstat.get(k);
    const pin = rate(v('pgpgin', prev), v('pgpgin', cur), secs);
    const pout = rate(v('pgpgout', prev), v('pgpgout', cur), secs);
    push('Memory', '_Total', 'Page Reads/sec', pin);
    push('Memory', '_Total', 'Page Writes/sec', pout);
    if (pin !== undefined && pout !== undefined) push('Memory', '_Total', 'Pages/sec', pin + pout);
  }
  for (const [mount, f] of cur.fs) {
    push('Logical Disk', mount, 'Free Megabytes', f.avail / MB);
    push('Logical Disk', mount, '% Free Space', pct(f.avail, f.total - f.free + f.avail));
    push('Logical Disk', mount, '% Used Space', 100 - pct(f.avail, f.total - f.free + f.avail));
    if (f.files > 0) {
      push('Logical Disk', mount, '% Free Inodes', pct(f.ffree, f.files));
      push('Logical Disk', mount, '% Used Inodes', 100 - pct(f.ffree, f.files));
    }
    if (prev) {
      const dev = f.device.replace(/^\/dev\//, '');
      const a = prev.disks.get(dev);
      const b = cur.disks.get(dev);
      if (a && b) {
        const rb = rate(a.readSectors * 512, b.readSectors * 512, secs);
        const wb = rate(a.writeSectors * 512, b.writeSectors * 512, secs);
        const r = rate(a.reads, b.reads, secs);
        const w = rate(a.writes, b.writes, secs);
        push('Logical Disk', mount, 'Disk Read Bytes/sec', rb);
        push('Logical Disk', mount, 'Disk Write Bytes/sec', wb);
        if (rb !== undefined && wb !== undefined) push('Logical Disk', mount, 'Logical Disk Bytes/sec', rb + wb);
        push('Logical Disk', mount, 'Disk Reads/sec', r);
        push('Logical Disk', mount, 'Disk Writes/sec', w);
        if (r !== undefined && w !== undefined) push('Logical Disk', mount, 'Disk Transfers/sec', r + w);
      }
    }
  }
  for (const [iface, n] of cur.net) {
    if (iface === 'lo') continue;
    push('Network', iface, 'Total Bytes Transmitted', n.txBytes);
    push('Network', iface, 'Total Bytes Received', n.rxBytes);
    push('Network', iface, 'Total Bytes', n.txBytes + n.rxBytes);
    push('Network', iface, 'Total Packets Transmitted', n.txPackets);
    push('Network', iface, 'Total Packets Received', n.rxPackets);
    push('Network', iface, 'Total Rx Errors', n.rxErrors);
    push('Network', iface, 'Total Tx Errors', n.txErrors);
    push('Network', iface, 'Total Collisions', n.rxDrop + n.txDrop); // AMA maps this to drops (docs/azure-interfaces.md §2)
  }
  push('System', '_Total', 'Uptime', cur.uptime);
  push('System', '_Total', 'Load1', cur.load[0]);
  push('System', '_Total', 'Load5', cur.load[1]);
  push('System', '_Total', 'Load15', cur.load[2]);
  push('System', '_Total', 'Users', cur.users.length);
  push('System', '_Total', 'Unique Users', new Set(cur.users).size);
  push('System', '_Total', 'CPUs', cpuCount(cur));
  if (prev && cur.procs.size > 0) {
    const hz = 100;
    for (const [pid, p] of cur.procs) {
      const q = prev.procs.get(pid);
      const inst = p.name;
      push('Process', inst, 'Used Memory', p.rss);
      push('Process', inst, 'Virtual Shared Memory', p.vsize);
      if (q) {
        push('Process', inst, 'Pct User Time', (100 * (p.utime - q.utime)) / hz / Math.max(secs, 1e-9));
        push('Process', inst, 'Pct Privileged Time', (100 * (p.stime - q.stime)) / hz / Math.max(secs, 1e-9));
      }
    }
  }
  return out;
}
