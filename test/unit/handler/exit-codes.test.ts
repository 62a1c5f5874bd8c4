// The exit-code catalogue in code and docs/error-codes.md must agree, and every error code maps to a
// documented exit code.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { EXIT_CODE_MEANINGS, ExitCode } from '../../../handler/exit-codes.js';
import { exitCodeFor, HANDLER_ERROR_CODES } from '../../../handler/errors.js';

const doc = readFileSync(new URL('../../../docs/error-codes.md', import.meta.url), 'utf8');

describe('exit code catalogue', () => {
  test('every exit code appears in docs/error-codes.md with its name and the same meaning', () => {
    for (const [name, code] of Object.entries(ExitCode)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| ${code} |`));
      expect(row).toBeDefined();
      expect(row).toContain(name);
      expect(row).toContain(EXIT_CODE_MEANINGS[code]);
    }
  });

  test('docs list no exit code the code does not have', () => {
    const documented = [...doc.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(documented.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });

  test('every error code is documented and maps to a documented exit code', () => {
    const errorRows = [...doc.matchAll(/^\| ([A-Z_ /]+(?:_[A-Z]+)*) \| (\d+) \|/gm)];
    const documentedCodes = new Map<string, number>();
    for (const m of errorRows) {
      const exit = Number(m[2]);
      const names = m[1]!.split('/').map((s) => s.trim());
      const prefix = names[0]!.replace(/_[A-Z]+$/, '');
      for (const n of names) documentedCodes.set(n.startsWith('_') ? prefix + n : n, exit);
    }
    for (const code of HANDLER_ERROR_CODES) {
      expect({ code, exit: documentedCodes.get(code) }).toEqual({ code, exit: exitCodeFor(code) });
    }
  });
});
