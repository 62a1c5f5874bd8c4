// splitTransform (issue 12.9): a transform is cut at its first operator outside the agent subset; the
// operators before it keep running on the machine and the rest is left to the service (for built-in
// streams: the companion flow's transformKql). compileTransform runs exactly the agent part.
import { describe, expect, test } from '@jest/globals';
import {
  companionTransformMode,
  compileTransform,
  runTransform,
  splitTransform,
} from '../../../../agent/collector/transform/index.js';
import { buildPipelineGraph } from '../../../../agent/collector/pipeline/plan-to-graph.js';
import { syslogToLaDcr } from '../../../support/collector-process.js';
import { testAgentConfig } from '../../../support/agent-config.js';

describe('splitTransform', () => {
  test.each([
    // [transform, agentPart, servicePart, reason contains]
    ['source', 'source', 'source', undefined],
    ['', 'source', 'source', undefined],
    ['source | where A == 1 | project A, B', 'source | where A == 1 | project A, B', 'source', undefined],
    [
      'source | where SeverityLevel != "debug" | extend Parts = split(SyslogMessage, ";") | project Parts',
      'source | where SeverityLevel != "debug"',
      'source | extend Parts = split(SyslogMessage, ";") | project Parts',
      'function split() is not supported on the agent at column 58',
    ],
    [
      'source | where A == 1 | project A, B = tolower(C) | summarize count() by A',
      'source | where A == 1 | project A, B = tolower(C)',
      'source | summarize count() by A',
      'operator "summarize" is not supported',
    ],
    [
      // The pipe inside brackets does not cut; a string holding a pipe neither.
      'source | where M has "a|b" | extend X = toscalar(T | count) | where A',
      'source | where M has "a|b"',
      'source | extend X = toscalar(T | count) | where A',
      'toscalar() is not supported',
    ],
    [
      // A character the subset has no use for (datetime literal's ':') cuts there, not everywhere.
      'source | where A > 1\n| where TimeGenerated > datetime(2026-01-01T00:00:00Z)\n| project A',
      'source | where A > 1',
      'source | where TimeGenerated > datetime(2026-01-01T00:00:00Z)\n| project A',
      'function datetime() is not supported',
    ],
    ['source | summarize count()', 'source', 'source | summarize count()', '"summarize" is not supported'],
    ['source | where x == 1 foo', 'source', 'source | where x == 1 foo', 'unexpected "foo"'],
    ['source | where x == 1 | ', 'source | where x == 1', 'source |', 'expected ident but found end of text'],
    [
      'source | where A | extend X = trim("(", B)',
      'source | where A',
      'source | extend X = trim("(", B)',
      'invalid regular expression',
    ],
    // The head cannot be read: everything is the service's.
    ['let x = 1; source | where A', 'source', 'let x = 1; source | where A', 'must start with "source"'],
    ['source | where x == "open', 'source', 'source | where x == "open', 'unterminated string'],
    ['Syslog | where A', 'source', 'Syslog | where A', 'must start with "source"'],
  ])('%j', (kql, agentPart, servicePart, reason) => {
    const split = splitTransform(kql);
    expect(split.agentPart).toBe(agentPart);
    expect(split.servicePart).toBe(servicePart);
    if (reason === undefined) expect(split.reason).toBeUndefined();
    else expect(split.reason).toContain(reason);
  });
});

describe('the agent runs its part', () => {
  const rows = [
    { SeverityLevel: 'debug', SyslogMessage: 'a;b', ProcessName: 'x' },
    { SeverityLevel: 'err', SyslogMessage: 'c;d', ProcessName: 'y' },
  ];

  test('full mode: the leading where / project run, the rest is reported as left to the service', () => {
    const kql =
      'source | where SeverityLevel != "debug" | project SyslogMessage | extend P = split(SyslogMessage, ";")';
    expect(runTransform(kql, rows, 'full')).toEqual([{ SyslogMessage: 'c;d' }]);
    expect(compileTransform(kql, 'full')).toMatchObject({
      kind: 'agent',
      rest: {
        servicePart: 'source | extend P = split(SyslogMessage, ";")',
        reason: expect.stringContaining('split()'),
      },
    });
  });

  test('prefilter mode: only the leading where operators of the agent part', () => {
    const kql =
      'source | where SeverityLevel != "debug" | project SyslogMessage | extend P = split(SyslogMessage, ";")';
    expect(runTransform(kql, rows, 'prefilter')).toEqual([rows[1]]);
    expect(compileTransform('source | project A | split(x)', 'prefilter')).toMatchObject({ kind: 'service' });
  });

  test('agent part then service part equals the whole transform (both halves in the subset)', () => {
    // Cut artificially: the same transform with a split() the agent refuses appended gives the same agent output.
    const whole = 'source | where ProcessName != "x" | extend L = strlen(SyslogMessage) | project L';
    const { agentPart, servicePart } = splitTransform(`${whole} | where split(L, ";")[0] == 1`);
    expect(agentPart).toBe(whole);
    expect(servicePart).toBe('source | where split(L, ";")[0] == 1');
    expect(runTransform(agentPart, rows)).toEqual(runTransform(whole, rows));
    expect(runTransform(agentPart, rows)).toEqual([{ L: 3 }]);
  });
});

describe('built-in streams: the companion flow decides how the agent runs the transform', () => {
  const kql = 'source | where SeverityLevel != "debug" | project SyslogMessage | extend P = split(SyslogMessage, ";")';
  const rest = 'source | extend P = split(SyslogMessage, ";")';

  test.each([
    // [built-in flow transform, companion flow transform, mode, lost]
    [kql, rest, 'full', undefined], // dcr fix's split: the agent runs its part, the service the rest
    [kql, `  ${rest.replace(/ /g, '\n  ')} `, 'full', undefined], // white space does not matter
    [kql, kql, 'prefilter', undefined], // the service runs all of it: leading where filters only here
    [kql, 'source', 'full', rest], // nobody runs the rest
    [kql, undefined, 'full', rest],
    ['source | where A == 1', 'source', 'full', undefined],
    ['source | where A == 1', undefined, 'full', undefined],
    ['source | where A == 1', 'source | where A == 1', 'prefilter', undefined],
    [kql, 'source | where B == 2', 'prefilter', undefined], // the user's own service transform
  ])('%j with companion %j', (builtIn, companion, mode, lost) => {
    expect(companionTransformMode(builtIn, companion)).toEqual(lost ? { mode, lost } : { mode });
  });

  test('the pipeline graph uses it, and warns when a part of the transform is run by nobody', () => {
    const ctx = { computer: 'h', config: testAgentConfig(), env: {}, outDir: '/tmp/out' };
    const build = (companionKql: string) => {
      const dcr = syslogToLaDcr('dcr-ffffffffffffffffffffffffffffffff', 'https://x.example') as {
        properties: { dataFlows: { transformKql?: string }[] };
      };
      dcr.properties.dataFlows[0]!.transformKql = kql;
      dcr.properties.dataFlows[1]!.transformKql = companionKql;
      const built = buildPipelineGraph([{ json: dcr, origin: 'file', ref: 'a' }], ctx);
      return {
        mode: built.graph.routes[0]!.transformMode,
        warnings: built.warnings.filter((w) => /nobody runs/.test(w)),
      };
    };
    expect(build(rest)).toEqual({ mode: 'full', warnings: [] });
    expect(build(kql)).toEqual({ mode: 'prefilter', warnings: [] });
    const lost = build('source');
    expect(lost.mode).toBe('full');
    expect(lost.warnings).toEqual([expect.stringContaining(`nobody runs the rest: ${rest}`)]);
  });
});
