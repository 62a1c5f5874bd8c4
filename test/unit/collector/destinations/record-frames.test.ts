// RecordFrameEncoder (the lanes' serialiser) writes queue frames whose payloads are exactly what
// serializeRecord (JSON.stringify after the field truncation) writes, with the right length and CRC, for
// any record and any sequence of record shapes and batch sizes through one encoder, and never changes the
// records it is given.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { serializeRecord } from '../../../../agent/collector/destinations/batcher.js';
import { crc32 } from 'node:zlib';
import { RecordFrameEncoder } from '../../../../agent/collector/destinations/record-frames.js';
import { parseMessage } from '../../../../agent/collector/sources/syslog/parse-message.js';
import type { LogRecord } from '../../../../agent/collector/pipeline/index.js';

const reference = (r: LogRecord, maxFieldBytes: number) => serializeRecord(r, { maxFieldBytes });

/** The payloads of `frames`, each checked against its length and CRC header. */
function payloads(frames: Buffer): string[] {
  const out: string[] = [];
  let off = 0;
  while (off < frames.length) {
    const len = frames.readUInt32LE(off);
    const payload = frames.subarray(off + 8, off + 8 + len);
    expect(payload.length).toBe(len);
    expect(frames.readUInt32LE(off + 4)).toBe(crc32(payload));
    out.push(payload.toString('utf8'));
    off += 8 + len;
  }
  return out;
}

/** encode() of one batch, as the reference would write it: the texts and the summed truncation count. */
function encodeOne(encoder: RecordFrameEncoder, records: LogRecord[]): { json: string[]; truncatedFields: number } {
  const e = encoder.encode(records);
  expect(e.count).toBe(records.length);
  const out = { json: payloads(e.frames), truncatedFields: e.truncatedFields };
  encoder.release(e); // the next batch reuses the buffer
  return out;
}

function expected(records: LogRecord[], maxFieldBytes: number): { json: string[]; truncatedFields: number } {
  const refs = records.map((r) => reference(r, maxFieldBytes));
  return { json: refs.map((x) => x.json), truncatedFields: refs.reduce((n, x) => n + x.truncatedFields, 0) };
}

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('host-01', 'a"b', 'x'.repeat(20), ''), // repeating values (remembered per position)
  fc.string(),
  fc.string({ unit: 'binary' }), // lone surrogates, controls, astral characters
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u2028', '\ud800', 'é', '😀', 'a') }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 5e-324),
  fc.integer(),
  fc.constantFrom(0, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 1e9, 4294967295), // around the digit-by-digit path's edges
  fc.string({ maxLength: 70 }), // around the byte-by-byte path's 64 characters
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.date({ noInvalidDate: true }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);
/** Keys from a small pool (shapes that repeat and shift) plus arbitrary ones, integer-like ones included. */
const key = fc.oneof(
  fc.constantFrom('TimeGenerated', 'Computer', 'SyslogMessage', 'ProcessID', 'Extension', '0', '7'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);
const record = fc.dictionary(key, value, { maxKeys: 8, noNullPrototype: true });

describe('RecordFrameEncoder', () => {
  test('property: the same text and truncation count as serializeRecord, batch after batch', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(record, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(8, 64, 65536),
        (batches, maxFieldBytes) => {
          const encoder = new RecordFrameEncoder(maxFieldBytes);
          for (const batch of batches) {
            const before = JSON.stringify(batch);
            expect(encodeOne(encoder, batch)).toEqual(expected(batch, maxFieldBytes));
            expect(JSON.stringify(batch)).toBe(before); // the input is not changed
            const again = batch.map((r) => ({ ...r })); // the same fields again
            expect(encodeOne(encoder, again)).toEqual(expected(batch, maxFieldBytes));
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('Syslog records from the parser: the same text as JSON.stringify, through one encoder', () => {
    const encoder = new RecordFrameEncoder(64 * 1024);
    const lines = [
      '<134>Dec  3 05:00:01 host-01 app[42]: plain message',
      '<13>Dec 03 05:00:01 host-01 app: "quoted" and back\\slash and tab\there',
      '<30>2026-12-03T05:00:01.123+01:00 host-02 systemd: unicode é € 😀 \u2028',
      'no pri at all',
      '<165>1 2026-12-03T05:00:01Z host-03 app 99 ID47 - rfc 5424 body',
    ];
    const records = [...lines, ...lines].map(
      (line) => parseMessage(Buffer.from(line), { computer: 'collector-01', now: new Date(0) }).record,
    );
    expect(encodeOne(encoder, records)).toEqual({ json: records.map((r) => JSON.stringify(r)), truncatedFields: 0 });
  });

  test('a batch far over the kept buffer (multi-byte text, long fields) is written whole, then a small one', () => {
    const encoder = new RecordFrameEncoder(64 * 1024);
    const big = Array.from({ length: 40 }, (_, i) => ({ i, Msg: `${i}:`.padEnd(30_000, 'é€😀') }));
    expect(encodeOne(encoder, big)).toEqual(expected(big, 64 * 1024));
    const small = [{ a: 'b' }, { a: 'c"' }];
    expect(encodeOne(encoder, small)).toEqual(expected(small, 64 * 1024));
  });

  test('batches not yet released keep their frames while later batches are encoded', () => {
    const encoder = new RecordFrameEncoder(1024);
    const batches = [0, 1, 2, 3, 4, 5].map((b) =>
      Array.from({ length: 50 }, (_, i) => ({ b, i, s: 'é'.repeat(b * 10) })),
    );
    const held = batches.map((batch) => encoder.encode(batch)); // none released: each its own buffer
    held.forEach((e, b) => expect(payloads(e.frames)).toEqual(batches[b]!.map((r) => JSON.stringify(r))));
    for (const e of held) encoder.release(e);
    expect(encodeOne(encoder, batches[5]!)).toEqual(expected(batches[5]!, 1024));
  });

  test('a field over the limit is truncated in the text and counted, the record keeps it whole', () => {
    const encoder = new RecordFrameEncoder(24);
    const r = { TimeGenerated: '2026-12-03T05:00:00Z', Msg: 'x'.repeat(40), N: 1 };
    const { json, truncatedFields } = encodeOne(encoder, [r, { ...r, N: undefined }]);
    expect(truncatedFields).toBe(2); // the second record goes through serializeRecord (undefined): counted once
    expect(JSON.parse(json[0]!)).toEqual({ TimeGenerated: r.TimeGenerated, Msg: 'x'.repeat(24), N: 1 });
    expect(JSON.parse(json[1]!)).toEqual({ TimeGenerated: r.TimeGenerated, Msg: 'x'.repeat(24) });
    expect(r.Msg).toHaveLength(40);
  });

  test('records that are not plain objects are written as JSON.stringify writes them', () => {
    class Row {
      a = 1;
      toJSON(): unknown {
        return { b: 2 };
      }
    }
    const bare = Object.assign(Object.create(null) as LogRecord, { x: 'y' });
    const encoder = new RecordFrameEncoder(1024);
    const records = [new Row() as unknown as LogRecord, bare, { toJSON: () => 'z' } as unknown as LogRecord, {}];
    expect(encodeOne(encoder, records)).toEqual(expected(records, 1024));
  });
});
