// Whether a user could read a file themselves: read permission on the file (owner, group or other class,
// POSIX order: the first class the user is in decides) and search permission on every directory above it.
// Group membership from /etc/passwd (primary group) and /etc/group (members). ACLs and capabilities are not
// considered. 'anyone' stands for an arbitrary unprivileged user: only the "other" bits count.
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';

export type Principal = number | 'anyone';

const R = 4;
const X = 1;

/** Read access to `file` (its fstat) and search access to its directories, for `who`. */
export async function canAccess(
  who: Principal,
  file: string,
  st: Pick<Stats, 'uid' | 'gid' | 'mode'>,
): Promise<boolean> {
  if (who === 0) return true;
  const groups = who === 'anyone' ? new Set<number>() : await groupsOf(who);
  if (!allows(who, groups, st, R)) return false;
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const d = await fs.stat(dir).catch(() => undefined);
    if (!d || !allows(who, groups, d, X)) return false;
    if (dir === path.dirname(dir)) return true;
  }
}

function allows(who: Principal, groups: Set<number>, st: Pick<Stats, 'uid' | 'gid' | 'mode'>, bit: number): boolean {
  if (who !== 'anyone' && st.uid === who) return (st.mode & (bit << 6)) !== 0;
  if (groups.has(st.gid)) return (st.mode & (bit << 3)) !== 0;
  return (st.mode & bit) !== 0;
}

let cache: { at: number; passwd: string; group: string } | undefined;

/** The groups of `uid` (primary and supplementary), read from /etc/passwd and /etc/group (cached 60 s). */
export async function groupsOf(uid: number): Promise<Set<number>> {
  if (!cache || performance.now() - cache.at > 60_000) {
    const [passwd, group] = await Promise.all([
      fs.readFile('/etc/passwd', 'utf8').catch(() => ''),
      fs.readFile('/etc/group', 'utf8').catch(() => ''),
    ]);
    cache = { at: performance.now(), passwd, group };
  }
  const out = new Set<number>();
  let name: string | undefined;
  for (const line of cache.passwd.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && Number(f[2]) === uid && f[2] !== '') {
      name = f[0];
      out.add(Number(f[3]));
      break;
    }
  }
  if (name === undefined) return out;
  for (const line of cache.group.split('\n')) {
    const f = line.split(':');
    if (f.length >= 4 && f[3]!.split(',').includes(name)) out.add(Number(f[2]));
  }
  return out;
}
