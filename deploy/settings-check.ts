// Checks the public and protected settings files against the settings JSON Schemas with the same
// precompiled ajv validators the handler uses (settings-schemas/generated), before any ARM request.
// Errors name the JSON path and what was expected, never a value (protected settings hold secrets).
import {
  validateProtectedSettings,
  validatePublicSettings,
  type ValidationError,
  type Validator,
} from '../settings-schemas/generated/validators.js';

/** A command-line mistake: printed on stderr, exit code 2, nothing sent to Azure. */
export class UsageError extends Error {}

function jsonPath(root: string, instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : `${acc}.${p}`), root);
}

function describe(root: string, errors: ValidationError[]): string[] {
  const lines = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue; // if/then wrappers repeat the real error
    const at = jsonPath(root, e.instancePath);
    if (e.keyword === 'additionalProperties') lines.add(`${at}.${String(e.params.additionalProperty)}: unknown key`);
    else if (e.keyword === 'required') lines.add(`${at}.${String(e.params.missingProperty)}: required`);
    else if (e.keyword === 'enum')
      lines.add(
        `${at}: must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    else lines.add(`${at}: ${e.message ?? e.keyword}`);
  }
  return [...lines];
}

function check(v: Validator, value: unknown, root: string): string[] {
  return v(value) ? [] : describe(root, v.errors ?? []);
}

/** Throws a UsageError listing every schema violation of either document. */
export function checkSettings(settings: Record<string, unknown>, protectedSettings?: Record<string, unknown>): void {
  const problems = [
    ...check(validatePublicSettings, settings, 'settings'),
    ...(protectedSettings ? check(validateProtectedSettings, protectedSettings, 'protectedSettings') : []),
  ];
  if (problems.length > 0)
    throw new UsageError(
      `the settings do not match the extension's schema; nothing was sent:\n  ${problems.join('\n  ')}`,
    );
}
