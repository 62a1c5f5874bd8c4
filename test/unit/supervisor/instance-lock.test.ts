// The single-instance lock is an abstract unix socket: held while bound, refused to a second holder,
// free again once released (and, by the kernel, when the holder dies — see the kill -9 integration test).
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { acquireInstanceLock, lockNameFor } from '../../../agent/supervisor/instance-lock.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-lock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('instance lock', () => {
  test('a second acquire is refused while the first holds it; release frees it and removes the pidfile', async () => {
    const lockFile = path.join(dir, 'supervisor.lock');
    const pidFile = path.join(dir, 'supervisor.pid');
    const first = await acquireInstanceLock(lockFile, pidFile);
    expect(first?.name).toBe(`@${lockNameFor(lockFile)}`);
    expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(process.pid));
    expect(await acquireInstanceLock(lockFile, pidFile)).toBeUndefined();
    const other = await acquireInstanceLock(path.join(dir, 'other.lock'), path.join(dir, 'other.pid'));
    expect(other).toBeDefined(); // another root is another machine
    await first!.release();
    await other!.release();
    expect(() => readFileSync(pidFile)).toThrow();
    const again = await acquireInstanceLock(lockFile, pidFile);
    expect(again).toBeDefined();
    await again!.release();
  });
});
