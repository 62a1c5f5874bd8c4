// Single supervisor per machine: the lock is the control socket itself, in a directory only we can write
// (<root>/run/open-ama, 0700, owned by our uid; anything else is refused, never followed). Nothing an
// unprivileged user can bind or create decides whether we start (the abstract socket of older versions
// could be squatted: docs/reliability.md "Threat model"). Taking it: listen on a private temp name, then
// link() it to control.sock (atomic, fails if the name exists). An existing control.sock is probed:
// nobody listening → stale (a dead holder), removed only if it is still the same inode, and we retry;
// a supervisor answering "pong" → held (the caller exits 0, a concurrent start); anything else → error.
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { randomHex } from '../config/index.js';

const PROBE_TIMEOUT_MS = 3_000;
const TAKE_ATTEMPTS = 5;

export type InstanceLock =
  | { held: false; release(): Promise<void> }
  | { held: true; /** The holder's answer to ping. */ pid: number; version: string };

/** Creates `dir` 0700 if missing; refuses a symlink, a non-directory or another owner; tightens our own 0755. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(path.dirname(dir), { recursive: true, mode: 0o755 });
  await fs.mkdir(dir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const st = await fs.lstat(dir);
  if (!st.isDirectory())
    throw new Error(`${dir} is ${st.isSymbolicLink() ? 'a symlink' : 'not a directory'}; refusing to use it`);
  const uid = process.getuid?.() ?? 0;
  if (st.uid !== uid)
    throw new Error(
      `${dir} is owned by uid ${st.uid}, not by us (uid ${uid}); refusing to use it (remove it: it holds only the control socket and pidfiles)`,
    );
  if ((st.mode & 0o077) !== 0) await fs.chmod(dir, 0o700); // created 0755 by an older version
}

type Probe =
  { kind: 'stale' } | { kind: 'supervisor'; pid: number; version: string } | { kind: 'foreign'; why: string };

/** Connects to `socketPath` and sends ping: who (if anyone) is listening there. */
export function probeControlSocket(socketPath: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probe> {
  return new Promise((resolve) => {
    const sock = net.connect(socketPath);
    let buf = '';
    let done = false;
    const finish = (p: Probe): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(p);
    };
    const timer = setTimeout(
      () => finish({ kind: 'foreign', why: `it accepted a connection but did not answer ping within ${timeoutMs} ms` }),
      timeoutMs,
    );
    sock.on('connect', () => sock.write('{"op":"ping"}\n'));
    sock.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > 4096) finish({ kind: 'foreign', why: 'it answered ping with an oversized line' });
        return;
      }
      try {
        const r = JSON.parse(buf.slice(0, nl)) as { op?: unknown; pid?: unknown; version?: unknown };
        if (r.op === 'pong' && typeof r.pid === 'number' && typeof r.version === 'string')
          return finish({ kind: 'supervisor', pid: r.pid, version: r.version });
      } catch {
        // not JSON: below
      }
      finish({ kind: 'foreign', why: 'it answered ping with something other than an open-ama pong' });
    });
    sock.on('close', () => finish({ kind: 'foreign', why: 'it closed the connection without answering ping' }));
    sock.on('error', (err: NodeJS.ErrnoException) =>
      finish(
        err.code === 'ECONNREFUSED' || err.code === 'ENOENT'
          ? { kind: 'stale' }
          : { kind: 'foreign', why: `connecting failed: ${err.code ?? err.message}` },
      ),
    );
  });
}

/** Removes `file` only if it is still the inode `ino` (a racing starter's fresh socket is put back). */
async function removeIfSame(file: string, ino: number): Promise<void> {
  const moved = `${file}.stale-${process.pid}-${randomHex(4)}`;
  try {
    await fs.rename(file, moved);
  } catch {
    return; // already gone
  }
  const st = await fs.lstat(moved);
  if (st.ino !== ino) await fs.link(moved, file).catch(() => undefined); // another starter bound a newer one: theirs wins
  await fs.rm(moved, { force: true });
}

/**
 * Makes `server` listen on `socketPath` (0600) as the machine's one supervisor, in `runDir` (checked by
 * ensurePrivateDir). Resolves held when a live supervisor answers there; throws when something else does.
 */
export async function takeInstanceLock(runDir: string, socketPath: string, server: net.Server): Promise<InstanceLock> {
  await ensurePrivateDir(runDir);
  const tmp = path.join(runDir, `.control.${process.pid}.${randomHex(6)}.sock`);
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tmp, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } finally {
    process.umask(oldMask);
  }
  await fs.chmod(tmp, 0o600);
  let ours = false;
  try {
    for (let attempt = 0; attempt < TAKE_ATTEMPTS; attempt++) {
      try {
        await fs.link(tmp, socketPath);
        ours = true;
        const { ino } = await fs.lstat(socketPath);
        return {
          held: false,
          // Not waiting for close(): a "stop" request's connection is still open while we release.
          release: async () => {
            server.close();
            await removeIfSame(socketPath, ino);
          },
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const existing = await fs.lstat(socketPath).catch(() => undefined);
      if (!existing) continue;
      const probe = existing.isSocket() ? await probeControlSocket(socketPath) : ({ kind: 'stale' } as const);
      if (probe.kind === 'supervisor') return { held: true, pid: probe.pid, version: probe.version };
      if (probe.kind === 'foreign')
        throw new Error(
          `${socketPath} is held by a process that does not speak the open-ama control protocol (${probe.why}); refusing to start a second supervisor — find it with: ss -xlp | grep ${path.basename(socketPath)}`,
        );
      await removeIfSame(socketPath, existing.ino); // stale: its holder died
    }
    throw new Error(`could not take ${socketPath} in ${TAKE_ATTEMPTS} attempts (other supervisors starting?)`);
  } finally {
    await fs.rm(tmp, { force: true });
    if (!ours) server.close();
  }
}
