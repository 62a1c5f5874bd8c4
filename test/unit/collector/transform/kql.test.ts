// The agent-side KQL subset: real DCR transform examples, error positions, unsupported constructs
// left to the service, prefilter mode, and a property test that filtering keeps exactly the rows
// the expression selects.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  compileTransform,
  runTransform,
  KqlSyntaxError,
  parseKql,
} from '../../../../agent/collector/transform/index.js';

const syslog = [
  {
    TimeGenerated: '2026-11-25T10:00:00Z',
    Facility: 'auth',
    SeverityLevel: 'info',
    SyslogMessage: 'Accepted publickey for alice from 10.0.0.4 port 52144 ssh2',
    ProcessName: 'sshd',
    ProcessID: 812,
  },
  {
    TimeGenerated: '2026-11-25T10:00:01Z',
    Facility: 'daemon',
    SeverityLevel: 'debug',
    SyslogMessage: 'healthcheck ok',
    ProcessName: 'myapp',
    ProcessID: 99,
  },
  {
    TimeGenerated: '2026-11-25T10:00:02Z',
    Facility: 'kern',
    SeverityLevel: 'err',
    SyslogMessage: 'EXT4-fs error (device sda1)',
    ProcessName: 'kernel',
    ProcessID: null,
  },
];

describe('real DCR transforms', () => {
  test.each([
    ['source | where SeverityLevel != "debug"', [0, 2]],
    ["source | where SyslogMessage has 'publickey'", [0]],
    ['source | where SyslogMessage has "public"', []], // has = whole terms
    ['source | where SyslogMessage contains "PUBLIC"', [0]], // contains is case-insensitive
    ['source | where Facility in ("auth", "authpriv") or SeverityLevel =~ "ERR"', [0, 2]],
    ['source | where not(ProcessName startswith "ssh")', [1, 2]],
    ['source | where ProcessID > 100', [0]],
    ['source | where isnotnull(ProcessID) and ProcessID < 100', [1]],
    ['source | where SyslogMessage !contains "health" | where Facility != "kern"', [0]],
  ])('%s', (kql, keep) => {
    expect(runTransform(kql, syslog)).toEqual(keep.map((i) => syslog[i]));
  });

  test('project, extend, project-away, project-rename and parse_json', () => {
    const rows = [{ TimeGenerated: 't', RawData: '{"level":"warn","user":{"id":42}}', FilePath: '/var/log/app.log' }];
    const out = runTransform(
      'source | extend d = parse_json(RawData) | extend Level = tostring(d.level), UserId = toint(d["user"].id) | project-away d, RawData | project-rename Path = FilePath',
      rows,
    );
    expect(out).toEqual([{ TimeGenerated: 't', Level: 'warn', UserId: 42, Path: '/var/log/app.log' }]);
    expect(runTransform('source | project TimeGenerated, Len = strlen(RawData) + 1', rows)).toEqual([
      { TimeGenerated: 't', Len: rows[0]!.RawData.length + 1 },
    ]);
  });
});

describe('errors and unsupported constructs', () => {
  test('syntax errors point at the column', () => {
    expect(() => parseKql('source | where (x == 1')).toThrow(KqlSyntaxError);
    expect(() => parseKql('source | where x == "oops')).toThrow(/unterminated string at column 21/);
  });

  test('operators and functions outside the subset are left to the service', () => {
    expect(compileTransform('source | summarize count() by Computer')).toMatchObject({
      kind: 'service',
      reason: expect.stringContaining('"summarize" is not supported'),
    });
    expect(compileTransform('source | where split(RawData, ";")[0] == "y"')).toMatchObject({
      kind: 'service',
      reason: expect.stringContaining('split()'),
    });
    expect(runTransform('source | summarize count()', syslog)).toBe(syslog);
  });

  test('prefilter mode runs only the leading where operators (idempotent when the service re-runs the transform)', () => {
    const kql = 'source | where ProcessName == "sshd" | extend X = 1 | where X == 2';
    expect(runTransform(kql, syslog, 'prefilter')).toEqual([syslog[0]]);
    expect(runTransform(kql, syslog, 'full')).toEqual([]);
    expect(compileTransform('source | extend X = 1', 'prefilter')).toEqual({ kind: 'identity' });
  });
});

describe('property: filtering keeps exactly the selected rows', () => {
  type Pred = { kql: string; js: (r: Record<string, unknown>) => boolean };
  const cols = ['a', 'b', 'c'] as const;
  const atom: fc.Arbitrary<Pred> = fc.oneof(
    fc
      .tuple(
        fc.constantFrom(...cols),
        fc.integer({ min: -5, max: 5 }),
        fc.constantFrom('==', '!=', '<', '<=', '>', '>='),
      )
      .map(([c, n, op]) => ({
        kql: `${c} ${op} ${n < 0 ? `(0 - ${-n})` : n}`,
        js: (r: Record<string, unknown>) => {
          const v = r[c] as number | null;
          if (v === null) return false;
          return op === '=='
            ? v === n
            : op === '!='
              ? v !== n
              : op === '<'
                ? v < n
                : op === '<='
                  ? v <= n
                  : op === '>'
                    ? v > n
                    : v >= n;
        },
      })),
    fc.tuple(fc.constantFrom('s'), fc.constantFrom('ab', 'x', 'AB')).map(([c, t]) => ({
      kql: `${c} contains "${t}"`,
      js: (r: Record<string, unknown>) =>
        String(r[c] ?? '')
          .toLowerCase()
          .includes(t.toLowerCase()),
    })),
  );
  const pred: fc.Arbitrary<Pred> = fc.letrec<{ p: Pred }>((tie) => ({
    p: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      atom,
      fc.tuple(tie('p'), tie('p')).map(([l, r]) => ({
        kql: `(${l.kql}) and (${r.kql})`,
        js: (x: Record<string, unknown>) => l.js(x) && r.js(x),
      })),
      fc
        .tuple(tie('p'), tie('p'))
        .map(([l, r]) => ({ kql: `(${l.kql}) or (${r.kql})`, js: (x: Record<string, unknown>) => l.js(x) || r.js(x) })),
      tie('p').map((p) => ({ kql: `not(${p.kql})`, js: (x: Record<string, unknown>) => !p.js(x) })),
    ),
  })).p;
  const row = fc.record({
    a: fc.option(fc.integer({ min: -6, max: 6 })),
    b: fc.integer({ min: -6, max: 6 }),
    c: fc.integer({ min: -6, max: 6 }),
    s: fc.constantFrom('xxABx', 'ab', '', 'yy'),
  });

  test('where <random predicate> equals filtering with an independent JS predicate', () => {
    fc.assert(
      fc.property(pred, fc.array(row, { maxLength: 20 }), (p, rows) => {
        // KQL's not() of a null comparison is true; the JS oracle treats null comparisons as false before negation too.
        const expected = rows.filter((r) => p.js(r));
        expect(runTransform(`source | where ${p.kql}`, rows)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('the parser never throws anything but its own errors on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        const c = compileTransform(`source | where ${text}`);
        expect(['identity', 'agent', 'service']).toContain(c.kind);
      }),
      { numRuns: 500 },
    );
  });
});
