// The harness main job's countdown (harness/countdown.ts): on a terminal an updating ora line saying the
// seconds left and "Ctrl-C to stop early"; elsewhere a plain line at most every 10 s.
import { PassThrough } from 'node:stream';
import { describe, expect, test } from '@jest/globals';
import { Countdown } from '../../../harness/countdown.js';

function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  const p = new PassThrough();
  let out = '';
  p.on('data', (c: Buffer) => (out += c.toString()));
  Object.assign(p, {
    isTTY,
    columns: 120,
    rows: 40,
    clearLine: () => true,
    cursorTo: () => true,
    moveCursor: () => true,
  });
  return { s: p as unknown as NodeJS.WriteStream, text: () => out };
}

describe('Countdown', () => {
  test('not a terminal: one plain line per 10 s with the seconds left and Ctrl-C', () => {
    const { s, text } = stream(false);
    const t0 = 1_000_000;
    const c = new Countdown(t0 + 30_000, s);
    for (let ms = 0; ms <= 25_000; ms += 1000) c.tick(t0 + ms);
    c.stop();
    expect(text().split('\n').filter(Boolean)).toEqual([
      'collecting data: 30 s left — Ctrl-C to stop early',
      'collecting data: 20 s left — Ctrl-C to stop early',
      'collecting data: 10 s left — Ctrl-C to stop early',
    ]);
  });

  test('a terminal: the line is rewritten in place (no newline per tick) with the seconds left', async () => {
    const { s, text } = stream(true);
    const t0 = Date.now();
    const c = new Countdown(t0 + 30_000, s);
    c.tick(t0);
    await new Promise((r) => setTimeout(r, 250));
    c.tick(t0 + 1000);
    await new Promise((r) => setTimeout(r, 250));
    c.stop();
    const out = text();
    expect(out).toContain('collecting data: 30 s left — Ctrl-C to stop early');
    expect(out).toContain('collecting data: 29 s left — Ctrl-C to stop early');
    expect(out).toContain('\u001b['); // cursor / line control, i.e. rewritten in place
    expect(out.split('\n').length).toBeLessThan(5);
  });
});
