// The instance lock against squatters, with the real supervisor: an unprivileged process (uid nobody)
// binds the abstract socket name older versions used as their lock and tries to create the run dir and
// the control socket — the supervisor still starts and answers. A root-owned listener at control.sock
// that does not speak the protocol, or a run dir owned by someone else, makes the supervisor exit
// non-zero with a log line saying why (never a silent exit 0 that systemd would not restart).
import { describe, expect, test } from '@jest/globals';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { processesUnder, useSupervisorFixture, V1, waitFor } from './fixture.js';

const fx = useSupervisorFixture('oa-sup-squat-');
const NOBODY = 65534;

/** The abstract name versions up to 0.1.0 bound as their lock (predictable from the root). */
const oldLockName = (lockFile: string): string =>
  `open-ama-supervisor-${createHash('sha256').update(lockFile).digest('hex').slice(0, 24)}`;

/** Runs as nobody: binds the old abstract name, tries the run dir and control.sock, reports, stays up. */
const SQUATTER = `
const net = require('node:net'), fs = require('node:fs'), path = require('node:path');
const [abstractName, runDir, sock] = process.argv.slice(1);
const tried = {};
const hold = (name, addr) => new Promise((r) => { const s = net.createServer(); s.on('error', (e) => r(tried[name] = e.code)); s.listen(addr, () => r(tried[name] = 'bound')); });
(async () => {
  await hold('abstract', '\\0' + abstractName);
  try { fs.mkdirSync(runDir, { recursive: true }); tried.runDir = 'created'; } catch (e) { tried.runDir = e.code; }
  await hold('controlSocket', sock);
  process.stdout.write(JSON.stringify(tried) + '\\n');
})();
setInterval(() => undefined, 1 << 30);
`;

function startSquatter(args: string[]): Promise<{ child: ChildProcess; tried: Record<string, string> }> {
  const child = spawn(process.execPath, ['-e', SQUATTER, ...args], {
    uid: NOBODY,
    gid: NOBODY,
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: '/',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout!.once('data', (d: Buffer) =>
      resolve({ child, tried: JSON.parse(d.toString('utf8')) as Record<string, string> }),
    );
  });
}

describe('instance lock squatting', () => {
  test('an unprivileged squatter holding the old abstract lock name does not stop the supervisor from starting', async () => {
    const m = fx.machine('scripted');
    // Let nobody reach as far as it could on a real machine (/run is root-owned 0755).
    for (const d of [fx.dir(), m.root]) chmodSync(d, 0o755);
    mkdirSync(path.join(m.root, 'run'), { mode: 0o755 });
    const { child, tried } = await startSquatter([
      oldLockName(m.paths.lockFile),
      m.paths.runDir,
      m.paths.controlSocket,
    ]);
    try {
      expect(tried).toEqual({ abstract: 'bound', runDir: 'EACCES', controlSocket: 'EACCES' });
      expect(readFileSync('/proc/net/unix', 'utf8')).toContain(`@${oldLockName(m.paths.lockFile)}`);
      const sup = await m.ensure();
      expect(sup.started).toBe(true);
      const client = new SupervisorClient(m.paths.controlSocket);
      expect(await client.ping()).toEqual({ version: sup.version, pid: sup.pid });
      expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
      const st = statSync(m.paths.runDir);
      expect({ mode: st.mode & 0o777, uid: st.uid }).toEqual({ mode: 0o700, uid: 0 });
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);

  test('a root-owned listener at control.sock that does not speak the protocol: the supervisor exits 1 and says why', async () => {
    const m = fx.machine('scripted');
    mkdirSync(m.paths.runDir, { recursive: true, mode: 0o700 });
    const silent = net.createServer((s) => void s.resume());
    await new Promise<void>((r) => silent.listen(m.paths.controlSocket, () => r()));
    try {
      await expect(m.ensure(V1, 20_000)).rejects.toThrow(/did not start \(detached\): it exited with code 1/);
      const log = readFileSync(path.join(m.root, 'log/supervisor.log'), 'utf8');
      expect(log).toMatch(
        /cannot take the instance lock, not starting: .*control\.sock is held by a process that does not speak the open-ama control protocol/,
      );
      expect(processesUnder(m.root, 'supervisor.mjs')).toEqual([]);
    } finally {
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 60_000);

  test('a run dir owned by another user is refused: exit 1, log names the owner', async () => {
    const m = fx.machine('scripted');
    mkdirSync(m.paths.runDir, { recursive: true, mode: 0o755 });
    chownSync(m.paths.runDir, NOBODY, NOBODY);
    await expect(m.ensure(V1, 20_000)).rejects.toThrow(/it exited with code 1/);
    await waitFor(() => existsSync(path.join(m.root, 'log/supervisor.log')), 5_000, 'supervisor.log');
    expect(readFileSync(path.join(m.root, 'log/supervisor.log'), 'utf8')).toMatch(
      /open-ama is owned by uid 65534, not by us \(uid 0\); refusing to use it/,
    );
  }, 60_000);
});
