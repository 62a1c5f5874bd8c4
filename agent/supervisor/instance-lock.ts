// Single supervisor per machine. The lock is a Linux abstract unix socket ("@open-ama-supervisor-<hash of
// the lock file path>"): binding it fails with EADDRINUSE while another process holds it, and the kernel
// releases it when the holder dies — even by kill -9 — so there is no stale lock and no pid-reuse race
// (an O_EXCL pidfile needs both). The pidfile is written after the lock is held, for stop-by-signal.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import { writeFileAtomic } from '../config/index.js';

export interface InstanceLock {
  /** The abstract socket name, '@…' as ss(8) prints it. */
  name: string;
  release(): Promise<void>;
}

export function lockNameFor(lockFile: string): string {
  return `open-ama-supervisor-${createHash('sha256').update(lockFile).digest('hex').slice(0, 24)}`;
}

/** Resolves undefined when another live process holds the lock. */
export async function acquireInstanceLock(lockFile: string, pidFile: string): Promise<InstanceLock | undefined> {
  const name = lockNameFor(lockFile);
  const server = net.createServer((sock) => sock.destroy());
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen(`\0${name}`, () => resolve(true));
  });
  if (!bound) return undefined;
  server.unref();
  // Informational: which abstract socket is the lock, and who holds it.
  await writeFileAtomic(lockFile, `@${name} ${process.pid}\n`, { mode: 0o644 });
  await writeFileAtomic(pidFile, `${process.pid}\n`, { mode: 0o644 });
  return {
    name: `@${name}`,
    release: async () => {
      await fs.rm(pidFile, { force: true });
      await fs.rm(lockFile, { force: true });
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
