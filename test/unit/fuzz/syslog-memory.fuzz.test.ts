// Complements test/unit/collector/sources/syslog/fuzz.test.ts (no throw, no hang, bounded records):
// 64 KiB garbage lines dense in '=', '|', '\' and ' ' (the characters the CEF header, CEF extension and
// key=value parsers split on) keep the parsed output linear in the input, and parsing 200 of them one
// after another leaves the heap where it was (nothing retained between messages).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseMessage } from '../../../agent/collector/sources/syslog/parse-message.js';
import { parseCefMessage } from '../../../agent/collector/sources/syslog/cef.js';
import { parseKeyValueBody } from '../../../agent/collector/sources/syslog/vendor.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const ctx = { computer: 'c', now: new Date('2026-11-25T12:00:00Z') };
const LINE = 64 * 1024;
const size = (v: unknown): number => Buffer.byteLength(JSON.stringify(v) ?? '');

/** A 64 KiB line made of the given pieces, behind a syslog header and optionally a CEF prefix. */
const denseLine = fc
  .tuple(
    fc.constantFrom('', 'CEF:0|', 'CEF:0|v|p|1|id|name|5|'),
    fc.array(fc.constantFrom('=', '|', '\\', ' ', 'k=', 'a', '\\=', '\\|', '=|', 'x=y '), {
      minLength: 1,
      maxLength: 8,
    }),
  )
  .map(([prefix, unit]) => {
    const head = `<134>Nov 25 10:00:00 host app: ${prefix}`;
    const body = unit.join('').repeat(Math.ceil(LINE / unit.join('').length));
    return head + body.slice(0, LINE - head.length);
  });

describe('syslog/CEF parsers on dense 64 KiB garbage', () => {
  test('the parsed record and CEF fields stay linear in the line, for every parser', () => {
    fc.assert(
      fc.property(denseLine, (line) => {
        const p = parseMessage(Buffer.from(line), ctx);
        expect(size(p.record)).toBeLessThan(4 * LINE + 4096);
        if (p.cef) expect(size(p.cef)).toBeLessThan(8 * LINE + 4096);
        const body = line.slice(line.indexOf(': ') + 2);
        const cef = parseCefMessage(body.startsWith('CEF:') ? body : `CEF:0|${body}`, {
          computer: 'c',
          host: 'h',
          time: ctx.now,
        });
        expect(size(cef)).toBeLessThan(8 * LINE + 4096);
        expect(size(parseKeyValueBody(body))).toBeLessThan(8 * LINE + 4096);
      }),
      { numRuns: 40 },
    );
  });

  test('200 such lines leave the heap where it was (no per-message retention)', () => {
    const lines = fc.sample(denseLine, { numRuns: 200, seed: 42 });
    const parseAll = (): void => {
      for (const line of lines) {
        const p = parseMessage(Buffer.from(line), ctx);
        expect(p.record.SyslogMessage.length).toBeLessThanOrEqual(LINE);
      }
    };
    parseAll(); // warm up: compiled code, interned strings
    gc();
    const before = process.memoryUsage().heapUsed;
    parseAll();
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // 200 × 64 KiB = 12.5 MiB went through; keeping even a tenth of it would show.
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  });
});
