// Who listens on a TCP port: /proc/net/tcp{,6} gives the listening socket's inode, /proc/<pid>/fd names
// the process holding it (only the caller's own processes unless run as root), /proc/<pid>/cmdline and
// comm say what it is. Reads a bounded number of entries; never follows anything but /proc's own links.
import { promises as fs } from 'node:fs';

export interface PortOwner {
  /** The listening sockets' local addresses, e.g. 127.0.0.1:28330. */
  addresses: string[];
  pid?: number;
  comm?: string;
  cmdline?: string;
}

const MAX_PROCS = 65_536;

/** A /proc/net/tcp{,6} local address ("0100007F:6EAA") as "127.0.0.1:28330" or "[::1]:28330". */
export function decodeAddress(hex: string, v6: boolean): string {
  const [ip, port] = hex.split(':') as [string, string];
  const p = parseInt(port, 16);
  if (!v6) {
    const bytes = [0, 2, 4, 6].map((i) => parseInt(ip.slice(i, i + 2), 16)).reverse();
    return `${bytes.join('.')}:${p}`;
  }
  // IPv6: four little-endian 32-bit words.
  const words = [0, 8, 16, 24].map((i) =>
    ip
      .slice(i, i + 8)
      .match(/../g)!
      .reverse()
      .join(''),
  );
  const groups = words
    .join('')
    .match(/..../g)!
    .map((g) => parseInt(g, 16).toString(16));
  return `[${groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::')}]:${p}`;
}

/** Listening sockets on `port`: inode → local address. */
async function listeners(port: number): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const local = f[1]!;
      if (parseInt(local.split(':')[1] ?? '', 16) !== port) continue;
      out.set(f[9]!, decodeAddress(local, v6));
    }
  }
  return out;
}

/** undefined when nothing listens on the port. */
export async function portOwner(port: number): Promise<PortOwner | undefined> {
  const socks = await listeners(port);
  if (socks.size === 0) return undefined;
  const owner: PortOwner = { addresses: [...new Set(socks.values())] };
  const wanted = new Set([...socks.keys()].map((inode) => `socket:[${inode}]`));
  const pids = (await fs.readdir('/proc').catch(() => [] as string[]))
    .filter((d) => /^\d+$/.test(d))
    .slice(0, MAX_PROCS);
  for (const pid of pids) {
    const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(target)) continue;
      owner.pid = Number(pid);
      owner.comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim();
      owner.cmdline = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''))
        .split('\0')
        .join(' ')
        .trim()
        .slice(0, 300);
      return owner;
    }
  }
  return owner;
}
