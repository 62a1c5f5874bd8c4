// Every HTTP exchange has an overall deadline and a response size cap (issue 13): against loopback
// servers that trickle a response that never ends (a byte every 50 ms keeps the idle timeout from
// firing) or send a body over the cap, a token fetch, an upload and an ARM DCR read each fail with a
// clear error instead of hanging, and an oversized response's connection is destroyed.
import { afterEach, describe, expect, test } from '@jest/globals';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ArmDcrSource } from '../../../../agent/collector/dcr/remote-sources.js';
import { LogsIngestionUploader } from '../../../../agent/collector/destinations/logs-ingestion/logs-ingestion-uploader.js';
import { HttpClient, NetworkError } from '../../../../agent/collector/net/http-client.js';
import {
  ManagedIdentityTokenClient,
  detectIdentityEndpoints,
} from '../../../../agent/collector/net/managed-identity.js';

interface Server {
  base: string;
  /** Sockets the server saw closed. */
  closed: number;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(handler: http.RequestListener): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = http.createServer(handler);
  const s: Server = { base: '', closed: 0 };
  server.on('connection', (sock) => {
    sockets.add(sock);
    sock.on('close', () => {
      sockets.delete(sock);
      s.closed++;
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  s.base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(async () => {
    for (const sock of sockets) sock.destroy();
    await new Promise((r) => server.close(() => r(undefined)));
  });
  return s;
}

/** 200 with headers, then one byte every 50 ms, forever (until the client goes away). */
const trickle: http.RequestListener = (req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.write('{');
  const t = setInterval(() => res.write(' '), 50);
  res.on('close', () => clearInterval(t));
};

/** A client whose idle timeout never fires against `trickle`, with a short overall deadline. */
const shortDeadline = (): HttpClient => {
  const c = new HttpClient({ idleTimeoutMs: 5_000, deadlineMs: 800 });
  cleanups.push(async () => c.close());
  return c;
};

describe('overall deadline', () => {
  test('a response that never ends fails the exchange with a deadline error (the idle timeout alone would never fire)', async () => {
    const s = await serve(trickle);
    const err = await shortDeadline()
      .request({ method: 'GET', url: new URL(`${s.base}/slow`) })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('ETIMEDOUT');
    expect((err as Error).message).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/slow failed: no complete response within the 800 ms deadline/,
    );
  });

  test('a token fetch from an IMDS that trickles forever fails with the deadline error', async () => {
    const s = await serve(trickle);
    const tokens = new ManagedIdentityTokenClient({
      endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: s.base }),
      http: shortDeadline(),
      retryDelaysMs: [0],
    });
    await expect(tokens.getToken('https://monitor.azure.com')).rejects.toThrow(/deadline/);
  });

  test('an upload whose response never ends becomes a retryable network outcome naming the deadline', async () => {
    const imds = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'tok', expires_in: 3600 }));
    });
    const ingestion = await serve(trickle);
    const uploader = new LogsIngestionUploader({
      endpoint: ingestion.base,
      dcrImmutableId: 'dcr-00000000000000000000000000000000',
      audience: 'https://monitor.azure.com',
      tokens: new ManagedIdentityTokenClient({
        endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: imds.base }),
        retryDelaysMs: [0],
      }),
      http: shortDeadline(),
    });
    const json = Buffer.from('[{"a":1}]');
    const outcome = await uploader.upload(
      { stream: 'Custom-X', records: [Buffer.from('{"a":1}')], body: gzipSync(json), uncompressedBytes: json.length },
      { forceTokenRefresh: false },
    );
    expect(outcome.errorCode).toBe('ETIMEDOUT');
    expect(outcome.detail).toMatch(
      /POST .*\/streams\/Custom-X failed: no complete response within the 800 ms deadline/,
    );
  });

  test('an ARM DCR read whose response never ends fails the fetch with the deadline error', async () => {
    const imds = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ access_token: 'tok', expires_in: 3600 }));
    });
    const arm = await serve(trickle);
    const source = new ArmDcrSource({
      resourceId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm',
      tokens: new ManagedIdentityTokenClient({
        endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: imds.base }),
        retryDelaysMs: [0],
      }),
      http: shortDeadline(),
      armUrl: arm.base,
    });
    await expect(source.fetch()).rejects.toThrow(
      /dataCollectionRuleAssociations failed: no complete response within the 800 ms deadline/,
    );
  });
});

describe('response size cap', () => {
  test('a body over the cap fails with a clear error and the connection is destroyed, not reused', async () => {
    const s = await serve((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      // 64 KiB in 1 KiB chunks, then the response stays open: only the cap can end this exchange early
      for (let i = 0; i < 64; i++) res.write(Buffer.alloc(1024, 0x61));
    });
    const client = new HttpClient({ idleTimeoutMs: 5_000, deadlineMs: 30_000, maxResponseBytes: 4096 });
    cleanups.push(async () => client.close());
    const err = await client.request({ method: 'GET', url: new URL(`${s.base}/big`) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).code).toBe('ETOOLARGE');
    expect((err as Error).message).toMatch(
      /GET http:\/\/127\.0\.0\.1:\d+\/big failed: the response is larger than 4096 bytes; connection closed/,
    );
    // the server sees its socket closed although keep-alive was on
    for (let i = 0; i < 100 && s.closed === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(s.closed).toBe(1);
  });

  test('a body within the cap is returned whole', async () => {
    const s = await serve((req, res) => {
      req.resume();
      res.end(Buffer.alloc(4096, 0x62));
    });
    const client = new HttpClient({ maxResponseBytes: 4096 });
    cleanups.push(async () => client.close());
    const res = await client.request({ method: 'GET', url: new URL(`${s.base}/ok`) });
    expect(res.body.length).toBe(4096);
  });
});
