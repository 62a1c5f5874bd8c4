// After uninstall: processes started by the extension must be gone. We look for any process (other than
// ourselves) whose command line or environment mentions the simulated VM's root.
import { readdirSync, readFileSync } from 'node:fs';

export function processesUnder(root: string, exclude: number[] = [process.pid]): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || exclude.includes(Number(d))) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      if (cmd.includes(root) || env.includes(`OPEN_AMA_ROOT=${root}`) || env.includes(root + '/'))
        out.push({ pid: Number(d), cmd });
    } catch {
      // gone or not ours to read
    }
  }
  return out;
}
