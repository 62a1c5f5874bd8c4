// Opening a matched path, under the symlink policy (docs/text-logs.md): the collector runs as root, so a user
// who owns a watched directory could plant `app.log -> /etc/shadow`. Every file is opened O_NONBLOCK (a FIFO
// never stalls the open) and judged on the descriptor: fstat must say regular file, and /proc/self/fd gives
// the path actually opened. When that is the matched path, no symlink was involved. Otherwise, `never`
// refuses it (the last component is also opened O_NOFOLLOW), `owner-readable` (default) opens it only if every
// user who could have placed a link on the way — the owners of the directories from the pattern's base down
// and of the link itself; anyone, if one of those directories is group- or world-writable — could read it.
import { constants, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { canAccess, type Principal } from './unix-access.js';

export type SymlinkPolicy = 'owner-readable' | 'never';
export const SYMLINK_POLICIES: readonly SymlinkPolicy[] = ['owner-readable', 'never'];
/** The environment variable naming the policy (docs/text-logs.md). */
export const SYMLINK_POLICY_ENV = 'OPEN_AMA_TEXT_LOG_SYMLINKS';

/** The policy named by `value` (unset: owner-readable); an unknown name gives the strictest one and a problem. */
export function symlinkPolicyFrom(value: string | undefined): { policy: SymlinkPolicy; problem?: string } {
  if (value === undefined || value === '') return { policy: 'owner-readable' };
  if ((SYMLINK_POLICIES as readonly string[]).includes(value)) return { policy: value as SymlinkPolicy };
  return {
    policy: 'never',
    problem: `${SYMLINK_POLICY_ENV}=${JSON.stringify(value)} is not one of ${SYMLINK_POLICIES.join(', ')}; using never`,
  };
}

export type OpenOutcome =
  | { kind: 'opened'; fh: fs.FileHandle; st: Stats }
  | { kind: 'refused'; reason: string; target: string }
  /** Vanished, not a regular file, or not readable: nothing to read here (not a policy matter). */
  | { kind: 'skipped' };

export async function openLogFile(file: string, base: string, policy: SymlinkPolicy): Promise<OpenOutcome> {
  const flags = constants.O_RDONLY | constants.O_NONBLOCK | (policy === 'never' ? constants.O_NOFOLLOW : 0);
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, flags);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP' && policy === 'never')
      return { kind: 'refused', reason: 'is a symlink (policy never)', target: await linkTarget(file) };
    return { kind: 'skipped' };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return close(fh, { kind: 'skipped' });
    const opened = await fs.readlink(`/proc/self/fd/${fh.fd}`).catch(() => undefined);
    if (opened === file) return { kind: 'opened', fh, st };
    const target = opened?.replace(/ \(deleted\)$/, '') ?? '?';
    const refusal =
      opened === undefined
        ? 'the path opened cannot be checked (/proc/self/fd)'
        : policy === 'never'
          ? await viaSymlinkDirectory(file, base, opened)
          : await notReadableByPlanters(file, base, target, st);
    return refusal === undefined ? { kind: 'opened', fh, st } : close(fh, { kind: 'refused', reason: refusal, target });
  } catch {
    return close(fh, { kind: 'skipped' });
  }
}

async function close<T>(fh: fs.FileHandle, result: T): Promise<T> {
  await fh.close().catch(() => undefined);
  return result;
}

async function linkTarget(file: string): Promise<string> {
  return fs.readlink(file).catch(() => '?');
}

/** Policy never: the opened path must be the matched one with only the base directory resolved (admin's own links). */
async function viaSymlinkDirectory(file: string, base: string, opened: string): Promise<string | undefined> {
  const realBase = await fs.realpath(base).catch(() => undefined);
  if (realBase !== undefined && opened === path.join(realBase, path.relative(base, file))) return undefined;
  return 'reached through a symlinked directory (policy never)';
}

/** Policy owner-readable: why the planters could not read `target`, or undefined when they all could. */
async function notReadableByPlanters(
  file: string,
  base: string,
  target: string,
  st: Stats,
): Promise<string | undefined> {
  const planters = await plantersOf(file, base);
  for (const who of planters) {
    if (!(await canAccess(who, target, st)))
      return `symlink to ${target}, which ${who === 'anyone' ? 'not every user' : `uid ${who}`} could read`;
  }
  return undefined;
}

/**
 * Who could have put a symlink on the way from the base directory to `file`: the owner of each component
 * (lstat: a link's own owner) and, when a directory on the way is writable by its group or others, anyone.
 * Root is left out (it can read everything anyway).
 */
async function plantersOf(file: string, base: string): Promise<Principal[]> {
  const out = new Set<Principal>();
  const rel = path.relative(base, file);
  const parts = rel.startsWith('..') ? [file] : [base, ...rel.split(path.sep)];
  let p = '';
  for (const part of parts) {
    p = p === '' ? part : path.join(p, part);
    const st = await fs.lstat(p).catch(() => undefined);
    if (!st) {
      out.add('anyone'); // changed under us: trust nobody
      continue;
    }
    if (st.uid !== 0) out.add(st.uid);
    if (st.isDirectory() && (st.mode & 0o022) !== 0) out.add('anyone');
  }
  return [...out];
}
