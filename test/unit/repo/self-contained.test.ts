// The repository stands alone: no code comment or document cites the design notes it was first written
// from (the reference files outside the repository); each fact is cited from the docs/ page that holds
// it. Real-world fixtures (test/fixtures) are kept as published. README links every page in docs/.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const SKIP_DIRS = new Set(['node_modules', 'dist', '.cache', '.git', 'coverage', 'generated']);
const SKIP_PATHS = new Set([path.join('test', 'fixtures'), path.join('bench', 'results')]);
// Built from parts so this file does not cite them itself.
const NAMES = ['DES' + 'IGN', 'SP' + 'EC', 'PROTO' + 'COL'].map((n) => `${n}\\.md`);
const CITATION = new RegExp(`\\b(${NAMES.join('|')})\\b|(^|[\\s\`'"(])(\\.\\./)?${'sha' + 'red'}/`, 'm');

function files(dir: string, rel = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) return SKIP_DIRS.has(e.name) || SKIP_PATHS.has(r) ? [] : files(path.join(dir, e.name), r);
    return e.isFile() && statSync(path.join(dir, e.name)).size < 2 * 1024 * 1024 ? [r] : [];
  });
}

describe('the repository is self-contained', () => {
  test('no file outside test/fixtures cites the external design notes', () => {
    const offenders = files('.')
      .filter((f) => !/\.(zip|gz|tgz|png|jpg|der|pem|crt|prv|key)$/i.test(f))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .map((line, i) => ({ f, line, n: i + 1 }))
          .filter(({ line }) => CITATION.test(line))
          .map(({ f, n, line }) => `${f}:${n}: ${line.trim().slice(0, 120)}`),
      );
    expect(offenders).toEqual([]);
  });

  test('README links every page in docs/', () => {
    const readme = readFileSync('README.md', 'utf8');
    const pages = readdirSync('docs').filter((f) => f.endsWith('.md'));
    expect(pages.filter((p) => !readme.includes(`(docs/${p})`))).toEqual([]);
  });
});
