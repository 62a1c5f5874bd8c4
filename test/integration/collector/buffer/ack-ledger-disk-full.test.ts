// The one ack-position writer (ack-ledger.ts), used by both ack() and quota eviction, on a really full
// disk (a 1 MB tmpfs filled to the last page — root only, skipped otherwise): the write neither throws
// nor tears ack.json, it warns and keeps the old position on disk; once space is back the next write
// lands.
import { afterEach, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { AckLedger } from '../../../../agent/collector/buffer/ack-ledger.js';
import { createNullLogger, type Logger } from '../../../../agent/telemetry/index.js';

const mounts: string[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes 4 KiB pages into `file` until the device says ENOSPC. */
function fill(file: string): void {
  const fd = openSync(file, 'w');
  try {
    const page = Buffer.alloc(4096, 0x7a);
    for (;;) writeSync(fd, page);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

test('on a full disk the ack position is kept (warned, not thrown, ack.json intact) and written once space is back', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-ack-full-'));
  dirs.push(dir);
  if (process.getuid?.() !== 0) {
    process.stdout.write('ack ledger on a full disk: skipped (mounting a tmpfs needs root)\n');
    return;
  }
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    process.stdout.write('ack ledger on a full disk: skipped (mount -t tmpfs is not permitted here)\n');
    return;
  }
  mounts.push(dir);
  const warnings: string[] = [];
  const logger: Logger = createNullLogger();
  logger.warn = ((m: string) => {
    warnings.push(m);
    return logger;
  }) as Logger['warn'];
  const ledger = new AckLedger(dir, 'lane-1', logger);
  await ledger.write({ seg: 3, off: 120 });
  fill(path.join(dir, 'filler'));

  await expect(ledger.write({ seg: 4, off: 0 })).resolves.toBeUndefined();
  expect(warnings).toEqual([expect.stringMatching(/queue lane-1: disk full, the ack position is kept in memory/)]);
  expect(JSON.parse(readFileSync(path.join(dir, 'ack.json'), 'utf8'))).toEqual({ seg: 3, off: 120 });
  expect(await ledger.read()).toEqual({ seg: 3, off: 120 });

  rmSync(path.join(dir, 'filler'));
  await ledger.write({ seg: 4, off: 0 });
  expect(await new AckLedger(dir, 'lane-1', logger).read()).toEqual({ seg: 4, off: 0 });
});
