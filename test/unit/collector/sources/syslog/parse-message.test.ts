// Every column of the Syslog record (docs/syslog.md) and the CommonSecurityLog columns (§7.5) for real
// lines of each format (test/fixtures/syslog/parser-cases.ts), plus the rules that need their own clock.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseRfc3164 } from '../../../../../agent/collector/sources/syslog/rfc3164.js';
import { parseMessage } from '../../../../../agent/collector/sources/syslog/parse-message.js';
import {
  ALL_CASES,
  CEF_CASES,
  COMPUTER,
  NOW_LOCAL,
  RFC3164_CASES,
  RFC5424_CASES,
} from '../../../../fixtures/syslog/parser-cases.js';

const now = new Date(NOW_LOCAL);
const ctx = { computer: COMPUTER, now };

describe('parseMessage on real lines', () => {
  test('the corpus holds at least 40 real lines across RFC 3164, RFC 5424 and CEF', () => {
    expect(ALL_CASES.length).toBeGreaterThanOrEqual(40);
    expect(RFC3164_CASES.length).toBeGreaterThan(20);
    expect(RFC5424_CASES.length).toBeGreaterThanOrEqual(10);
    expect(CEF_CASES.length).toBeGreaterThanOrEqual(7);
  });

  test.each(ALL_CASES.map((c) => [c.name, c] as const))('%s: every Syslog column', (_name, c) => {
    const p = parseMessage(Buffer.from(c.line, 'utf8'), ctx);
    expect(p.record).toEqual({
      TimeGenerated: now.toISOString(),
      Computer: COMPUTER,
      CollectorHostName: COMPUTER,
      HostIP: '',
      ...c.syslog,
    });
    expect(p.hasPri).toBe(c.hasPri ?? true);
    expect([...new Set(p.problems)].sort()).toEqual([...(c.problems ?? [])].sort());
    if (c.cef) {
      expect(p.cef).toMatchObject({ TimeGenerated: now.toISOString(), ...c.cef });
      if (c.cefColumns) expect(Object.keys(p.cef!).sort()).toEqual([...c.cefColumns].sort());
    } else {
      expect(p.cef).toBeUndefined();
    }
    if (c.vendor) expect(p.vendor).toMatchObject(c.vendor);
  });

  test('string and Buffer input give the same record', () => {
    for (const c of ALL_CASES) expect(parseMessage(c.line, ctx)).toEqual(parseMessage(Buffer.from(c.line), ctx));
  });

  test('a range of a larger buffer (what the framer hands over) gives the record of those bytes alone', () => {
    for (const c of ALL_CASES) {
      const line = Buffer.from(c.line);
      const around = Buffer.concat([Buffer.from('<14>1 junk before\n'), line, Buffer.from('\n<11>after')]);
      const start = around.indexOf(line);
      expect(parseMessage(around, ctx, start, start + line.length)).toEqual(parseMessage(line, ctx));
    }
  });
});

describe('RFC 3164 year and zone', () => {
  test('a December timestamp read on January 1st belongs to last year', () => {
    const p = parseMessage('<13>Dec 31 23:59:59 h app: x', { computer: 'c', now: new Date('2027-01-01T00:00:05') });
    expect(p.record.EventTime).toBe(new Date('2026-12-31T23:59:59').toISOString());
  });

  test('a timestamp a few days ahead (clock skew) stays in the current year', () => {
    const p = parseMessage('<13>Nov 27 10:00:00 h app: x', ctx);
    expect(p.record.EventTime).toBe(new Date('2026-11-27T10:00:00').toISOString());
  });

  test('a timestamp more than a week ahead is last year', () => {
    const p = parseMessage('<13>Dec 20 10:00:00 h app: x', ctx);
    expect(p.record.EventTime).toBe(new Date('2025-12-20T10:00:00').toISOString());
  });

  test('an impossible BSD date falls back to the receive time and is reported', () => {
    const p = parseMessage('<13>Nov 45 10:00:00 h app: x', ctx);
    expect(p.record.EventTime).toBe(now.toISOString());
    expect(p.problems).toContain('bad_timestamp');
  });
  test('property: a repeated classic timestamp gives what a fresh read gives, whatever came before', () => {
    const stamps = ['Dec 31 10:00:00 ', 'Jan  1 00:00:01 ', 'Jan 02 12:00:00 ', 'Feb 30 10:00:00 ', 'Jul  4 23:59:60 '];
    const nows = [Date.UTC(2026, 0, 2), Date.UTC(2026, 11, 30), Date.UTC(2026, 11, 30) + 1, Date.UTC(2027, 6, 4)];
    /** The same call with the remembered timestamp forgotten first (a read at another receive time). */
    const fresh = (text: string, at: number) => {
      parseRfc3164('Mar  3 03:03:03 h a: m', new Date(at + 7));
      return parseRfc3164(text, new Date(at));
    };
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...stamps), fc.constantFrom(...nows)), { minLength: 1, maxLength: 8 }),
        (calls) => {
          const got = calls.map(([ts, at]) => parseRfc3164(`${ts}host app: m`, new Date(at)));
          expect(got).toEqual(calls.map(([ts, at]) => fresh(`${ts}host app: m`, at)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('limits and the sender', () => {
  test('input beyond 64 KiB is truncated and reported as oversized', () => {
    const p = parseMessage(Buffer.from(`<13>Nov 25 10:00:00 h app: ${'x'.repeat(70_000)}`), ctx);
    expect(p.problems).toContain('oversized');
    expect(Buffer.byteLength(p.record.SyslogMessage)).toBeLessThanOrEqual(64 * 1024);
  });

  test('the 64 KiB limit counts the range, not the buffer around it', () => {
    const line = `<13>Nov 25 10:00:00 h app: ${'x'.repeat(64 * 1024 - 27)}`;
    const around = Buffer.from(`${'y'.repeat(10_000)}${line}${'z'.repeat(10_000)}`);
    const inRange = parseMessage(around, ctx, 10_000, 10_000 + line.length);
    expect(Buffer.byteLength(line)).toBe(64 * 1024);
    expect(inRange.problems).not.toContain('oversized');
    expect(inRange.record.SyslogMessage).toBe('x'.repeat(64 * 1024 - 27));
    const over = parseMessage(around, ctx, 10_000, 10_000 + line.length + 1);
    expect(over.problems).toContain('oversized');
    expect(over.record.SyslogMessage).toBe('x'.repeat(64 * 1024 - 27));
  });

  test('HostIP carries the remote sender address when given', () => {
    expect(parseMessage('<13>Nov 25 10:00:00 h app: x', { ...ctx, sourceIp: '192.0.2.7' }).record.HostIP).toBe(
      '192.0.2.7',
    );
  });

  test('facility code and severity follow the PRI; no PRI is user.notice', () => {
    expect(parseMessage('<165>x', ctx)).toMatchObject({
      facility: 'local4',
      facilityCode: 20,
      severity: 5,
      hasPri: true,
    });
    expect(parseMessage('x', ctx)).toMatchObject({ facility: 'user', facilityCode: 1, severity: 5, hasPri: false });
  });
});
