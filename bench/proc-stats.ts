// CPU time, RSS and PSS of a process from /proc (clock ticks → seconds), for benchmark figures.
// RSS (VmRSS) counts every resident page the process maps, shared ones in full; PSS (smaps_rollup) divides
// each shared page among the processes mapping it, so supervisor + collector running the same node binary
// sum to what they really hold together.
import { readFileSync } from 'node:fs';

export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, USER_HZ = 100
}

export function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

/** Proportional set size (MB) from /proc/<pid>/smaps_rollup (Linux ≥ 4.14); throws when the process is gone. */
export function pssMB(pid: number): number {
  const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

export function descendants(pid: number): number[] {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
    return [...kids, ...kids.flatMap(descendants)];
  } catch {
    return [];
  }
}

/** Peak memory of a set of processes, sampled together (the peak of the sum, and each one's own peak). */
export class MemorySampler {
  readonly peakRss: number[];
  readonly peakPss: number[];
  peakRssSum = 0;
  peakPssSum = 0;
  private rssTimer?: NodeJS.Timeout;
  private pssTimer?: NodeJS.Timeout;

  /** RSS every `rssEveryMs`; PSS (a page-table walk in the kernel, dearer) every `pssEveryMs`. */
  constructor(
    private readonly pids: number[],
    rssEveryMs = 100,
    pssEveryMs = 500,
  ) {
    this.peakRss = pids.map(() => 0);
    this.peakPss = pids.map(() => 0);
    this.sample('rss');
    this.sample('pss');
    this.rssTimer = setInterval(() => this.sample('rss'), rssEveryMs);
    this.pssTimer = setInterval(() => this.sample('pss'), pssEveryMs);
  }

  sample(kind: 'rss' | 'pss'): void {
    const read = kind === 'rss' ? rssMB : pssMB;
    const peaks = kind === 'rss' ? this.peakRss : this.peakPss;
    let sum = 0;
    this.pids.forEach((pid, i) => {
      let v = 0;
      try {
        v = read(pid);
      } catch {
        // exited
      }
      if (Number.isFinite(v)) {
        peaks[i] = Math.max(peaks[i]!, v);
        sum += v;
      }
    });
    if (kind === 'rss') this.peakRssSum = Math.max(this.peakRssSum, sum);
    else this.peakPssSum = Math.max(this.peakPssSum, sum);
  }

  stop(): void {
    this.sample('rss');
    this.sample('pss');
    clearInterval(this.rssTimer);
    clearInterval(this.pssTimer);
  }
}
