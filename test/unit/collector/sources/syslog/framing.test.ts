// RFC 6587 framing detected per message on one connection: LF lines and octet-counted frames mixed,
// split at every byte boundary, and the 64 KiB limit (truncate, report, skip the rest exactly).
import { describe, expect, test } from '@jest/globals';
import { SyslogFramer } from '../../../../../agent/collector/sources/syslog/framing.js';

function frame(chunks: Buffer[], max = 64 * 1024): { msgs: string[]; oversized: number } {
  const msgs: string[] = [];
  let oversized = 0;
  const f = new SyslogFramer(
    max,
    (m) => msgs.push(m.toString('utf8')),
    () => oversized++,
  );
  for (const c of chunks) f.push(c);
  f.end();
  return { msgs, oversized };
}

const octet = (s: string): string => `${Buffer.byteLength(s)} ${s}`;

describe('SyslogFramer', () => {
  const multiLine = '<13>1 - h a - - - hello\nworld';
  const stream = Buffer.from(`<13>first line\n${octet(multiLine)}<13>third\r\n${octet('<14>Grüße')}\n<13>last`);

  test('LF and octet-counted frames are detected per message, whatever the packet boundaries', () => {
    for (const step of [1, 2, 3, 7, 64, stream.length]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += step) chunks.push(stream.subarray(i, i + step));
      expect(frame(chunks).msgs).toEqual(['<13>first line', multiLine, '<13>third', '<14>Grüße', '<13>last']);
    }
  });

  test('an LF line over the limit is truncated, reported once, and the next line is intact', () => {
    const r = frame([Buffer.from(`<13>${'x'.repeat(70 * 1024)}\n<13>after\n`)]);
    expect(r.msgs[0]!.length).toBe(64 * 1024);
    expect(r.msgs[1]).toBe('<13>after');
    expect(r.oversized).toBe(1);
  });

  test('an LF line over the limit split across packets is skipped up to its LF', () => {
    const big = `<13>${'y'.repeat(100)}\n<13>next\n`;
    const r = frame([Buffer.from(big.slice(0, 40)), Buffer.from(big.slice(40, 90)), Buffer.from(big.slice(90))], 32);
    expect(r.msgs).toEqual([`<13>${'y'.repeat(28)}`, '<13>next']);
    expect(r.oversized).toBe(1);
  });

  test('an octet-counted frame over the limit is truncated and exactly its length is skipped', () => {
    const body = `<13>${'z'.repeat(200)}`;
    const data = Buffer.from(`${octet(body)}${octet('<13>ok')}`);
    const r = frame([data.subarray(0, 50), data.subarray(50, 120), data.subarray(120)], 64);
    expect(r.msgs).toEqual([body.slice(0, 64), '<13>ok']);
    expect(r.oversized).toBe(1);
  });

  test('a connection closed mid-frame: an unterminated line is delivered, a partial octet frame is not', () => {
    expect(frame([Buffer.from('<13>no newline at end')]).msgs).toEqual(['<13>no newline at end']);
    expect(frame([Buffer.from('100 <13>short')]).msgs).toEqual([]);
  });

  test('digits not followed by a space are an LF line, not a length', () => {
    expect(frame([Buffer.from('2024-10-29 plain text line\n12345\n')]).msgs).toEqual([
      '2024-10-29 plain text line',
      '12345',
    ]);
  });
});
