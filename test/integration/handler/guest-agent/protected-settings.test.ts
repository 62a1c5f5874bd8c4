// Protected settings end to end with the real openssl (docs/guest-agent-protocol.md §3.5): the agent's tenant certificate
// and CMS encryption (DES-EDE3-CBC and AES-256-CBC), decryption by `openssl cms` (fallback smime) with the
// certificate two levels above configFolder, and every failure mode with a specific code — while the
// secret and the ciphertext never reach an error, a log line or openssl's argument vector.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { execa } from 'execa';
import { decryptProtectedSettings, opensslDecryptArgs } from '../../../../handler/guest-agent/index.js';
import { HandlerError } from '../../../../handler/errors.js';
import { clearRegisteredSecrets, closeLogger, createLogger, redactString } from '../../../../agent/telemetry/index.js';
import {
  encryptProtectedSettings,
  encryptProtectedText,
  generateTenantCertificate,
  type ContentCipher,
  type TenantCertificate,
} from '../../../../harness/guest-agent-crypto.js';

const SECRET = 'S3cr3t-Sentinel!';
const SETTINGS = { proxy: { username: 'u', password: SECRET } };

let root: string;
let libDir: string;
let configFolder: string;
let cert: TenantCertificate;
let otherCert: TenantCertificate;

beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-prot-'));
  libDir = path.join(root, 'waagent');
  configFolder = path.join(libDir, 'OpenAma.Monitor.OpenAmaLinuxAgent-1.0.0', 'config');
  await fs.mkdir(configFolder, { recursive: true });
  cert = await generateTenantCertificate(libDir);
  otherCert = await generateTenantCertificate(path.join(root, 'other-tenant'));
});
afterAll(async () => {
  clearRegisteredSecrets();
  await fs.rm(root, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<HandlerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandlerError);
  return err as HandlerError;
}

/** The error as the driver would report it: message in the status file, and a line in the handler log. */
async function reportedText(err: HandlerError): Promise<string> {
  const logDir = await fs.mkdtemp(path.join(root, 'log-'));
  const logger = createLogger({ logDir, fileName: 'handler.log', level: 'info' });
  logger.error(`Enable failed: [${err.code}] ${err.message}`, {
    cause: err.cause instanceof Error ? err.cause.message : undefined,
  });
  await closeLogger(logger);
  const fields = inspect({ code: err.code, exitCode: err.exitCode, cause: err.cause }, { depth: 5 });
  return [err.message, fields, await fs.readFile(path.join(logDir, 'handler.log'), 'utf8')].join('\n');
}

describe('tenant certificate (guest agent side)', () => {
  test('is stored as <THUMBPRINT>.crt/.prv, mode 0600, thumbprint = upper-case SHA-1 of the DER like `openssl x509 -fingerprint`', async () => {
    expect(cert.thumbprint).toMatch(/^[0-9A-F]{40}$/);
    expect(cert.crtPath).toBe(path.join(libDir, `${cert.thumbprint}.crt`));
    expect(cert.prvPath).toBe(path.join(libDir, `${cert.thumbprint}.prv`));
    for (const f of [cert.crtPath, cert.prvPath]) expect((await fs.stat(f)).mode & 0o777).toBe(0o600);
    const { stdout } = await execa('openssl', [
      'x509',
      '-in',
      cert.crtPath,
      '-noout',
      '-fingerprint',
      '-sha1',
      '-subject',
    ]);
    expect(stdout.split('\n')[0]!.split('=')[1]!.replace(/:/g, '')).toBe(cert.thumbprint);
    expect(stdout).toMatch(/DC\s*=\s*Windows Azure CRP Certificate Generator/);
    expect((await fs.readdir(libDir)).filter((n) => n.startsWith('.cert-'))).toEqual([]);
  });
});

describe('decryptProtectedSettings', () => {
  test.each([
    ['des-ede3-cbc', /des-ede3-cbc/i],
    ['aes-256-cbc', /aes-256-cbc/i],
  ] as [ContentCipher, RegExp][])(
    'decrypts CMS EnvelopedData whose content cipher is %s',
    async (cipher, algorithm) => {
      const blob = await encryptProtectedSettings(SETTINGS, cert.crtPath, cipher);
      // The blob really uses that cipher and RSA key transport to our certificate.
      const printed = await execa('openssl', ['cms', '-cmsout', '-print', '-inform', 'DER'], {
        input: Buffer.from(blob, 'base64'),
      });
      expect(printed.stdout).toMatch(algorithm);
      expect(printed.stdout).toMatch(/rsaEncryption/);
      await expect(
        decryptProtectedSettings({ protectedSettings: blob, thumbprint: cert.thumbprint, configFolder }),
      ).resolves.toEqual(SETTINGS);
    },
  );

  test('registers every decrypted string but usernames, so the logger and status writer scrub the secrets and still name the user', async () => {
    clearRegisteredSecrets();
    const blob = await encryptProtectedSettings(
      { proxy: { username: 'proxy-user-1', password: SECRET }, list: ['token-value-22'] },
      cert.crtPath,
      'aes-256-cbc',
    );
    await decryptProtectedSettings({
      protectedSettings: blob,
      thumbprint: cert.thumbprint.toLowerCase(),
      configFolder,
    });
    expect(redactString(`login ${SECRET} as proxy-user-1 with token-value-22`)).toBe(
      'login [REDACTED] as proxy-user-1 with [REDACTED]',
    );
  });

  test('a missing .prv → PROTECTED_SETTINGS_CERT_MISSING naming the thumbprint and the directory (exit 53)', async () => {
    const lonely = await generateTenantCertificate(path.join(root, 'lonely', 'lib'));
    const lonelyConfig = path.join(root, 'lonely', 'lib', 'Ext-1.0.0', 'config');
    await fs.rm(lonely.prvPath);
    const blob = await encryptProtectedSettings(SETTINGS, lonely.crtPath, 'des-ede3-cbc');
    const err = await failure(
      decryptProtectedSettings({ protectedSettings: blob, thumbprint: lonely.thumbprint, configFolder: lonelyConfig }),
    );
    expect(err.code).toBe('PROTECTED_SETTINGS_CERT_MISSING');
    expect(err.exitCode).toBe(53);
    expect(err.message).toContain(lonely.thumbprint);
    expect(err.message).toContain(path.join(root, 'lonely', 'lib'));
    expect(err.message).toContain('.prv missing');
  });

  test('a thumbprint that is not 40 hex digits cannot name a file outside the lib dir', async () => {
    const err = await failure(
      decryptProtectedSettings({ protectedSettings: 'AAAA', thumbprint: '../../etc/passwd', configFolder }),
    );
    expect(err.code).toBe('PROTECTED_SETTINGS_CERT_MISSING');
  });

  test.each([
    [
      'settings encrypted for another certificate',
      async () => encryptProtectedSettings(SETTINGS, otherCert.crtPath, 'aes-256-cbc'),
      /different certificate/,
    ],
    [
      'corrupt base64',
      async () => `!!${(await encryptProtectedSettings(SETTINGS, cert.crtPath, 'des-ede3-cbc')).slice(2)}`,
      /not valid base64/,
    ],
    [
      'valid base64 of something that is not CMS',
      async () => Buffer.from(`not a CMS structure ${SECRET}`).toString('base64'),
      /corrupt|another certificate/,
    ],
    [
      'a truncated CMS structure',
      async () => (await encryptProtectedSettings(SETTINGS, cert.crtPath, 'des-ede3-cbc')).slice(0, 200),
      /corrupt|not a CMS/,
    ],
  ])(
    '%s → PROTECTED_SETTINGS_UNDECRYPTABLE naming the thumbprint, with neither the secret nor the blob in any output',
    async (_what, makeBlob, cause) => {
      const blob = await makeBlob();
      const err = await failure(
        decryptProtectedSettings({ protectedSettings: blob, thumbprint: cert.thumbprint, configFolder }),
      );
      expect(err.code).toBe('PROTECTED_SETTINGS_UNDECRYPTABLE');
      expect(err.exitCode).toBe(53);
      expect(err.message).toContain(cert.thumbprint);
      expect(err.message).toMatch(cause);
      const reported = await reportedText(err);
      expect(reported).not.toContain(SECRET);
      expect(reported).not.toContain(blob.slice(0, 24));
      expect(reported).not.toContain(blob.slice(-24));
      // No base64 or hex blob of any kind once the (public) thumbprint is set aside.
      expect(reported.split(cert.thumbprint).join('<thumbprint>')).not.toMatch(/[A-Za-z0-9+/=]{24,}/);
    },
  );

  test('decrypted text that is not a JSON object → PROTECTED_SETTINGS_INVALID without the content', async () => {
    for (const text of [`password=${SECRET}`, JSON.stringify([SECRET]), JSON.stringify(SECRET)]) {
      const blob = await encryptProtectedText(text, cert.crtPath, 'aes-256-cbc');
      const err = await failure(
        decryptProtectedSettings({ protectedSettings: blob, thumbprint: cert.thumbprint, configFolder }),
      );
      expect(err.code).toBe('PROTECTED_SETTINGS_INVALID');
      expect(await reportedText(err)).not.toContain(SECRET);
    }
  });

  test('no openssl on PATH → OPENSSL_MISSING, exit 52', async () => {
    const emptyBin = await fs.mkdtemp(path.join(root, 'bin-'));
    const blob = await encryptProtectedSettings(SETTINGS, cert.crtPath, 'des-ede3-cbc');
    const err = await failure(
      decryptProtectedSettings({
        protectedSettings: blob,
        thumbprint: cert.thumbprint,
        configFolder,
        env: { PATH: emptyBin },
      }),
    );
    expect(err.code).toBe('OPENSSL_MISSING');
    expect(err.exitCode).toBe(52);
  });
});

describe('what openssl receives', () => {
  /** A PATH entry whose `openssl` records its argument vector, then runs the real one (or fails `cms`). */
  async function recordingOpenssl(failCms: boolean): Promise<{ env: NodeJS.ProcessEnv; argvLog: string }> {
    const bin = await fs.mkdtemp(path.join(root, 'shim-'));
    const argvLog = path.join(bin, 'argv.log');
    const real = (await execa('sh', ['-c', 'command -v openssl'])).stdout.trim();
    const script = [
      '#!/bin/sh',
      `printf '%s\\n' "$*" >> '${argvLog}'`,
      failCms ? `[ "$1" = cms ] && { echo 'cms: unsupported in this build' >&2; exit 1; }` : '',
      `exec '${real}' "$@"`,
    ].join('\n');
    await fs.writeFile(path.join(bin, 'openssl'), `${script}\n`, { mode: 0o755 });
    return { env: { PATH: bin }, argvLog };
  }

  test('only flags and the certificate/key paths are in argv; the ciphertext goes to stdin', async () => {
    const { env, argvLog } = await recordingOpenssl(false);
    const blob = await encryptProtectedSettings(SETTINGS, cert.crtPath, 'aes-256-cbc');
    await expect(
      decryptProtectedSettings({ protectedSettings: blob, thumbprint: cert.thumbprint, configFolder, env }),
    ).resolves.toEqual(SETTINGS);
    const argv = (await fs.readFile(argvLog, 'utf8')).trim().split('\n');
    expect(argv).toEqual([opensslDecryptArgs('cms', cert.crtPath, cert.prvPath).join(' ')]);
    expect(argv.join('\n')).not.toContain(SECRET);
    expect(argv.join('\n')).not.toContain(blob.slice(0, 16));
  });

  test('when `openssl cms` fails, `openssl smime` with the same arguments decrypts (DES-EDE3-CBC)', async () => {
    const { env, argvLog } = await recordingOpenssl(true);
    const blob = await encryptProtectedSettings(SETTINGS, cert.crtPath, 'des-ede3-cbc');
    await expect(
      decryptProtectedSettings({ protectedSettings: blob, thumbprint: cert.thumbprint, configFolder, env }),
    ).resolves.toEqual(SETTINGS);
    const argv = (await fs.readFile(argvLog, 'utf8')).trim().split('\n');
    expect(argv).toEqual([
      opensslDecryptArgs('cms', cert.crtPath, cert.prvPath).join(' '),
      opensslDecryptArgs('smime', cert.crtPath, cert.prvPath).join(' '),
    ]);
  });
});
