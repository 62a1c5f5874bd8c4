// readColonTag (the RFC 3164 tag read by position) finds exactly what the COLON_TAG regex matches, on any
// text: tags at and around the 128-character limit, [pid] at and around 32, every separator, and the
// Unicode whitespace that only the regex knows. pidIn reads a PID as pidOf reads its substring.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { COLON_TAG, readColonTag } from '../../../../../agent/collector/sources/syslog/colon-tag.js';
import { pidIn } from '../../../../../agent/collector/sources/syslog/header.js';

/** What the regex says: tag, [pid] text (undefined when absent) and match length. */
function byRegex(s: string): [string, string | undefined, number] | null {
  const m = COLON_TAG.exec(s);
  return m ? [m[1]!, m[2], m[0].length] : null;
}

function byScan(s: string): [string, string | undefined, number] | null {
  const t = readColonTag(s);
  if (!t) return null;
  return [s.slice(0, t.tagEnd), t.pidStart < 0 ? undefined : s.slice(t.pidStart, t.pidEnd), t.end];
}

const piece = fc.constantFrom(
  'a',
  'Z',
  '0',
  '7',
  'sshd',
  '%ASA-6-302013',
  ':',
  ': ',
  '[',
  ']',
  '[123]',
  ' ',
  '\t',
  '\r',
  '\v',
  '-',
  '.',
  '/',
  '\u00a0',
  '\u2028',
  '\ufeff',
  '\u3000',
  'é',
  'ü',
  '😀',
);
const text = fc.oneof(
  fc.array(piece, { maxLength: 40 }).map((xs) => xs.join('')),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  // around the limits: 120–135 tag characters, 28–36 PID characters
  fc
    .tuple(
      fc.integer({ min: 120, max: 135 }),
      fc.option(fc.integer({ min: 28, max: 36 }), { nil: undefined }),
      fc.constantFrom(':', ': x', ' x', '', ']:', '[:'),
    )
    .map(([t, p, end]) => `${'t'.repeat(t)}${p === undefined ? '' : `[${'9'.repeat(p)}]`}${end}`),
  fc
    .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 28, max: 36 }), fc.constantFrom(':', ': ', '', ' :'))
    .map(([t, p, end]) => `${'t'.repeat(t)}[${'x:['.repeat(p).slice(0, p)}]${end}`),
);

describe('readColonTag', () => {
  test('property: the same tag, [pid] and match length as the regex, or no match when it has none', () => {
    fc.assert(
      fc.property(text, (s) => {
        expect([s, byScan(s)]).toEqual([s, byRegex(s)]);
      }),
      { numRuns: 30_000 },
    );
  });

  test('examples', () => {
    for (const s of [
      'sshd[1234]: Accepted',
      'sshd: x',
      'sshd:x',
      'cron[]: x',
      'sshd[12 34]: x',
      'sshd [1]: x',
      '%ASA-6-302013: Built',
      ':x',
      '[1]: x',
      'tag\u00a0x: y',
      'tag[\u2028]: y',
      'é: y',
      `${'a'.repeat(128)}: x`,
      `${'a'.repeat(129)}: x`,
      `a[${'1'.repeat(32)}]: x`,
      `a[${'1'.repeat(33)}]: x`,
      '',
      'x',
    ])
      expect([s, byScan(s)]).toEqual([s, byRegex(s)]);
    expect(byScan('sshd[1234]: Accepted')).toEqual(['sshd', '1234', 12]);
  });
});

describe('pidIn', () => {
  const pidOfOld = (s: string | undefined): number | null => {
    if (!s || s.length > 10 || !/^\d+$/.test(s)) return null;
    const n = Number(s);
    return n <= 2_147_483_647 ? n : null;
  };
  test('property: pidIn(s, a, b) is the PID of s.slice(a, b), null when a is -1', () => {
    const digits = fc.stringMatching(/^[0-9x]{0,12}$/);
    fc.assert(
      fc.property(digits, fc.nat(14), fc.nat(14), (s, a, b) => {
        const [start, end] = [Math.min(a, s.length), Math.min(Math.max(a, b), s.length)];
        expect(pidIn(s, start, end)).toBe(pidOfOld(s.slice(start, end)));
        expect(pidIn(s, -1, -1)).toBeNull();
      }),
      { numRuns: 10_000 },
    );
    for (const s of ['2147483647', '2147483648', '0', '0000000001', '99999999999', '12a'])
      expect([s, pidIn(s, 0, s.length)]).toEqual([s, pidOfOld(s)]);
  });
});
