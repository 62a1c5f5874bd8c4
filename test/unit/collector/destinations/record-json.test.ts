// RecordJsonWriter (the lanes' serialiser) writes exactly what serializeRecord (JSON.stringify after the
// field truncation) writes, for any record and any sequence of record shapes through one writer, and
// never changes the record it is given.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { serializeRecord } from '../../../../agent/collector/destinations/batcher.js';
import { RecordJsonWriter } from '../../../../agent/collector/destinations/record-json.js';
import { parseMessage } from '../../../../agent/collector/sources/syslog/parse-message.js';
import type { LogRecord } from '../../../../agent/collector/pipeline/index.js';

const reference = (r: LogRecord, maxFieldBytes: number) => serializeRecord(r, { maxFieldBytes });

const value: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom('host-01', 'a"b', 'x'.repeat(20), ''), // repeating values (remembered per position)
  fc.string(),
  fc.string({ unit: 'binary' }), // lone surrogates, controls, astral characters
  fc.string({ unit: fc.constantFrom('"', '\\', '\n', '\u0000', '\u001f', '\u2028', '\ud800', 'é', '😀', 'a') }),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 1e21, 5e-324),
  fc.integer(),
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

describe('RecordJsonWriter', () => {
  test('property: the same text and truncation count as serializeRecord, record after record', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 12 }),
        fc.constantFrom(8, 64, 65536),
        (records, maxFieldBytes) => {
          const writer = new RecordJsonWriter(maxFieldBytes);
          for (const r of records) {
            const before = JSON.stringify(r);
            expect(writer.serialize(r)).toEqual(reference(r, maxFieldBytes));
            expect(JSON.stringify(r)).toBe(before); // the input is not changed
            expect(writer.serialize({ ...r })).toEqual(reference(r, maxFieldBytes)); // the same fields again
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test('Syslog records from the parser: the same text as JSON.stringify, through one writer', () => {
    const writer = new RecordJsonWriter(64 * 1024);
    const lines = [
      '<134>Dec  3 05:00:01 host-01 app[42]: plain message',
      '<13>Dec 03 05:00:01 host-01 app: "quoted" and back\\slash and tab\there',
      '<30>2026-12-03T05:00:01.123+01:00 host-02 systemd: unicode é € 😀 \u2028',
      'no pri at all',
      '<165>1 2026-12-03T05:00:01Z host-03 app 99 ID47 - rfc 5424 body',
    ];
    for (const line of [...lines, ...lines]) {
      const { record } = parseMessage(Buffer.from(line), { computer: 'collector-01', now: new Date(0) });
      expect(writer.serialize(record)).toEqual({ json: JSON.stringify(record), truncatedFields: 0 });
    }
  });

  test('a field over the limit is truncated in the text and counted, the record keeps it whole', () => {
    const writer = new RecordJsonWriter(24);
    const r = { TimeGenerated: '2026-12-03T05:00:00Z', Msg: 'x'.repeat(40), N: 1 };
    const { json, truncatedFields } = writer.serialize(r);
    expect(truncatedFields).toBe(1);
    expect(JSON.parse(json)).toEqual({ TimeGenerated: r.TimeGenerated, Msg: 'x'.repeat(24), N: 1 });
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
    const writer = new RecordJsonWriter(1024);
    for (const r of [new Row() as unknown as LogRecord, bare, { toJSON: () => 'z' } as unknown as LogRecord, {}])
      expect(writer.serialize(r)).toEqual(reference(r, 1024));
  });
});
