// The KQL subset's limits (kql.test.ts covers semantics and arbitrary short text): deep nesting is refused
// with a clear error instead of overflowing the stack, for every recursive construct; long left-deep
// chains either compile to something the evaluator can run or are refused; long inputs finish.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { compileTransform, runTransform } from '../../../agent/collector/transform/index.js';

const DEEP = 20_000;
const nestings: [string, string][] = [
  ['parentheses', `${'('.repeat(DEEP)}a${')'.repeat(DEEP)} == 1`],
  ['unary minus', `${'-'.repeat(DEEP)}a == 1`],
  ['function calls', `${'tostring('.repeat(DEEP)}a${')'.repeat(DEEP)} == "1"`],
  ['not()', `${'not('.repeat(DEEP)}a${')'.repeat(DEEP)}`],
  ['index access', `a${'[a'.repeat(DEEP)}${']'.repeat(DEEP)} == 1`],
  ['in lists', `${'a in ('.repeat(DEEP)}1${')'.repeat(DEEP)}`],
  ['unclosed parentheses', '('.repeat(DEEP)],
];

describe('KQL limits', () => {
  test.each(nestings)('deep nesting through %s is refused with a clear error, not a stack overflow', (_name, pred) => {
    const c = compileTransform(`source | where ${pred}`);
    expect(c).toEqual({ kind: 'service', reason: expect.stringMatching(/nest|deep|unexpected|expected/i) });
  });

  test('left-deep chains of any length (and, or, +, member access) compile and evaluate, or are refused, never overflow', () => {
    const chains = [
      `source | where ${Array.from({ length: DEEP }, () => 'a == 1').join(' and ')}`,
      `source | where ${Array.from({ length: DEEP }, () => 'a == 2').join(' or ')}`,
      `source | extend x = ${Array.from({ length: DEEP }, () => 'a').join(' + ')}`,
      `source | extend x = d${'.k'.repeat(DEEP)}`,
    ];
    for (const kql of chains) {
      const c = compileTransform(kql);
      expect(['agent', 'service']).toContain(c.kind);
      const out = runTransform(kql, [{ a: 1, d: { k: null } }]);
      expect(out.length).toBeLessThanOrEqual(1);
    }
  });

  test('nesting within the limit still works', () => {
    const kql = `source | where ${'('.repeat(50)}a == 1${')'.repeat(50)}`;
    expect(compileTransform(kql).kind).toBe('agent');
    expect(runTransform(kql, [{ a: 1 }, { a: 2 }])).toEqual([{ a: 1 }]);
  });

  test('a 256 KiB transform (many operators, long strings, comments) finishes with a verdict', () => {
    const big = [
      `source ${'| where a != "x" '.repeat(16_000)}`,
      `source | where s == "${'x'.repeat(1 << 18)}"`,
      `source | where s has '${"\\'".repeat(1 << 17)}'`,
      `source // ${'c'.repeat(1 << 18)}\n| where a == 1`,
      `source | project ${Array.from({ length: 20_000 }, (_, i) => `c${i}`).join(', ')}`,
    ];
    for (const kql of big) expect(['agent', 'service', 'identity']).toContain(compileTransform(kql).kind);
  });

  test('random nesting of every recursive construct never throws anything but a verdict', () => {
    const opener = fc.constantFrom('(', '-', 'tostring(', 'not(', 'a[', 'a in (', 'iif(');
    fc.assert(
      fc.property(fc.array(opener, { maxLength: 3000 }), fc.boolean(), (opens, close) => {
        const body =
          opens.join('') +
          'a' +
          (close
            ? opens
                .map((o) => (o.endsWith('[') ? ']' : o.endsWith('(') ? ')' : ''))
                .reverse()
                .join('')
            : '');
        expect(['agent', 'service']).toContain(compileTransform(`source | where ${body}`).kind);
      }),
      { numRuns: 60 },
    );
  });
});
