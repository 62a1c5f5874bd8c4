// The single-instance lock is the control socket in a private run dir: held while a supervisor answers
// ping there, taken over when only a stale socket file is left, refused (an error, not "held") when
// something that does not speak the protocol listens there, and never in a directory that is a symlink
// or belongs to someone else. Real sockets and directories; the nobody-user squatting test is in
// test/integration/supervisor/lock-squatting.test.ts.
import { afterAll, describe, expect, test } from '@jest/globals';
import { chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { link } from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { createControlServer } from '../../../agent/supervisor/control-server.js';
import { ensurePrivateDir, takeInstanceLock } from '../../../agent/supervisor/instance-lock.js';
import { createNullLogger } from '../../../agent/telemetry/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pongServer = (pid: number): net.Server =>
  createControlServer(async () => ({ op: 'pong', version: '9.9.9', pid }), createNullLogger());

describe('instance lock (the control socket)', () => {
  test('held while a supervisor answers; released → the next one takes it; the run dir is 0700', async () => {
    const runDir = path.join(dir, 'a', 'run');
    const sock = path.join(runDir, 'control.sock');
    const first = await takeInstanceLock(runDir, sock, pongServer(111));
    expect(first.held).toBe(false);
    expect(statSync(runDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(lstatSync(sock).mode & 0o777).toBe(0o600);
    const second = await takeInstanceLock(runDir, sock, pongServer(222));
    expect(second).toEqual({ held: true, pid: 111, version: '9.9.9' });
    if (!first.held) await first.release();
    const third = await takeInstanceLock(runDir, sock, pongServer(333));
    expect(third.held).toBe(false);
    if (!third.held) await third.release();
  });

  test('a stale control.sock (nobody listening) is taken over', async () => {
    const runDir = path.join(dir, 'stale');
    mkdirSync(runDir, { mode: 0o700 });
    const sock = path.join(runDir, 'control.sock');
    const dead = net.createServer();
    await new Promise<void>((r) => dead.listen(path.join(runDir, 'dead.sock'), () => r()));
    await link(path.join(runDir, 'dead.sock'), sock);
    await new Promise<void>((r) => dead.close(() => r())); // dead.sock unlinked, control.sock left without a listener
    expect(lstatSync(sock).isSocket()).toBe(true);
    const lock = await takeInstanceLock(runDir, sock, pongServer(444));
    expect(lock.held).toBe(false);
    if (!lock.held) await lock.release();
  });

  test('a listener that does not speak the protocol is an error, not "held"', async () => {
    const runDir = path.join(dir, 'foreign');
    mkdirSync(runDir, { mode: 0o700 });
    const sock = path.join(runDir, 'control.sock');
    const silent = net.createServer((s) => void s.resume()); // accepts and reads, never answers
    await new Promise<void>((r) => silent.listen(sock, () => r()));
    try {
      await expect(takeInstanceLock(runDir, sock, pongServer(555))).rejects.toThrow(
        /control\.sock is held by a process that does not speak the open-ama control protocol \(it accepted a connection but did not answer ping/,
      );
    } finally {
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 15_000);

  test('the run dir: a symlink or another owner is refused; our own 0755 dir is tightened to 0700', async () => {
    const target = path.join(dir, 'elsewhere');
    mkdirSync(target, { mode: 0o700 });
    symlinkSync(target, path.join(dir, 'linked'));
    await expect(ensurePrivateDir(path.join(dir, 'linked'))).rejects.toThrow(/is a symlink; refusing to use it/);
    const foreign = path.join(dir, 'foreign-owner');
    mkdirSync(foreign, { mode: 0o700 });
    chownSync(foreign, 65534, 65534);
    await expect(ensurePrivateDir(foreign)).rejects.toThrow(/is owned by uid 65534, not by us \(uid 0\)/);
    const loose = path.join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    await ensurePrivateDir(loose);
    expect(statSync(loose).mode & 0o777).toBe(0o700);
  });
});
