// W3C extended log parsing from a real IIS log: directives skipped, `#Fields:` names the columns (a new
// header mid-file replaces them), `-` leaves the column out, quoted values, date+time → TimeGenerated,
// malformed lines reported with a reason, and the parser never throws on arbitrary input.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import {
  parseW3cLine,
  splitW3cFields,
  w3cColumnName,
  type W3cState,
} from '../../../../../agent/collector/sources/text-logs/w3c-parser.js';

const IIS = `#Software: Microsoft Internet Information Services 10.0
#Version: 1.0
#Date: 2026-11-25 10:00:00
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
2026-11-25 10:00:01 10.0.0.4 GET /index.html - 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT+10.0) https://example.com/ 200 0 0 15
2026-11-25 10:00:02 10.0.0.4 POST /api/login a=1&b=2 443 alice 203.0.113.9 curl/8.5.0 - 401 1 5 3`;

describe('W3C extended log parser', () => {
  test('an IIS log: directives, then entries mapped to camel-cased header names', () => {
    const state: W3cState = {};
    const out = IIS.split('\n').map((l) => parseW3cLine(l, state));
    expect(out.slice(0, 4).map((o) => (o.kind === 'directive' ? o.name : o.kind))).toEqual([
      'Software',
      'Version',
      'Date',
      'Fields',
    ]);
    expect(out[4]).toEqual({
      kind: 'entry',
      timeGenerated: '2026-11-25T10:00:01.000Z',
      values: {
        date: '2026-11-25',
        time: '10:00:01',
        sIp: '10.0.0.4',
        csMethod: 'GET',
        csUriStem: '/index.html',
        sPort: '443',
        cIp: '203.0.113.9',
        csUserAgent: 'Mozilla/5.0+(Windows+NT+10.0)',
        csReferer: 'https://example.com/',
        scStatus: '200',
        scSubstatus: '0',
        scWin32Status: '0',
        timeTaken: '15',
      },
    });
    const second = out[5]!;
    expect(second.kind === 'entry' && second.values).toMatchObject({
      csUriQuery: 'a=1&b=2',
      csUsername: 'alice',
      scStatus: '401',
    });
    expect(second.kind === 'entry' && 'csReferer' in second.values).toBe(false); // `-` → no value
  });

  test('a new #Fields header mid-file replaces the columns; time without date takes the #Date day', () => {
    const state: W3cState = {};
    for (const l of IIS.split('\n')) parseW3cLine(l, state);
    expect(parseW3cLine('#Date: 2026-11-26 00:00:00', state).kind).toBe('directive');
    expect(parseW3cLine('#Fields: time c-ip sc-status', state)).toEqual({
      kind: 'directive',
      name: 'Fields',
      value: 'time c-ip sc-status',
    });
    expect(parseW3cLine('00:00:05 198.51.100.7 404', state)).toEqual({
      kind: 'entry',
      timeGenerated: '2026-11-26T00:00:05.000Z',
      values: { time: '00:00:05', cIp: '198.51.100.7', scStatus: '404' },
    });
    expect(parseW3cLine('2026-11-25 10:00:01 10.0.0.4 GET', state)).toEqual({
      kind: 'error',
      reason: 'field_count_mismatch',
    });
  });

  test('malformed input is reported, never thrown', () => {
    expect(parseW3cLine('2026-11-25 10:00:01 x', {})).toEqual({ kind: 'error', reason: 'no_fields_directive' });
    expect(parseW3cLine('a "b c', { fields: ['x', 'y'] })).toEqual({ kind: 'error', reason: 'unterminated_quote' });
    expect(parseW3cLine('', { fields: ['x'] })).toEqual({ kind: 'blank' });
    expect(parseW3cLine('#Remark: hello: world', {})).toEqual({
      kind: 'directive',
      name: 'Remark',
      value: 'hello: world',
    });
    const bad = parseW3cLine('nope 25:99:99', { fields: ['date', 'time'] });
    expect(bad).toEqual({ kind: 'entry', values: { date: 'nope', time: '25:99:99' } }); // no TimeGenerated from garbage
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 6 }), (lines) => {
        const state: W3cState = {};
        for (const l of lines) expect(['directive', 'blank', 'entry', 'error']).toContain(parseW3cLine(l, state).kind);
      }),
    );
  });

  test('quoted values keep their spaces; CRLF line ends are tolerated', () => {
    expect(splitW3cFields('a "b c" "say ""hi""" -')).toEqual(['a', 'b c', 'say "hi"', '-']);
    expect(parseW3cLine('1 "x y"\r', { fields: ['sc-status', 'cs-comment'] })).toEqual({
      kind: 'entry',
      values: { scStatus: '1', csComment: 'x y' },
    });
  });

  test.each([
    ['cs-uri-stem', 'csUriStem'],
    ['cs(User-Agent)', 'csUserAgent'],
    ['s-computername', 'sComputername'],
    ['date', 'date'],
    ['x-forwarded-for', 'xForwardedFor'],
  ])('column name of %s is %s', (field, column) => {
    expect(w3cColumnName(field)).toBe(column);
    expect(column).toMatch(/^[A-Za-z][A-Za-z0-9_]{0,44}$/); // what a DCR column name allows
  });
});
