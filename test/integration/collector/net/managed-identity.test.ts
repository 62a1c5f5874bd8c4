// Managed identity token client against loopback IMDS and Arc HIMDS fakes: selectors, the Arc 401
// key-file challenge, the key-file safety checks (outside the dir, symlink, not a regular file, too big), retries on transient errors and none on 400, caching.
import { afterEach, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ManagedIdentityTokenClient,
  detectIdentityEndpoints,
} from '../../../../agent/collector/net/managed-identity.js';
import { fetchInstanceMetadata } from '../../../../agent/collector/net/instance-metadata.js';
import { FakeImdsServer } from '../../../fakes/imds-server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function imds(o: ConstructorParameters<typeof FakeImdsServer>[0]): Promise<FakeImdsServer> {
  const s = new FakeImdsServer(o);
  await s.start();
  cleanups.push(() => s.stop());
  return s;
}

describe('Azure VM IMDS', () => {
  test('sends Metadata: true and translates mi_res_id to msi_res_id; caches the token', async () => {
    const s = await imds({ mode: 'imds', token: 'tok-1' });
    const client = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: s.base }),
      identity: {
        kind: 'mi_res_id',
        value: '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/u',
      },
      retryDelaysMs: [0],
    });
    const t1 = await client.getToken('https://monitor.azure.com');
    const t2 = await client.getToken('https://monitor.azure.com');
    expect(t1.token).toBe('tok-1');
    expect(t2).toEqual(t1);
    expect(s.tokenRequests).toHaveLength(1);
    expect(s.tokenRequests[0]!.query).toMatchObject({
      'api-version': '2018-02-01',
      resource: 'https://monitor.azure.com',
      msi_res_id: expect.stringContaining('userAssignedIdentities'),
    });
  });

  test('retries 429 and 500 then succeeds; a 400 is final', async () => {
    const s = await imds({ mode: 'imds' });
    s.failNext = [429, 500];
    const client = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: s.base }),
      retryDelaysMs: [0, 1, 1, 1],
    });
    await expect(client.getToken('https://monitor.azure.com')).resolves.toMatchObject({
      token: 'test-ingestion-token',
    });
    s.failNext = [400, 400];
    await expect(client.getToken('https://monitoring.azure.com/')).rejects.toThrow(/returned 400/);
  });

  test('a short-lived token is refreshed before it expires', async () => {
    const s = await imds({ mode: 'imds', expiresInSec: 2 });
    const client = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: s.base }),
      retryDelaysMs: [0],
    });
    await client.getToken('https://monitor.azure.com');
    await new Promise((r) => setTimeout(r, 1100));
    await client.getToken('https://monitor.azure.com');
    expect(s.tokenRequests).toHaveLength(2);
  });

  test('instance metadata gives resource id, region and cloud', async () => {
    const s = await imds({ mode: 'imds', location: 'northeurope' });
    const md = await fetchInstanceMetadata(detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: s.base }));
    expect(md).toMatchObject({
      location: 'northeurope',
      azEnvironment: 'AzurePublicCloud',
      resourceId: expect.stringContaining('/virtualMachines/vm1'),
    });
  });
});

describe('Azure Arc HIMDS', () => {
  test('answers the 401 challenge with the key file named in WWW-Authenticate', async () => {
    const keyDir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-himds-'));
    cleanups.push(() => rm(keyDir, { recursive: true, force: true }));
    const s = await imds({ mode: 'arc', keyDir, token: 'arc-token' });
    const env = {
      IDENTITY_ENDPOINT: `${s.base}/metadata/identity/oauth2/token`,
      IMDS_ENDPOINT: s.base,
      OPEN_AMA_HIMDS_KEY_DIR: keyDir,
    };
    const client = new ManagedIdentityTokenClient({ endpoints: detectIdentityEndpoints(env), retryDelaysMs: [0] });
    await expect(client.getToken('https://monitor.azure.com')).resolves.toMatchObject({ token: 'arc-token' });
    expect(s.tokenRequests.map((r) => r.authorized)).toEqual([false, true]);
    expect(s.tokenRequests[0]!.query['api-version']).toBe('2020-06-01');
  });

  test('refuses a challenge pointing outside the tokens directory', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-himds-evil-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(path.join(dir, 'secret.key'), 'x');
    const server = http.createServer((_req, res) =>
      res.writeHead(401, { 'www-authenticate': `Basic realm=${path.join(dir, 'secret.key')}` }).end(),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({
        IDENTITY_ENDPOINT: `${base}/metadata/identity/oauth2/token`,
        OPEN_AMA_HIMDS_KEY_DIR: path.join(dir, 'tokens'),
      }),
      retryDelaysMs: [0],
    });
    await expect(client.getToken('https://monitor.azure.com')).rejects.toThrow(/refusing to read it/);
  });

  /** A HIMDS stand-in whose challenge names `keyName` in a fresh key dir; counts the Basic answers it gets. */
  async function challengeTo(
    keyName: string,
  ): Promise<{ keyDir: string; outside: string; client: ManagedIdentityTokenClient; answered: () => number }> {
    const root = await mkdtemp(path.join(os.tmpdir(), 'open-ama-himds-key-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    const keyDir = path.join(root, 'tokens');
    const outside = path.join(root, 'outside');
    await mkdir(keyDir);
    await mkdir(outside);
    let answered = 0;
    const server = http.createServer((req, res) => {
      if (req.headers.authorization) answered++;
      res.writeHead(401, { 'www-authenticate': `Basic realm=${path.join(keyDir, keyName)}` }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({
        IDENTITY_ENDPOINT: `${base}/metadata/identity/oauth2/token`,
        OPEN_AMA_HIMDS_KEY_DIR: keyDir,
      }),
      retryDelaysMs: [0],
    });
    return { keyDir, outside, client, answered: () => answered };
  }

  test('refuses a symlink planted in the key dir (O_NOFOLLOW): the file it points at is never sent', async () => {
    const c = await challengeTo('planted.key');
    await writeFile(path.join(c.outside, 'shadow'), 'root-only-secret');
    await symlink(path.join(c.outside, 'shadow'), path.join(c.keyDir, 'planted.key'));
    await expect(c.client.getToken('https://monitor.azure.com')).rejects.toThrow(
      /key file .*planted\.key is a symbolic link; refusing to follow it/,
    );
    expect(c.answered()).toBe(0);
  });

  test('refuses a key that is not a regular file (a FIFO would block a plain read) and one over 4096 bytes', async () => {
    const fifo = await challengeTo('pipe.key');
    execFileSync('mkfifo', [path.join(fifo.keyDir, 'pipe.key')]);
    await expect(fifo.client.getToken('https://monitor.azure.com')).rejects.toThrow(/is not a regular file/);
    const big = await challengeTo('big.key');
    await writeFile(path.join(big.keyDir, 'big.key'), 'k'.repeat(5000));
    await expect(big.client.getToken('https://monitor.azure.com')).rejects.toThrow(/larger than 4096 bytes/);
    expect(fifo.answered() + big.answered()).toBe(0);
  });
});
