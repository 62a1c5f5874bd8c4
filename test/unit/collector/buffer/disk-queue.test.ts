// Durable queue contract (docs/architecture.md): framing round trip, ack persistence across reopen, release
// re-delivers in order, corrupt/torn tails truncated and counted, the global quota drops the oldest
// sealed segment and counts it, memory is bounded per read, and a property test over random sequences.
import { afterEach, describe, expect, test } from '@jest/globals';
import {
  appendFileSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { DiskQueue, QuotaManager } from '../../../../agent/collector/buffer/index.js';
import { encodeFrames } from '../../../../agent/collector/buffer/framing.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import type { DropReason } from '../../../../agent/collector/pipeline/types.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'oa-q-'));
  dirs.push(d);
  return d;
}
function counter() {
  const c: Record<string, number> = {};
  return { c, drop: (r: DropReason, n: number) => void (c[r] = (c[r] ?? 0) + n) };
}
const logger = createNullLogger();
const buf = (s: string) => Buffer.from(s);
/** The path of the only (or first) segment file in `dir`. */
function firstSegment(dir: string): string {
  return path.join(
    dir,
    readdirSync(dir)
      .filter((f) => f.endsWith('.seg'))
      .sort()[0]!,
  );
}
/** Overwrites one byte of the only (or first) segment file in `dir`, as a disk error would. */
function flipByte(dir: string, at: number, to: string): void {
  const fd = openSync(firstSegment(dir), 'r+');
  try {
    writeSync(fd, Buffer.from(to), 0, 1, at);
  } finally {
    closeSync(fd);
  }
}
async function drain(q: DiskQueue): Promise<string[]> {
  const out: string[] = [];
  for (let b = await q.read(1e9, 1e9); b; b = await q.read(1e9, 1e9)) {
    out.push(...b.entries.map((e) => e.toString()));
    await q.ack(b);
  }
  return out;
}

describe('DiskQueue', () => {
  test('entries come back in order and acked ones never again, across a reopen', async () => {
    const dir = tmp();
    const drops = counter();
    let q = await DiskQueue.open(dir, { id: 'l', drops, logger, segmentBytes: 200 });
    await q.append(Array.from({ length: 50 }, (_, i) => buf(`e${i}`)));
    const first = await q.read(1e9, 20);
    expect(first!.entries.map(String)).toEqual(Array.from({ length: 20 }, (_, i) => `e${i}`));
    await q.ack(first!);
    const inflight = await q.read(1e9, 5);
    expect(inflight!.entries.map(String)[0]).toBe('e20');
    await q.close(); // crash-like: the in-flight batch is not acked
    q = await DiskQueue.open(dir, { id: 'l', drops, logger, segmentBytes: 200 });
    expect(await drain(q)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i + 20}`)); // in-flight one re-delivered once
    expect(q.stats().entries).toBe(0);
    await q.close();
    expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeLessThanOrEqual(2); // acked segments deleted
  });

  test('release puts a batch back in order', async () => {
    const q = await DiskQueue.open(tmp(), { id: 'l', drops: counter(), logger });
    await q.append([buf('a'), buf('b'), buf('c')]);
    const b1 = await q.read(1e9, 2);
    q.release(b1!);
    expect((await q.read(1e9, 10))!.entries.map(String)).toEqual(['a', 'b', 'c']);
    await q.close();
  });

  test('entries stay intact while in flight: a read across several segments, then reads after ack and release', async () => {
    // The first segment of a read goes into the queue's kept read buffer, later segments into buffers of
    // their own (segment-reader.ts): a read spanning eight segments must not overwrite its own entries.
    const dir = tmp();
    const q = await DiskQueue.open(dir, { id: 'l', drops: counter(), logger, segmentBytes: 300 });
    const round = async (r: number): Promise<void> => {
      const sent = Array.from({ length: 40 }, (_, i) => `{"round":${r},"i":${i},"pad":"${'x'.repeat((i * 7) % 40)}"}`);
      for (const s of sent) await q.append([buf(s)]);
      expect(readdirSync(dir).filter((f) => f.endsWith('.seg')).length).toBeGreaterThanOrEqual(8);
      const b = (await q.read(1e9, 1000))!;
      expect(b.entries.map(String)).toEqual(sent);
      await q.append([buf('{"later":true}')]); // an append while in flight does not touch the batch
      expect(b.entries.map(String)).toEqual(sent);
      q.release(b);
      const again = (await q.read(1e9, 1000))!;
      expect(again.entries.map(String)).toEqual([...sent, '{"later":true}']);
      await q.ack(again);
    };
    for (let r = 0; r < 3; r++) await round(r);
    await q.close();
  });

  test('read respects the byte budget (memory bounded per batch)', async () => {
    const q = await DiskQueue.open(tmp(), { id: 'l', drops: counter(), logger });
    await q.append(Array.from({ length: 100 }, () => Buffer.alloc(1000, 97)));
    const b = await q.read(10_000, 1e9);
    expect(b!.entries.length).toBe(10);
    await q.close();
  });

  test('a torn tail is truncated and counted; everything before it survives', async () => {
    const dir = tmp();
    const drops = counter();
    let q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('one'), buf('two'), buf('three')]);
    await q.close();
    const seg = firstSegment(dir);
    truncateSync(seg, statSync(seg).size - 2); // torn last frame
    appendFileSync(seg, Buffer.from([0xff, 0xff])); // garbage
    q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    expect(await drain(q)).toEqual(['one', 'two']);
    expect(drops.c.parse_error).toBe(1);
    await q.append([buf('four')]);
    expect(await drain(q)).toEqual(['four']);
    await q.close();
  });

  // Recovery cuts a damaged range out of the middle of a segment by writing <segment>.repair and renaming it
  // over the segment: whatever already sits at that name is replaced, never written through.
  test('a symlink at <segment>.repair is not followed when a damaged range is cut out', async () => {
    const dir = tmp();
    const drops = counter();
    let q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('one'), buf('two'), buf('six')]);
    await q.close();
    flipByte(dir, 19, 'X'); // "two" (payloads at 8, 19, 30)
    const seg = firstSegment(dir);
    const victim = path.join(tmp(), 'victim');
    writeFileSync(victim, 'untouched');
    symlinkSync(victim, `${seg}.repair`);
    q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    expect(await drain(q)).toEqual(['one', 'six']);
    expect(drops.c.parse_error).toBe(1);
    await q.close();
    expect(readFileSync(victim, 'utf8')).toBe('untouched');
    expect(lstatSync(seg).isFile()).toBe(true);
    expect(existsSync(`${seg}.repair`)).toBe(false);
  });

  test('appends of growing and shrinking batches (one over the kept frame buffer) read back byte for byte', async () => {
    const q = await DiskQueue.open(tmp(), { id: 'l', drops: counter(), logger, segmentBytes: 512 * 1024 });
    const expected: string[] = [];
    for (const [count, size] of [
      [3, 10],
      [400, 3000], // 1.2 MB: over the 1 MiB kept between appends
      [2, 5],
      [50, 1000],
      [1, 1],
    ] as const) {
      const batch = Array.from({ length: count }, (_, i) => `${expected.length + i}:`.padEnd(size, 'é'));
      expected.push(...batch);
      if (count % 2 === 0) await q.appendFramed(encodeFrames(batch.map(buf)), count);
      else await q.append(batch.map(buf));
    }
    expect(await drain(q)).toEqual(expected);
    await q.close();
  });

  // Frames are [u32 length][u32 crc][payload]: with 3-byte payloads "one", "two", "six" the payloads start
  // at offsets 8, 19 and 30 of the segment.
  test('frames this process appended are not CRC-checked when read back (a byte changed under them goes unnoticed)', async () => {
    const dir = tmp();
    const drops = counter();
    const q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('one'), buf('two'), buf('six')]);
    flipByte(dir, 19, 'X');
    expect(await drain(q)).toEqual(['one', 'Xwo', 'six']);
    expect(drops.c.parse_error).toBeUndefined();
    await q.close();
  });

  test('frames of an earlier run are still CRC-checked when read back: corruption after open is detected and counted', async () => {
    const dir = tmp();
    const drops = counter();
    let q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('one'), buf('two')]);
    await q.close();
    q = await DiskQueue.open(dir, { id: 'l', drops, logger }); // recovery checks both frames
    await q.append([buf('six')]); // this run's frame, in the same (recovered) segment
    flipByte(dir, 19, 'X'); // "two", written by the earlier run
    expect(await drain(q)).toEqual(['one']); // the rest of the segment is skipped, as before
    expect(drops.c.parse_error).toBe(1);
    await q.close();
  });

  test('in a recovered segment only the frames appended in this run skip the read-back CRC check', async () => {
    const dir = tmp();
    const drops = counter();
    let q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('one'), buf('two')]);
    await q.close();
    q = await DiskQueue.open(dir, { id: 'l', drops, logger });
    await q.append([buf('six')]);
    flipByte(dir, 30, 'X'); // "six", written by this run
    expect(await drain(q)).toEqual(['one', 'two', 'Xix']);
    expect(drops.c.parse_error).toBeUndefined();
    await q.close();
  });

  test('quota: the oldest sealed segment across lanes is dropped and counted; never exceeded by more than a segment', async () => {
    const drops = counter();
    const quota = new QuotaManager({ maxBytes: 4000, drops, logger });
    const q1 = await DiskQueue.open(tmp(), { id: 'l1', drops, logger, quota, segmentBytes: 1000 });
    const q2 = await DiskQueue.open(tmp(), { id: 'l2', drops, logger, quota, segmentBytes: 1000 });
    for (let i = 0; i < 40; i++) {
      await q1.append([Buffer.alloc(92, 49)]);
      await q2.append([Buffer.alloc(92, 50)]);
      expect(quota.usedBytes()).toBeLessThanOrEqual(4000 + 1000);
    }
    expect(drops.c.quota).toBeGreaterThan(0);
    const left = (await drain(q1)).length + (await drain(q2)).length;
    expect(left + drops.c.quota!).toBe(80); // every record is either delivered or counted
    await q1.close();
    await q2.close();
  });

  test('quota while the head is being delivered: the oldest segment after the batch in flight goes, not the newest append', async () => {
    const drops = counter();
    const dir = tmp();
    const quota = new QuotaManager({ maxBytes: 4000, drops, logger });
    const q = await DiskQueue.open(dir, { id: 'l', drops, logger, quota, segmentBytes: 1000 });
    const entry = (i: number) => buf(String(i).padStart(92, '0')); // 100-byte frames: 10 per segment
    for (let i = 0; i < 25; i++) await q.append([entry(i)]); // segments [0–9] [10–19] [20–24…]
    const inFlight = (await q.read(1e9, 3))!; // 0–2 in delivery (ingestion down: retried, never acked)
    for (let i = 25; i < 45; i++) await q.append([entry(i)]); // 4,500 bytes for a 4,000-byte quota
    expect(drops.c.quota).toBe(10); // one segment's worth, counted
    await q.ack(inFlight);
    const left = (await drain(q)).map(Number);
    // What went is 10–19: the oldest records that were not in flight; every later append was kept.
    const expected = [...Array.from({ length: 7 }, (_, i) => i + 3), ...Array.from({ length: 25 }, (_, i) => i + 20)];
    expect(left).toEqual(expected);
    await q.close();
    // And across a reopen (the ledger and a segment id gap): nothing comes back.
    const again = await DiskQueue.open(dir, { id: 'l', drops, logger, quota, segmentBytes: 1000 });
    expect(await drain(again)).toEqual([]);
    await again.close();
  });

  test('property: any sequence of appends, reads, acks, releases and reopens loses nothing unacked and repeats nothing acked', async () => {
    type Op = { t: 'append'; n: number } | { t: 'read'; n: number } | { t: 'ack' } | { t: 'release' } | { t: 'reopen' };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.integer({ min: 1, max: 20 }).map((n) => ({ t: 'append' as const, n })),
      fc.integer({ min: 1, max: 15 }).map((n) => ({ t: 'read' as const, n })),
      fc.constant({ t: 'ack' as const }),
      fc.constant({ t: 'release' as const }),
      fc.constant({ t: 'reopen' as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const dir = tmp();
        const opts = { id: 'p', drops: counter(), logger, segmentBytes: 300 };
        let q = await DiskQueue.open(dir, opts);
        let next = 0;
        const acked = new Set<number>();
        let inflight: Awaited<ReturnType<DiskQueue['read']>> = null;
        for (const o of ops) {
          if (o.t === 'append') await q.append(Array.from({ length: o.n }, () => buf(String(next++))));
          else if (o.t === 'read' && !inflight) inflight = await q.read(1e9, o.n);
          else if (o.t === 'ack' && inflight) {
            for (const e of inflight.entries) expect(acked.has(Number(e))).toBe(false);
            inflight.entries.forEach((e) => acked.add(Number(e)));
            await q.ack(inflight);
            inflight = null;
          } else if (o.t === 'release' && inflight) {
            q.release(inflight);
            inflight = null;
          } else if (o.t === 'reopen') {
            await q.close();
            q = await DiskQueue.open(dir, opts);
            inflight = null;
          }
        }
        if (inflight) q.release(inflight);
        const rest = (await drain(q)).map(Number);
        await q.close();
        for (const r of rest) expect(acked.has(r)).toBe(false);
        expect(new Set([...acked, ...rest]).size).toBe(next);
      }),
      { numRuns: 60 },
    );
  });
});
