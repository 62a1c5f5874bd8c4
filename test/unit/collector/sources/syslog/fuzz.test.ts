// Parsers and the framer are total: arbitrary bytes never throw, never hang, and the output stays
// bounded by the input (64 KiB per message).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseMessage } from '../../../../../agent/collector/sources/syslog/parse-message.js';
import { parseCefMessage } from '../../../../../agent/collector/sources/syslog/cef.js';
import { parseKeyValueBody } from '../../../../../agent/collector/sources/syslog/vendor.js';
import { SyslogFramer } from '../../../../../agent/collector/sources/syslog/framing.js';

const ctx = { computer: 'c', now: new Date('2026-11-25T12:00:00Z') };
const size = (v: unknown): number => Buffer.byteLength(JSON.stringify(v));
// Inputs that look like syslog often enough to reach the deep branches.
const syslogish = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)),
  fc
    .tuple(
      fc.integer({ min: 0, max: 255 }),
      fc.constantFrom('1 ', 'Nov  5 10:00:00 ', '2024-10-29T18:28:34Z ', ''),
      fc.string({ maxLength: 300 }),
    )
    .map(([pri, ts, rest]) => Buffer.from(`<${pri}>${ts}${rest}`)),
  fc
    .array(
      fc.constantFrom(
        'CEF:0|',
        '|',
        '\\',
        '=',
        ' ',
        'k=',
        'src=1.2.3.4',
        '[',
        ']',
        '"',
        ':',
        '%ASA-6-302013:',
        'a',
        '\uFEFF',
      ),
      { maxLength: 80 },
    )
    .map((parts) => Buffer.from(`<13>Nov 25 10:00:00 h ${parts.join('')}`)),
);

describe('fuzz', () => {
  test('parseMessage never throws and its records stay bounded', () => {
    fc.assert(
      fc.property(syslogish, (buf) => {
        const p = parseMessage(buf, ctx);
        expect(typeof p.record.SyslogMessage).toBe('string');
        expect(p.severity).toBeGreaterThanOrEqual(0);
        expect(p.severity).toBeLessThanOrEqual(7);
        expect(size(p.record)).toBeLessThan(4 * buf.length + 2048);
        if (p.cef) expect(size(p.cef)).toBeLessThan(8 * buf.length + 2048);
      }),
      { numRuns: 3000 },
    );
  });

  test('CEF and key=value parsers never throw on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (s) => {
        parseCefMessage(`CEF:0|${s}`, { computer: 'c', host: '', time: ctx.now });
        parseKeyValueBody(s);
      }),
      { numRuns: 2000 },
    );
  });

  test('pathological inputs finish quickly (no catastrophic backtracking)', () => {
    const inputs = [
      `<13>Nov 25 10:00:00 h ${'a'.repeat(64 * 1024)}`,
      `<13>Nov 25 10:00:00 h CEF:0|a|b|c|d|e|5|${'k= '.repeat(20_000)}`,
      `<13>Nov 25 10:00:00 h CEF:0|${'\\|'.repeat(30_000)}`,
      `<13>1 2026-11-25T10:00:00Z h a 1 - ${'[x a="\\"'.repeat(8000)}`,
      `<13>${'k=v '.repeat(16_000)}`,
      `<13>Nov 25 10:00:00 h ${'%ASA-6-302013: '.repeat(4000)}${'outside:10.0.0.1/1 '.repeat(2000)}`,
    ];
    for (const s of inputs) {
      const p = parseMessage(Buffer.from(s), ctx);
      expect(Buffer.byteLength(p.record.SyslogMessage)).toBeLessThanOrEqual(64 * 1024);
    }
  });

  test('the framer never throws and never emits more than 64 KiB per message on arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 30 }), (chunks) => {
        const f = new SyslogFramer(256, (b, start, end) => {
          expect(start).toBeGreaterThanOrEqual(0);
          expect(end).toBeGreaterThan(start);
          expect(end).toBeLessThanOrEqual(b.length);
          expect(end - start).toBeLessThanOrEqual(256);
        });
        for (const c of chunks) f.push(Buffer.from(c));
        f.end();
        expect(f.buffered).toBe(0);
      }),
      { numRuns: 2000 },
    );
  });
});
