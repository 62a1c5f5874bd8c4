// Turns ajv errors into one message an operator can act on: each problem as `<json path>: <expected>`,
// unknown keys with a "did you mean" hint (edit distance by fastest-levenshtein), never a value
// (values may be secrets).
import { distance } from 'fastest-levenshtein';
import type { ValidationError } from '../../settings-schemas/generated/validators.js';

function jsonPath(instancePath: string, root: string): string {
  const parts = instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), root);
}

/** The known key closest to `word` (case-insensitive, at most 2 edits away), for "did you mean" hints. */
export function closestKey(word: string, candidates: readonly string[]): string | undefined {
  let best: { c: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d <= 2 && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}

export interface KnownKeys {
  /** Allowed keys per JSON path ('' = root), for "did you mean" hints. */
  [path: string]: string[];
}

/** `rootName` names the document itself when a problem is at its root (e.g. settings that are not an object). */
export function describeErrors(
  errors: ValidationError[] | null | undefined,
  root: string,
  known: KnownKeys = {},
  rootName = '(root)',
): string {
  const lines = new Set<string>();
  for (const e of errors ?? []) {
    // if/then/else and anyOf wrappers add a summary error next to the real one.
    if (
      e.keyword === 'if' ||
      (e.keyword === 'anyOf' && (errors ?? []).some((o) => o !== e && o.instancePath === e.instancePath))
    )
      continue;
    const path = jsonPath(e.instancePath, root);
    const at = path || rootName;
    if (e.keyword === 'additionalProperties') {
      const key = String(e.params.additionalProperty);
      const rel = e.instancePath
        .split('/')
        .slice(1)
        .filter((p) => !/^\d+$/.test(p))
        .join('.');
      const hint = closestKey(key, known[rel] ?? []);
      lines.add(`${path ? `${path}.` : ''}${displayKey(key)}: unknown key${hint ? ` (did you mean "${hint}"?)` : ''}`);
    } else if (e.keyword === 'enum') {
      lines.add(
        `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    } else if (e.keyword === 'required') {
      lines.add(`${path ? `${path}.` : ''}${String(e.params.missingProperty)}: is required`);
    } else if (e.keyword === 'type') {
      lines.add(`${at}: must be ${String(e.params.type).replace(',', ' or ')}`);
    } else if (e.keyword === 'pattern') {
      lines.add(`${at}: has the wrong format (${describePattern(at)})`);
    } else {
      lines.add(`${at}: ${e.message ?? e.keyword}`);
    }
  }
  return [...lines].join('; ');
}

/** A key as it can be read in a message: quoted when empty or not a plain name, cut when very long. */
export function displayKey(key: string): string {
  const cut = key.length > 64 ? `${key.slice(0, 64)}…` : key;
  return /^[A-Za-z_$][\w$-]*$/.test(cut) ? cut : JSON.stringify(cut);
}

function describePattern(at: string): string {
  if (at.endsWith('proxy.address'))
    return "expected http://host:port or https://host:port, or no port for the scheme's default";
  if (at.endsWith('immutableId')) return 'expected dcr- followed by 32 hexadecimal digits';
  if (/filePatterns/.test(at)) return 'expected an absolute path glob';
  if (/streams/.test(at)) return 'expected Microsoft-<Name> or Custom-<Name>';
  return 'see docs/settings.md';
}
