// RFC 6587 framing detected per message on one connection: LF lines and octet-counted frames mixed,
// split at every byte boundary, and the 64 KiB limit (truncate, report, skip the rest exactly).
import { describe, expect, test } from '@jest/globals';
import { SyslogFramer } from '../../../../../agent/collector/sources/syslog/framing.js';

function frame(chunks: Buffer[], max = 64 * 1024): { msgs: string[]; oversized: number } {
  const msgs: string[] = [];
  let oversized = 0;
  const f = new SyslogFramer(
    max,
    (b, start, end) => msgs.push(b.toString('utf8', start, end)),
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

  describe('a peer trickling bytes costs linear work', () => {
    // The complexity proxy is the framer's own count of bytes it copied (held tails + joins): the old
    // framer re-concatenated its whole buffer per packet, ~n²/2 = 2 GiB for this frame.
    const trickle = (data: Buffer): { framer: SyslogFramer; msgs: Buffer[] } => {
      const msgs: Buffer[] = [];
      const framer = new SyslogFramer(64 * 1024, (b, start, end) => msgs.push(Buffer.from(b.subarray(start, end))));
      for (let i = 0; i < data.length; i++) framer.push(data.subarray(i, i + 1));
      return { framer, msgs };
    };

    test('a 64 KiB LF frame in 1-byte writes: delivered whole, at most 2 copies of each byte', () => {
      const line = `<13>Nov 25 10:00:00 h a: ${'x'.repeat(64 * 1024 - 26)}`;
      expect(Buffer.byteLength(line)).toBe(64 * 1024 - 1);
      const { framer, msgs } = trickle(Buffer.from(`${line}\n<13>next\n`));
      expect(msgs.map((m) => m.toString())).toEqual([line, '<13>next']);
      expect(framer.bytesCopied).toBeLessThanOrEqual(2 * (64 * 1024 + 10));
      expect(framer.buffered).toBe(0);
    });

    test('a 64 KiB octet-counted frame in 1-byte writes: delivered whole, at most 2 copies of each byte', () => {
      const body = `<13>1 2026-11-25T10:00:00Z h a - - - ${'y'.repeat(64 * 1024 - 37)}`;
      expect(Buffer.byteLength(body)).toBe(64 * 1024);
      const { framer, msgs } = trickle(Buffer.from(`${octet(body)}${octet('<13>after')}`));
      expect(msgs.map((m) => m.toString())).toEqual([body, '<13>after']);
      // + the header digits, which are re-joined while the length is still arriving (≤ 10 bytes each)
      expect(framer.bytesCopied).toBeLessThanOrEqual(2 * (64 * 1024 + 20) + 100);
    });

    test('work grows linearly: 4× the bytes, at most 4× the copies', () => {
      const copies = (n: number): number => trickle(Buffer.from(`<13>${'z'.repeat(n)}\n`)).framer.bytesCopied;
      expect(copies(16_000)).toBeLessThanOrEqual(4 * copies(4_000) + 16);
    });

    test('an oversized line trickled in is truncated once and its rest skipped without holding it', () => {
      const { framer, msgs } = trickle(Buffer.from(`<13>${'w'.repeat(100 * 1024)}\n<13>ok\n`));
      expect(msgs.map((m) => m.length)).toEqual([64 * 1024, 6]);
      expect(framer.bytesCopied).toBeLessThanOrEqual(2 * (64 * 1024 + 10));
    });
  });

  test('inFrame tells a partial message from a clean boundary', () => {
    const f = new SyslogFramer(64, () => undefined);
    expect(f.inFrame).toBe(false);
    f.push(Buffer.from('<13>half'));
    expect(f.inFrame).toBe(true);
    f.push(Buffer.from(' done\n'));
    expect(f.inFrame).toBe(false);
    f.push(Buffer.from('20 <13>x'));
    expect(f.inFrame).toBe(true);
    expect(f.end()).toBe(true); // a cut octet-counted frame is reported as discarded
  });
});
