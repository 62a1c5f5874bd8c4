// The guest agent's side of protected settings (PROTOCOL.md §3.4): a tenant certificate stored as
// <THUMBPRINT>.crt / .prv (uppercase SHA-1 thumbprint) in the lib dir, and settings encrypted as base64
// DER CMS EnvelopedData (RSA key transport; DES-EDE3-CBC, or AES-256-CBC on FIPS 140-3 VMs), with
// real openssl. Secrets travel on stdin/stdout only.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';

export type ContentCipher = 'des-ede3-cbc' | 'aes-256-cbc';

export async function generateTenantCertificate(libDir: string): Promise<{ thumbprint: string; crtPath: string; prvPath: string }> {
  await fs.mkdir(libDir, { recursive: true, mode: 0o700 });
  const tmp = await fs.mkdtemp(path.join(libDir, '.cert-'));
  try {
    const crt = path.join(tmp, 'c.crt');
    const prv = path.join(tmp, 'c.prv');
    await execa('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '365', '-subj', '/DC=Windows Azure CRP Certificate Generator', '-keyout', prv, '-out', crt]);
    const { stdout } = await execa('openssl', ['x509', '-in', crt, '-noout', '-fingerprint', '-sha1']);
    const thumbprint = stdout.split('=')[1]!.trim().replace(/:/g, '').toUpperCase();
    const crtPath = path.join(libDir, `${thumbprint}.crt`);
    const prvPath = path.join(libDir, `${thumbprint}.prv`);
    await fs.rename(crt, crtPath);
    await fs.rename(prv, prvPath);
    await fs.chmod(crtPath, 0o600);
    await fs.chmod(prvPath, 0o600);
    return { thumbprint, crtPath, prvPath };
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

export async function encryptProtectedSettings(settings: unknown, crtPath: string, cipher: ContentCipher): Promise<string> {
  const { stdout } = await execa('openssl', ['cms', '-encrypt', '-binary', '-outform', 'DER', cipher === 'aes-256-cbc' ? '-aes256' : '-des3', crtPath], {
    input: JSON.stringify(settings),
    encoding: 'buffer',
  });
  return Buffer.from(stdout).toString('base64');
}
