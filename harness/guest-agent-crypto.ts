// The guest agent's side of protected settings (docs/guest-agent-protocol.md §3.5): a self-signed tenant certificate
// stored as <THUMBPRINT>.crt / .prv (0600; thumbprint = upper-case SHA-1 of the DER certificate) in the
// lib dir, and settings encrypted as base64 DER CMS EnvelopedData (RSA key transport; DES-EDE3-CBC, or
// AES-256-CBC on FIPS 140-3 VMs) with the real openssl. Secrets travel on stdin/stdout only.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { createHash, X509Certificate } from 'node:crypto';
import { execa } from 'execa';

export type ContentCipher = 'des-ede3-cbc' | 'aes-256-cbc';

export interface TenantCertificate {
  thumbprint: string;
  crtPath: string;
  prvPath: string;
}

/** The thumbprint the agent uses for file names: SHA-1 of the DER certificate, 40 upper-case hex digits. */
export function certificateThumbprint(pem: string): string {
  return createHash('sha1').update(new X509Certificate(pem).raw).digest('hex').toUpperCase();
}

export async function generateTenantCertificate(libDir: string): Promise<TenantCertificate> {
  await fs.mkdir(libDir, { recursive: true, mode: 0o700 });
  const tmp = await fs.mkdtemp(path.join(libDir, '.cert-'));
  try {
    const crt = path.join(tmp, 'c.crt');
    const prv = path.join(tmp, 'c.prv');
    await execa('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/DC=Windows Azure CRP Certificate Generator',
      '-days',
      '365',
      '-keyout',
      prv,
      '-out',
      crt,
    ]);
    const thumbprint = certificateThumbprint(await fs.readFile(crt, 'utf8'));
    const crtPath = path.join(libDir, `${thumbprint}.crt`);
    const prvPath = path.join(libDir, `${thumbprint}.prv`);
    await fs.chmod(crt, 0o600);
    await fs.chmod(prv, 0o600);
    await fs.rename(crt, crtPath);
    await fs.rename(prv, prvPath);
    return { thumbprint, crtPath, prvPath };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

/** JSON text of `settings`, encrypted for the certificate: the value of handlerSettings.protectedSettings. */
export async function encryptProtectedSettings(
  settings: unknown,
  crtPath: string,
  cipher: ContentCipher,
): Promise<string> {
  return encryptProtectedText(JSON.stringify(settings), crtPath, cipher);
}

/** Encrypts arbitrary text (tests use it for plaintexts that are not JSON). */
export async function encryptProtectedText(text: string, crtPath: string, cipher: ContentCipher): Promise<string> {
  const { stdout } = await execa(
    'openssl',
    ['cms', '-encrypt', '-binary', '-outform', 'DER', cipher === 'aes-256-cbc' ? '-aes256' : '-des3', crtPath],
    {
      input: text,
      encoding: 'buffer',
    },
  );
  return Buffer.from(stdout).toString('base64');
}
