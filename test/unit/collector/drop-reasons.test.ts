// The drop-reason catalogue: the DropReason union, the table in docs/reliability.md and the code that
// counts drops agree — no reason is declared and never emitted, and none is emitted undocumented.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../../support/collector-process.js';

const COLLECTOR = path.join(REPO, 'agent/collector');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((e) => {
    const p = path.join(dir, e);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function declaredReasons(): string[] {
  const types = readFileSync(path.join(COLLECTOR, 'pipeline/types.ts'), 'utf8');
  const union = /export type DropReason =([^;]*);/.exec(types)![1]!;
  return [...union.matchAll(/'([a-z_0-9]+)'/g)].map((m) => m[1]!);
}

function documentedReasons(): string[] {
  const doc = readFileSync(path.join(REPO, 'docs/reliability.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Drop reasons'), doc.indexOf('\n## ', doc.indexOf('## Drop reasons') + 3));
  return [...section.matchAll(/^\| `([a-z_0-9]+)` \|/gm)].map((m) => m[1]!);
}

describe('drop reasons', () => {
  test('every declared reason is documented, and the documentation names no other', () => {
    expect(documentedReasons().sort()).toEqual(declaredReasons().sort());
  });

  test('every declared reason is named by the collector code outside the declaration (none declared and never used)', () => {
    const emitting = sources(COLLECTOR)
      .filter((f) => !f.endsWith(path.join('pipeline', 'types.ts')))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const silent = declaredReasons().filter((r) => !emitting.includes(`'${r}'`));
    expect(silent).toEqual([]);
  });
});
