// A throw-away test CA and a server certificate for 127.0.0.1/localhost, made with real openssl.
// Processes under test trust it through NODE_EXTRA_CA_CERTS, like an operator's private CA.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';

export interface TestCa {
  dir: string;
  caCertPath: string;
  /** PEM of the CA certificate (what clients trust). */
  caCert: string;
  /** PEM of the server certificate for 127.0.0.1/localhost and its key. */
  cert: string;
  key: string;
}

/** `env`: extra environment for openssl (e.g. libfaketime, to make the certificates valid from the past). */
export async function createTestCa(dir: string, env: Record<string, string> = {}): Promise<TestCa> {
  await fs.mkdir(dir, { recursive: true });
  const p = (f: string): string => path.join(dir, f);
  await execa('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=open-ama test CA',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.crt'),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await execa(
    'openssl',
    [
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=localhost',
      '-keyout',
      p('server.key'),
      '-out',
      p('server.csr'),
    ],
    { env },
  );
  await fs.writeFile(
    p('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n',
  );
  await execa(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      p('server.csr'),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      p('server.ext'),
      '-out',
      p('server.crt'),
    ],
    { env },
  );
  return {
    dir,
    caCertPath: p('ca.crt'),
    caCert: await fs.readFile(p('ca.crt'), 'utf8'),
    cert: await fs.readFile(p('server.crt'), 'utf8'),
    key: await fs.readFile(p('server.key'), 'utf8'),
  };
}
