// Hostile input for the agent-side KQL subset (issue 13): regexes run on RE2 (linear, compiled once from
// literals; invalid patterns are transform errors), every record has an evaluation budget (dropped and
// counted beyond it), column and key names never reach inherited members, and the tokenizer is linear.
import { describe, expect, test } from '@jest/globals';
import {
  applyOperators,
  compileTransform,
  parseKql,
  runTransform,
  RECORD_BUDGET,
} from '../../../../agent/collector/transform/index.js';
import { tokenize } from '../../../../agent/collector/transform/kql-lexer.js';

const hostile = (n: number): string => `a${'!'.repeat(n)}a`;

describe('regular expressions', () => {
  test('trim(@"[^\\w]+", …) from KQL\'s docs: the backtracking input is handled in one linear pass', () => {
    const kql = 'source | extend M = trim(@"[^\\w]+", SyslogMessage)';
    const rows = [
      { SyslogMessage: hostile(40) },
      { SyslogMessage: hostile(60_000) },
      { SyslogMessage: '  --hello, world!!  ' },
    ];
    const out = runTransform(kql, rows);
    expect(out.map((r) => r.M)).toEqual([hostile(40), hostile(60_000), 'hello, world']);
  }, 60_000);

  test('trim_start, trim_end, extract, replace_regex and matches regex follow KQL', () => {
    const rows = [{ m: '--user=alice id=42--', n: 'no digits' }];
    const one = (e: string): unknown => runTransform(`source | project X = ${e}`, rows)[0]!.X;
    expect(one('trim_start("-+", m)')).toBe('user=alice id=42--');
    expect(one('trim_end("-+", m)')).toBe('--user=alice id=42');
    expect(one('extract(@"user=(\\w+)", 1, m)')).toBe('alice');
    expect(one('extract(@"id=(\\d+)", 0, m)')).toBe('id=42');
    expect(one('extract(@"(\\d+)", 1, n)')).toBeNull();
    expect(one('extract(@"(\\d+)", 5, m)')).toBeNull(); // no such group
    expect(one('replace_regex(m, @"(\\w+)=(\\w+)", @"\\2:\\1")')).toBe('--alice:user 42:id--');
    expect(one('replace_regex(n, "x*", "-")')).toBe('-n-o- -d-i-g-i-t-s-'); // empty matches advance
    expect(runTransform('source | where m matches regex @"id=\\d+$"', rows)).toEqual([]);
    expect(runTransform('source | where m matches regex @"id=\\d+"', rows)).toEqual(rows);
  });

  test('an invalid pattern is an error of the transform (left to the service), never a per-record throw', () => {
    expect(() => parseKql('source | extend X = trim("(", RawData)')).toThrow(/invalid regular expression "\("/);
    expect(compileTransform('source | extend X = trim("(", RawData)')).toMatchObject({
      kind: 'service',
      reason: expect.stringMatching(/invalid regular expression "\(".*column 21/),
    });
    // Backreferences and lookaround are not RE2: refused when the transform is compiled.
    expect(compileTransform('source | where RawData matches regex @"(a)\\1"').kind).toBe('service');
    // A pattern that is not a literal would be compiled per record: refused.
    expect(compileTransform('source | extend X = trim(Pattern, RawData)')).toMatchObject({
      kind: 'service',
      reason: expect.stringContaining('must be a string literal'),
    });
    const rows = [{ RawData: '((x))' }];
    expect(runTransform('source | extend X = trim("(", RawData)', rows)).toBe(rows);
  });
});

describe('per-record evaluation budget', () => {
  test('a record that spends its budget is dropped and counted; the others are transformed', () => {
    // `.*z|a` rescans the rest of the text on each of its matches: quadratic over replace_regex's loop.
    const kql = 'source | extend X = replace_regex(RawData, @".*z|a", "b")';
    const rows = [{ RawData: 'aaa' }, { RawData: 'a'.repeat(20_000) }, { RawData: 'xa' }];
    let dropped = 0;
    const out = runTransform(kql, rows, 'full', (n) => (dropped += n));
    expect(dropped).toBe(1);
    expect(out.map((r) => r.X)).toEqual(['bbb', 'xb']);
  }, 60_000);

  test('the budget covers every operator of the record, and a small budget is exact', () => {
    const ops = parseKql('source | where strlen(RawData) > 0 | extend X = strcat(RawData, RawData)');
    const rows = [{ RawData: 'abc' }, { RawData: 'x'.repeat(500) }];
    // 'abc': where ≈ 3 nodes + 3 chars, extend ≈ 3 nodes + 6 chars; the long one needs over 1,000.
    expect(applyOperators(ops, rows, 100)).toEqual({ records: [{ RawData: 'abc', X: 'abcabc' }], overBudget: 1 });
    expect(applyOperators(ops, rows).overBudget).toBe(0);
    expect(RECORD_BUDGET).toBeGreaterThan(64 * 1024 * 10); // a 64 KiB record through a few regexes fits
  });
});

describe('column and key names select own members only', () => {
  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('%s', (name) => {
    const rows: Record<string, unknown>[] = [{ RawData: '{"a":1}' }];
    // A column reference to a name the record does not have is null, not Object.prototype's member.
    expect(runTransform(`source | project X = isnull(${name})`, rows)).toEqual([{ X: true }]);
    expect(runTransform(`source | where isnotnull(${name})`, rows)).toEqual([]);
    // Keys of dynamic values too.
    expect(runTransform(`source | project X = isnull(parse_json(RawData).${name})`, rows)).toEqual([{ X: true }]);
    expect(runTransform(`source | project X = isnull(parse_json(RawData)["${name}"])`, rows)).toEqual([{ X: true }]);
    // project of a missing column gives null; extend / rename create an own column (even __proto__).
    const projected = runTransform(`source | project ${name}`, rows)[0]!;
    expect(Object.hasOwn(projected, name) && projected[name]).toBeNull();
    const extended = runTransform(`source | extend ${name} = "v"`, rows)[0]!;
    expect(Object.getPrototypeOf(extended)).toBe(Object.prototype);
    expect(Object.hasOwn(extended, name) && extended[name]).toBe('v');
    expect(JSON.parse(JSON.stringify(extended))).toEqual(JSON.parse(`{"RawData":"{\\"a\\":1}","${name}":"v"}`));
    const renamed = runTransform(`source | project-rename ${name} = RawData`, rows)[0]!;
    expect(Object.getPrototypeOf(renamed)).toBe(Object.prototype);
    expect(Object.hasOwn(renamed, name) && renamed[name]).toBe('{"a":1}');
    const fromMissing = runTransform(`source | project-rename Y = ${name}`, rows)[0]!;
    expect(fromMissing.Y).toBeUndefined();
  });

  test('own columns with those names are read', () => {
    const row = JSON.parse('{"constructor":"c","__proto__":"p","toString":"t"}') as Record<string, unknown>;
    expect(runTransform('source | project A = constructor, B = __proto__, C = toString', [row])).toEqual([
      { A: 'c', B: 'p', C: 't' },
    ]);
  });
});

describe('tokenizer', () => {
  // A complexity proxy, not a timing assertion: the 4 MB strings finish within the generous timeout only
  // when the tokenizer is linear (the previous one built strings one character at a time and re-scanned).
  test('4 MB quoted, escaped and verbatim strings and many tokens', () => {
    const big = 'x'.repeat(4 * 1024 * 1024);
    const escapes = '\\n'.repeat(2 * 1024 * 1024);
    expect(tokenize(`source | where a == "${big}"`)[5]!.value.length).toBe(big.length);
    expect(tokenize(`source | where a == '${escapes}'`)[5]!.value).toBe('\n'.repeat(2 * 1024 * 1024));
    expect(tokenize(`source | where a == @"${big}"`)[5]!.value.length).toBe(big.length);
    const many = `source | where ${'a and '.repeat(400_000)}b`;
    expect(tokenize(many).length).toBe(3 + 800_001 + 1);
    expect(() => tokenize(`source | where a == "${big}`)).toThrow(/unterminated string at column 21/);
    expect(() => tokenize(`source | where a == "${'\\"'.repeat(1_000_000)}`)).toThrow(/unterminated string/);
  }, 120_000);

  test('escapes', () => {
    expect(tokenize(String.raw`"a\"b\\c\td\ne\'"`)[0]!.value).toBe('a"b\\c\td\ne\'');
    expect(tokenize(`'it''s'`).map((t) => t.value)).toEqual(['it', 's', '']);
  });
});
