// rfc3339Ms (the RFC 5424 timestamp read by position) answers exactly what Date.parse answers for every
// string of the RFC 3339 shape, in or out of range (NaN included); isoFromMs (EventTime written from
// character codes) answers exactly what Date.toISOString answers, or throws the same error.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { isoFromMs, rfc3339Ms } from '../../../../agent/collector/sources/iso-time.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
const pad = (n: number, w: number): string => String(n).padStart(w, '0');
const n2 = (max: number) => fc.integer({ min: 0, max }).map((n) => pad(n, 2));
const timestamp = fc
  .tuple(
    fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1965, max: 2105 })),
    n2(14),
    n2(33),
    n2(25),
    n2(61),
    n2(61),
    fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    fc.oneof(
      fc.constant('Z'),
      fc.tuple(fc.constantFrom('+', '-'), n2(25), n2(61)).map(([s, h, m]) => `${s}${h}:${m}`),
    ),
  )
  .map(([y, mo, d, h, mi, s, f, z]) => `${pad(y, 4)}-${mo}-${d}T${h}:${mi}:${s}${f === undefined ? '' : `.${f}`}${z}`);

describe('rfc3339Ms', () => {
  test('property: the same as Date.parse for every RFC 3339-shaped string', () => {
    fc.assert(
      fc.property(timestamp, (s) => {
        expect(RFC3339.test(s)).toBe(true);
        expect(rfc3339Ms(s)).toBe(Date.parse(s));
      }),
      { numRuns: 20_000 },
    );
  });

  test('examples: fractions, offsets, leap days, the fallbacks', () => {
    for (const s of [
      '2026-12-03T05:00:01Z',
      '2026-12-03T05:00:01.1Z',
      '2026-12-03T05:00:01.12+01:00',
      '2026-12-03T05:00:01.123456789-05:30',
      '2024-02-29T23:59:59.999Z',
      '2023-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-12-03T24:00:00Z',
      '2026-12-31T23:59:60Z',
      '1969-12-31T23:59:59Z',
      '0099-01-01T00:00:00Z',
    ])
      expect([s, rfc3339Ms(s)]).toEqual([s, Date.parse(s)]);
  });
});

describe('isoFromMs', () => {
  const outcome = (f: () => string): string => {
    try {
      return f();
    } catch (err) {
      return `throws ${(err as Error).name}: ${(err as Error).message}`;
    }
  };
  const same = (ms: number): void => {
    expect([ms, outcome(() => isoFromMs(ms))]).toEqual([ms, outcome(() => new Date(ms).toISOString())]);
  };
  const DAY = 86_400_000;
  const LIMIT = 8.64e15; // Date's range: ± 100,000,000 days

  test('property: the same as Date.toISOString for any millisecond, any day, near the day boundaries', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -LIMIT / DAY - 2, max: LIMIT / DAY + 2 }),
        fc.oneof(fc.integer({ min: 0, max: DAY - 1 }), fc.constantFrom(0, 1, 999, 1000, DAY - 1000, DAY - 1)),
        (day, inDay) => same(day * DAY + inDay),
      ),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800 }), (s) => same(s * 1000 + (s % 1000))),
      {
        numRuns: 5_000,
      },
    );
  });

  test('examples: the 4-digit year edges, non-integers and non-finite values take or match Date', () => {
    for (const ms of [
      0,
      -1,
      1_764_720_000_123,
      -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
      -62_167_219_200_001,
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      253_402_300_800_000,
      LIMIT,
      -LIMIT,
      LIMIT + 1,
      1.5,
      -0.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
    ])
      same(ms);
  });
});
