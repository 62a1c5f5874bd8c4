// After uninstall: processes started by the extension must be gone. We look for any process (other than
// ourselves) whose command line or environment mentions the simulated VM's root.
import { readdirSync, readFileSync } from 'node:fs';

interface ProcessView {
  pid: number;
  cmd: string;
  env: string;
}

/** Every process we may read, with its command line (spaces for NULs) and raw environment. */
function readableProcesses(exclude: number[]): ProcessView[] {
  const out: ProcessView[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || exclude.includes(Number(d))) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      out.push({ pid: Number(d), cmd, env: readFileSync(`/proc/${d}/environ`, 'utf8') });
    } catch {
      // gone or not ours to read
    }
  }
  return out;
}

export function processesUnder(root: string, exclude: number[] = [process.pid]): { pid: number; cmd: string }[] {
  return readableProcesses(exclude)
    .filter((p) => p.cmd.includes(root) || p.env.includes(`OPEN_AMA_ROOT=${root}`) || p.env.includes(root + '/'))
    .map(({ pid, cmd }) => ({ pid, cmd }));
}

/** "<pid> <cmdline>" of every process whose command line or environment contains `needle` (a root, a secret). */
export function processesMentioning(needle: string, exclude: number[] = []): string[] {
  return readableProcesses(exclude)
    .filter((p) => p.cmd.includes(needle) || p.env.includes(needle))
    .map((p) => `${p.pid} ${p.cmd}`);
}
