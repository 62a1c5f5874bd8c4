// Decrypts protectedSettings (PROTOCOL.md §3.4): base64 CMS EnvelopedData, recipient cert/key
// <configFolder>/../../<THUMBPRINT>.crt|.prv, by the system `openssl cms` (fallback `openssl smime`),
// DER on stdin, plaintext on stdout — argument vector only, no shell, no secret in argv. openssl's
// stderr is never echoed (it can contain input); every decrypted string is registered as a secret.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';
import { registerSecret } from '../../agent/telemetry/index.js';
import { HandlerError } from '../errors.js';

export interface ProtectedSettingsInput {
  protectedSettings: string;
  thumbprint: string;
  configFolder: string;
  env?: NodeJS.ProcessEnv;
}

export function certificatePaths(configFolder: string, thumbprint: string): { dir: string; crt: string; prv: string } {
  const dir = path.resolve(configFolder, '..', '..');
  const t = thumbprint.toUpperCase();
  return { dir, crt: path.join(dir, `${t}.crt`), prv: path.join(dir, `${t}.prv`) };
}

export async function decryptProtectedSettings(input: ProtectedSettingsInput): Promise<Record<string, unknown>> {
  if (!/^[0-9A-Fa-f]{40}$/.test(input.thumbprint)) {
    throw new HandlerError('PROTECTED_SETTINGS_CERT_MISSING', `protectedSettingsCertThumbprint "${input.thumbprint.slice(0, 64)}" is not a 40-digit hexadecimal SHA-1 thumbprint`);
  }
  const { dir, crt, prv } = certificatePaths(input.configFolder, input.thumbprint);
  for (const f of [crt, prv]) {
    try {
      await fs.access(f);
    } catch {
      throw new HandlerError('PROTECTED_SETTINGS_CERT_MISSING', `the certificate ${input.thumbprint.toUpperCase()} for the protected settings is not in ${dir} (${path.basename(f)} missing); the guest agent downloads it with the goal state — re-apply the extension`);
    }
  }
  const der = Buffer.from(input.protectedSettings, 'base64');
  if (der.length === 0 || !/^[A-Za-z0-9+/=\s]+$/.test(input.protectedSettings)) {
    throw new HandlerError('PROTECTED_SETTINGS_UNDECRYPTABLE', `the protected settings for certificate ${input.thumbprint.toUpperCase()} are not base64`);
  }
  const plaintext = (await runOpenssl('cms', der, crt, prv, input.env)) ?? (await runOpenssl('smime', der, crt, prv, input.env));
  if (plaintext === undefined) {
    throw new HandlerError('PROTECTED_SETTINGS_UNDECRYPTABLE', `the protected settings cannot be decrypted with certificate ${input.thumbprint.toUpperCase()} (openssl cms and smime both failed): the settings were encrypted for another certificate or are corrupt`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    throw new HandlerError('PROTECTED_SETTINGS_INVALID', 'the decrypted protected settings are not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new HandlerError('PROTECTED_SETTINGS_INVALID', 'the decrypted protected settings must be a JSON object');
  }
  registerLeaves(parsed);
  return parsed as Record<string, unknown>;
}

async function runOpenssl(cmd: 'cms' | 'smime', der: Buffer, crt: string, prv: string, env?: NodeJS.ProcessEnv): Promise<string | undefined> {
  try {
    const r = await execa('openssl', [cmd, '-inform', 'DER', '-decrypt', '-recip', crt, '-inkey', prv], {
      input: der,
      env: env ?? process.env,
      extendEnv: false,
      reject: false,
      timeout: 30_000,
      stripFinalNewline: false,
    });
    if (r.exitCode === 0 && typeof r.stdout === 'string' && r.stdout.length > 0) return r.stdout;
    return undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || /ENOENT/.test((err as Error).message)) {
      throw new HandlerError('OPENSSL_MISSING', 'protected settings are present but the openssl command is not installed; install the "openssl" package and retry');
    }
    return undefined;
  }
}

function registerLeaves(v: unknown): void {
  if (typeof v === 'string') registerSecret(v);
  else if (Array.isArray(v)) v.forEach(registerLeaves);
  else if (v && typeof v === 'object') Object.values(v).forEach(registerLeaves);
}
