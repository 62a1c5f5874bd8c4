// The JSON error-position scanner shared by the handler (settings files) and the DCR tools: no position for
// valid JSON, V8's offset wherever V8 gives one, 1-based line and column; and `open-ama dcr`'s parseJsonText
// placing its error with it.
import { describe, expect, test } from '@jest/globals';
import { jsonErrorPosition } from '../../../agent/config/index.js';
import { parseJsonText } from '../../../agent/collector/dcr/index.js';

describe('jsonErrorPosition', () => {
  test('valid JSON has no error position', () => {
    for (const t of ['{}', '[]', 'null', ' {"a": [1, -2.5e3, true, false, null, "\\u00e9\\n"]} ', '"x"', '0'])
      expect(jsonErrorPosition(t)).toBeUndefined();
  });

  test('agrees with V8 wherever V8 reports a position', () => {
    const samples = [
      '{"a": 1,}',
      '{"a" 1}',
      '[1 2]',
      '{"a": "\u0001"}',
      '{"a": 01}',
      '{"a": 1} x',
      '{\n  "a": tru\n}',
      '{"a": "\\q"}',
      '[1.]',
      '{"a": -}',
    ];
    for (const text of samples) {
      let v8: number | undefined;
      try {
        JSON.parse(text);
      } catch (e) {
        const m = /position (\d+)/.exec((e as Error).message);
        v8 = m ? Number(m[1]) : undefined;
      }
      const ours = jsonErrorPosition(text);
      expect(ours).toBeDefined();
      if (v8 !== undefined) expect({ text, at: ours!.offset }).toEqual({ text, at: v8 });
    }
  });

  test('gives 1-based line and column', () => {
    expect(jsonErrorPosition('{\n  "a": 1,\n  x\n}')).toEqual({ offset: 14, line: 3, column: 3 });
  });
});

describe('parseJsonText (open-ama dcr)', () => {
  test('places the error at its line and column', () => {
    const r = parseJsonText('{\n  "a": 1,\n  x\n}');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toMatch(/^not valid JSON at line 3 column 3: /);
  });

  test('a byte-order mark does not shift the position', () => {
    const r = parseJsonText('\ufeff[1 2]');
    expect(!r.ok && r.reason).toMatch(/^not valid JSON at line 1 column 4: /);
  });
});
