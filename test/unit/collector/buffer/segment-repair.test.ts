// Recovery cuts a damaged range out of the middle of a segment by writing `<segment>.repair` and renaming it
// over the segment: whatever already sits at that name (a leftover of a crash mid-repair, or a symlink) is
// replaced, never written through.
import { afterEach, expect, test } from '@jest/globals';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DiskQueue } from '../../../../agent/collector/buffer/index.js';
import type { DropReason } from '../../../../agent/collector/pipeline/types.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

test('a symlink at <segment>.repair is not followed when a damaged range is cut out', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'oa-q-repair-'));
  dirs.push(root);
  const dir = path.join(root, 'lane');
  const drops: Record<string, number> = {};
  const counter = { drop: (r: DropReason, n: number) => void (drops[r] = (drops[r] ?? 0) + n) };
  const logger = createNullLogger();
  let q = await DiskQueue.open(dir, { id: 'l', drops: counter, logger });
  await q.append(['one', 'two', 'six'].map((s) => Buffer.from(s)));
  await q.close();
  const seg = path.join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.seg'))!,
  );
  // Frames are [u32 length][u32 crc][payload]; "two" starts at offset 19: damage it.
  const fd = openSync(seg, 'r+');
  writeSync(fd, Buffer.from('X'), 0, 1, 19);
  closeSync(fd);
  const victim = path.join(root, 'victim');
  writeFileSync(victim, 'untouched');
  symlinkSync(victim, `${seg}.repair`);

  q = await DiskQueue.open(dir, { id: 'l', drops: counter, logger });
  const out: string[] = [];
  for (let b = await q.read(1e9, 1e9); b; b = await q.read(1e9, 1e9)) {
    out.push(...b.entries.map((e) => e.toString()));
    await q.ack(b);
  }
  await q.close();
  expect(out).toEqual(['one', 'six']);
  expect(drops.parse_error).toBe(1);
  expect(readFileSync(victim, 'utf8')).toBe('untouched');
  expect(lstatSync(seg).isFile()).toBe(true);
  expect(existsSync(`${seg}.repair`)).toBe(false);
});
