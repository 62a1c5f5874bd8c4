// Redaction by configuration (docs/reliability.md): secret keys are masked wherever they appear in a log
// object, and every secret value registered at runtime (proxy password, tokens, decrypted settings) is
// scrubbed from any string — messages, error texts, stderr tails — before it reaches a log, status file
// or event. Only secrets are registered, never usernames (scrubbing a username mangles every message
// naming that user). URL userinfo (`scheme://user:pass@`, also `scheme://:pass@`) is always scrubbed.

const SECRET_KEY_PATTERN =
  /(password|passwd|secret|token|authorization|protectedsettings|credential|apikey|api_key|sas|cookie)/i;
export const REDACTED = '[REDACTED]';

const registeredSecrets = new Set<string>();
/** The secrets longest first (a secret may contain another, e.g. Basic user:password and the password); rebuilt after a registration. */
let longestFirst: string[] | undefined;

/** Registers a value that must never appear in output. Short values (<4 chars) are ignored to avoid mangling text. */
export function registerSecret(value: string | undefined | null): void {
  if (!value || value.length < 4) return;
  longestFirst = undefined;
  registeredSecrets.add(value);
  // Proxy credentials also appear URL-encoded inside proxy URLs.
  const encoded = encodeURIComponent(value);
  if (encoded !== value) registeredSecrets.add(encoded);
  const b64 = Buffer.from(value, 'utf8').toString('base64');
  if (b64.length >= 8) registeredSecrets.add(b64);
}

/**
 * Registers proxy credentials, from every process that loads the agent config: the password in each form
 * it travels in (raw, URL-encoded, and the Basic `user:password` value) — not the username. A password
 * under 4 characters is not registered raw (it would mangle ordinary words); its URL form is covered by the
 * userinfo pattern and its Basic form is registered whenever that is long enough to be unambiguous.
 */
export function registerProxyCredentials(username: string | undefined, password: string | undefined): void {
  if (!password) return;
  registerSecret(password);
  const basic = Buffer.from(`${username ?? ''}:${password}`, 'utf8').toString('base64');
  if (basic.length >= 8) registeredSecrets.add(basic);
  longestFirst = undefined;
}

export function clearRegisteredSecrets(): void {
  registeredSecrets.clear();
  longestFirst = undefined;
}

export function isSecretKey(key: string): boolean {
  return SECRET_KEY_PATTERN.test(key);
}

/** Replaces registered secrets and URL userinfo (scheme://user:pass@) in a string. */
export function redactString(text: string): string {
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]*):([^@\s/]+)@/gi, `$1${REDACTED}@`);
  out = out.replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`);
  longestFirst ??= [...registeredSecrets].sort((a, b) => b.length - a.length);
  for (const secret of longestFirst) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Deep copy of a value with secret keys masked and every string scrubbed. Cycles are cut. */
export function redactValue(value: unknown, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message), code: (value as NodeJS.ErrnoException).code };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null && v !== false ? REDACTED : redactValue(v, seen);
  }
  return out;
}
