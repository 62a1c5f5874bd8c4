// Decrypts protectedSettings (docs/guest-agent-protocol.md §3.5): base64 DER CMS EnvelopedData (DES-EDE3-CBC or AES-256
// content), recipient files <configFolder>/../../<THUMBPRINT>.crt|.prv, by the system `openssl cms`
// (fallback `openssl smime`): argument vector, no shell, DER on stdin, plaintext on stdout, no secret in
// argv. openssl's stderr is never echoed (it can quote input) — only classified into a likely cause.
// Every decrypted string leaf is registered as a secret so the logger and status writer scrub it.
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { registerSecret } from '../../agent/telemetry/index.js';
import { HandlerError } from '../errors.js';

export interface ProtectedSettingsInput {
  protectedSettings: string;
  thumbprint: string;
  configFolder: string;
  /** Environment of the openssl child; its PATH is where openssl is looked for. Default process.env. */
  env?: NodeJS.ProcessEnv;
}

export const OPENSSL_TIMEOUT_MS = 30_000;
const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The certificate directory is two levels above configFolder (the agent's lib dir), never a constant. */
export function certificatePaths(configFolder: string, thumbprint: string): { dir: string; crt: string; prv: string } {
  const dir = path.resolve(configFolder, '..', '..');
  const t = thumbprint.toUpperCase();
  return { dir, crt: path.join(dir, `${t}.crt`), prv: path.join(dir, `${t}.prv`) };
}

/** The argument vector for one decryption attempt: paths and flags only, the ciphertext goes to stdin. */
export function opensslDecryptArgs(tool: 'cms' | 'smime', crt: string, prv: string): string[] {
  return [tool, '-inform', 'DER', '-decrypt', '-recip', crt, '-inkey', prv];
}

export async function decryptProtectedSettings(input: ProtectedSettingsInput): Promise<Record<string, unknown>> {
  registerSecret(input.protectedSettings); // the ciphertext is no business of any log either
  const thumbprint = input.thumbprint.trim().toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(thumbprint)) {
    throw new HandlerError(
      'PROTECTED_SETTINGS_CERT_MISSING',
      `protectedSettingsCertThumbprint "${printable(input.thumbprint)}" is not a 40-digit hexadecimal SHA-1 thumbprint, so no certificate can be found for the protected settings`,
    );
  }
  const env = input.env ?? process.env;
  const openssl = await findExecutable('openssl', env.PATH ?? DEFAULT_PATH);
  if (!openssl) {
    throw new HandlerError(
      'OPENSSL_MISSING',
      'protected settings are present but the openssl command is not installed (not found on PATH); install the "openssl" package and retry',
    );
  }
  const { dir, crt, prv } = certificatePaths(input.configFolder, thumbprint);
  for (const file of [crt, prv]) {
    if (!(await isReadableFile(file))) {
      throw new HandlerError(
        'PROTECTED_SETTINGS_CERT_MISSING',
        `the certificate ${thumbprint} for the protected settings is not in ${dir} (${path.basename(file)} missing); the guest agent downloads it with the goal state — re-apply the extension`,
      );
    }
  }
  const der = decodeBase64(input.protectedSettings);
  if (!der) {
    throw new HandlerError(
      'PROTECTED_SETTINGS_UNDECRYPTABLE',
      `the protected settings for certificate ${thumbprint} are not valid base64 (corrupt settings); re-apply the extension`,
    );
  }

  const cms = await runDecrypt(openssl, 'cms', der, crt, prv, env);
  const result = cms.plaintext !== undefined ? cms : await runDecrypt(openssl, 'smime', der, crt, prv, env);
  if (result.plaintext === undefined) {
    const cause = likelyCause(`${cms.stderr}\n${result.stderr}`, thumbprint);
    throw new HandlerError(
      'PROTECTED_SETTINGS_UNDECRYPTABLE',
      `the protected settings cannot be decrypted with certificate ${thumbprint} (openssl cms and smime both failed): ${cause}`,
    );
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(result.plaintext.replace(/^\uFEFF/, ''));
  } catch {
    throw new HandlerError('PROTECTED_SETTINGS_INVALID', 'the decrypted protected settings are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HandlerError('PROTECTED_SETTINGS_INVALID', 'the decrypted protected settings must be a JSON object');
  }
  registerStringLeaves(parsed);
  return parsed as Record<string, unknown>;
}

interface DecryptAttempt {
  plaintext?: string;
  stderr: string;
}

async function runDecrypt(
  openssl: string,
  tool: 'cms' | 'smime',
  der: Buffer,
  crt: string,
  prv: string,
  env: NodeJS.ProcessEnv,
): Promise<DecryptAttempt> {
  const r = await execa(openssl, opensslDecryptArgs(tool, crt, prv), {
    input: der,
    env,
    extendEnv: false,
    reject: false,
    timeout: OPENSSL_TIMEOUT_MS,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  const stderr = typeof r.stderr === 'string' ? r.stderr : '';
  if ((r as { code?: string }).code === 'ENOENT') {
    throw new HandlerError(
      'OPENSSL_MISSING',
      'openssl disappeared while decrypting the protected settings; install the "openssl" package and retry',
    );
  }
  if (r.exitCode === 0 && typeof r.stdout === 'string' && r.stdout.length > 0) return { plaintext: r.stdout, stderr };
  return { stderr: r.timedOut ? 'timed out' : stderr };
}

/** A fixed phrase for what openssl's stderr suggests; the stderr text itself is never returned. */
export function likelyCause(stderr: string, thumbprint: string): string {
  const s = stderr.toLowerCase();
  if (s.includes('timed out')) return `openssl did not finish within ${OPENSSL_TIMEOUT_MS / 1000} s`;
  if (/no recipient matches|no matching recipient|error decrypting cms using private key/.test(s)) {
    return `they were encrypted for a different certificate than ${thumbprint}, or its private key does not match; re-apply the extension so the guest agent downloads the right certificate`;
  }
  if (/asn1|error reading|not enough data|wrong tag|header too long|too long|bad object header/.test(s)) {
    return 'the data is not a CMS EnvelopedData structure (corrupt protected settings); re-apply the extension';
  }
  if (/unsupported|unknown cipher|error setting cipher|disabled for fips/.test(s)) {
    return 'this openssl cannot use the content cipher (check its FIPS/legacy provider configuration)';
  }
  if (/bad decrypt/.test(s))
    return `the private key of ${thumbprint} does not match the encrypted key, or the data is corrupt; re-apply the extension`;
  if (/unable to load|could not read|no such file|bad password/.test(s))
    return `the certificate or private key file of ${thumbprint} could not be loaded`;
  return 'they were encrypted for another certificate or are corrupt; re-apply the extension';
}

/** Strict standard base64 (whitespace tolerated), or undefined. */
function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const der = Buffer.from(compact, 'base64');
  return der.length > 0 ? der : undefined;
}

async function findExecutable(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const candidate = path.resolve(dir, name);
    try {
      await fs.access(candidate, fsConstants.X_OK);
      if ((await fs.stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

async function isReadableFile(file: string): Promise<boolean> {
  try {
    await fs.access(file, fsConstants.R_OK);
    return (await fs.stat(file)).isFile();
  } catch {
    return false;
  }
}

function printable(text: string): string {
  return text.slice(0, 64).replace(/[^\x20-\x7e]/g, '?');
}

/** Registers every string of the protected settings but usernames: not secret, and scrubbing one mangles every message naming that user. */
function registerStringLeaves(v: unknown): void {
  if (typeof v === 'string') registerSecret(v);
  else if (Array.isArray(v)) v.forEach(registerStringLeaves);
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) if (!/^user(name)?$/i.test(k)) registerStringLeaves(x);
}
