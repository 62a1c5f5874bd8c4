// Real tinyproxy with basic auth, a loopback HTTPS Logs Ingestion fake (test CA) and a fake IMDS:
// uploads go through the proxy's CONNECT tunnel; wrong credentials give an actionable 407; IMDS never
// goes through the proxy.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { gzipSync } from 'node:zlib';
import * as path from 'node:path';
import { HttpClient } from '../../../../agent/collector/net/http-client.js';
import { classifyResponse } from '../../../../agent/collector/net/retry-policy.js';
import {
  ManagedIdentityTokenClient,
  detectIdentityEndpoints,
} from '../../../../agent/collector/net/managed-identity.js';
import { LogsIngestionUploader } from '../../../../agent/collector/destinations/logs-ingestion/logs-ingestion-uploader.js';
import { FakeIngestionServer } from '../../../fakes/ingestion-server.js';
import { startTinyproxy, type TinyproxyHandle } from '../../../fakes/tinyproxy.js';
import { describeWhenInstalled, TINYPROXY } from '../../../support/os-requirements.js';
import { useCollectorWorld } from '../../../support/collector-world.js';

const PROXY_USER = 'alice';
const PROXY_PASSWORD = 'Sentinel0ProxyPw';
const DCR = 'dcr-00000000000000000000000000000001';

let ingestion: FakeIngestionServer;
let proxy: TinyproxyHandle;

const world = useCollectorWorld('open-ama-proxy-');

beforeAll(async () => {
  ingestion = new FakeIngestionServer(world.ca);
  await ingestion.start();
  proxy = await startTinyproxy(path.join(world.dir, 'proxy'), { user: PROXY_USER, password: PROXY_PASSWORD });
});

afterAll(async () => {
  await proxy?.stop();
  await ingestion?.stop();
});

function uploader(password: string): LogsIngestionUploader {
  // As the collector builds them: the token client's HttpClient has no proxy route, the destination's has.
  const tokens = new ManagedIdentityTokenClient({
    endpoints: detectIdentityEndpoints({ OPEN_AMA_IMDS_URL: world.imds.base }),
    http: new HttpClient(),
    retryDelaysMs: [0],
  });
  const settings = { mode: 'application' as const, address: proxy.url, username: PROXY_USER, password, bypass: [] };
  return new LogsIngestionUploader({
    endpoint: ingestion.url,
    dcrImmutableId: DCR,
    audience: 'https://monitor.azure.com',
    tokens,
    http: new HttpClient({ extraCa: [world.ca.caCert], proxy: { settings } }),
  });
}

function body(records: unknown[]): { records: Buffer[]; body: Buffer; uncompressedBytes: number } {
  const json = Buffer.from(JSON.stringify(records));
  return {
    records: records.map((r) => Buffer.from(JSON.stringify(r))),
    body: gzipSync(json),
    uncompressedBytes: json.length,
  };
}

describeWhenInstalled('upload through a proxy', [TINYPROXY])('upload through an authenticated HTTP proxy', () => {
  test('records reach the ingestion endpoint through the proxy tunnel, and IMDS is asked directly', async () => {
    const before = await proxy.connectCount();
    const up = uploader(PROXY_PASSWORD);
    const outcome = await up.upload(
      { stream: 'Custom-OpenAma-Syslog', ...body([{ SyslogMessage: 'hello via proxy' }]) },
      { forceTokenRefresh: false },
    );
    await up.close();
    expect(outcome).toMatchObject({ status: 204 });
    expect(ingestion.records('Custom-OpenAma-Syslog')).toEqual([{ SyslogMessage: 'hello via proxy' }]);
    expect(await proxy.connectCount()).toBeGreaterThan(before);
    expect(world.imds.tokenRequests.length).toBeGreaterThan(0);
    // the proxy log must not mention the IMDS port: the token request bypassed it
    const log = await import('node:fs/promises').then((fs) => fs.readFile(proxy.logFile, 'utf8'));
    expect(log).not.toContain(`:${new URL(world.imds.base).port}`);
  });

  test("wrong proxy credentials give a 401/407 outcome marked as the proxy's, with an actionable message and no secret, that degrades (no token refresh)", async () => {
    const up = uploader('WrongPassword123');
    const outcome = await up.upload(
      { stream: 'Custom-OpenAma-Syslog', ...body([{ SyslogMessage: 'x' }]) },
      { forceTokenRefresh: false },
    );
    await up.close();
    // tinyproxy answers 401 (not 407) for wrong credentials; both must be reported as a proxy problem
    expect([401, 407]).toContain(outcome.status);
    // The status is the proxy's (the tunnel was refused), so it is not read as the service refusing the token.
    expect(outcome.fromProxy).toBe(true);
    expect(outcome.detail).toContain('the proxy answered');
    expect(outcome.detail).toContain('proxy.password');
    expect(classifyResponse(outcome).action).toBe('degrade');
    expect(outcome.detail).not.toContain('WrongPassword123');
  });
});
