// The sequence number (docs/guest-agent-protocol.md §3.2): ConfigSequenceNumber first; otherwise the settings file with
// the newest mtime (not the highest number), ties → highest number, with a warning when the variable was
// garbage; nothing to fall back on → SEQUENCE_NUMBER_INVALID (exit 53). mrseq round trip (§2.4).
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readMrseq, resolveSequenceNumber, writeMrseq } from '../../../../handler/guest-agent/index.js';
import { HandlerError } from '../../../../handler/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-seq-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Writes <seq>.settings with an explicit mtime (seconds since the epoch). */
async function settings(seq: number | string, mtimeSec: number): Promise<void> {
  const file = path.join(dir, `${seq}.settings`);
  await fs.writeFile(file, '');
  await fs.utimes(file, mtimeSec, mtimeSec);
}

describe('resolveSequenceNumber', () => {
  test('ConfigSequenceNumber wins over the settings files, with no warning', async () => {
    await settings(9, 2_000_000);
    await expect(resolveSequenceNumber({ ConfigSequenceNumber: '3' }, dir)).resolves.toEqual({ seq: 3 });
    await expect(resolveSequenceNumber({ ConfigSequenceNumber: '0' }, dir)).resolves.toEqual({ seq: 0 });
  });

  test('without the variable the most recently modified settings file is used, not the highest number', async () => {
    await settings(10, 1_000_000);
    await settings(2, 3_000_000);
    await settings(7, 2_000_000);
    await expect(resolveSequenceNumber({}, dir)).resolves.toEqual({ seq: 2 });
  });

  test('equal mtimes are broken by the highest number', async () => {
    await settings(4, 1_000_000);
    await settings(11, 1_000_000);
    await settings(6, 1_000_000);
    await expect(resolveSequenceNumber({}, dir)).resolves.toEqual({ seq: 11 });
  });

  test('only <n>.settings files count (multi-config names, other files and directories are ignored)', async () => {
    await settings(1, 1_000_000);
    await settings('ext.5', 9_000_000);
    await fs.writeFile(path.join(dir, 'HandlerState'), 'Enabled');
    await fs.mkdir(path.join(dir, '8.settings'));
    await expect(resolveSequenceNumber({}, dir)).resolves.toEqual({ seq: 1 });
  });

  test.each(['abc', '-1', '1.5', '', '12abc', '99999999999999999999'])(
    'a ConfigSequenceNumber of %j falls back to the newest file and returns a warning naming the value',
    async (raw) => {
      await settings(5, 1_000_000);
      const r = await resolveSequenceNumber({ ConfigSequenceNumber: raw }, dir);
      expect(r.seq).toBe(5);
      expect(r.warning).toContain(`ConfigSequenceNumber ${JSON.stringify(raw)} is not a non-negative integer; using 5`);
    },
  );

  test('with nothing to fall back on it is SEQUENCE_NUMBER_INVALID, exit 53', async () => {
    for (const env of [{}, { ConfigSequenceNumber: 'abc' }]) {
      const err = await resolveSequenceNumber(env, dir).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(HandlerError);
      expect((err as HandlerError).code).toBe('SEQUENCE_NUMBER_INVALID');
      expect((err as HandlerError).exitCode).toBe(53);
      expect((err as HandlerError).message).toContain(dir);
    }
    const missingDir = await resolveSequenceNumber({}, path.join(dir, 'nope')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((missingDir as HandlerError).code).toBe('SEQUENCE_NUMBER_INVALID');
  });
});

describe('mrseq', () => {
  test('is written as a plain decimal without newline and read back', async () => {
    await writeMrseq(dir, 42);
    expect(await fs.readFile(path.join(dir, 'mrseq'), 'utf8')).toBe('42');
    await expect(readMrseq(dir)).resolves.toBe(42);
    await writeMrseq(dir, 7);
    await expect(readMrseq(dir)).resolves.toBe(7);
    expect((await fs.readdir(dir)).sort()).toEqual(['mrseq']); // no temp file left behind
  });

  test('absent or garbage mrseq reads as undefined; a trailing newline from other tools is accepted', async () => {
    await expect(readMrseq(dir)).resolves.toBeUndefined();
    await fs.writeFile(path.join(dir, 'mrseq'), 'x1');
    await expect(readMrseq(dir)).resolves.toBeUndefined();
    await fs.writeFile(path.join(dir, 'mrseq'), '3\n');
    await expect(readMrseq(dir)).resolves.toBe(3);
  });
});
