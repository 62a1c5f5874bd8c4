// Loopback stand-in for Azure IMDS (plain HTTP, like 169.254.169.254) and Arc HIMDS (401 challenge
// naming a key file, then Basic auth): token and instance metadata endpoints; counts requests so a
// test can prove they never went through a proxy.
import * as http from 'node:http';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { closeServerNow } from './loopback-https-fake.js';

export interface FakeImdsOptions {
  mode: 'imds' | 'arc';
  token?: string;
  /** Arc: directory for the challenge key file. */
  keyDir?: string;
  resourceId?: string;
  location?: string;
  expiresInSec?: number;
}

export class FakeImdsServer {
  tokenRequests: { resource: string; query: Record<string, string>; authorized: boolean }[] = [];
  instanceRequests = 0;
  failNext: number[] = [];
  private server?: http.Server;
  private port = 0;
  private keySecret = 'himds-key-' + Math.random().toString(36).slice(2);

  constructor(private readonly o: FakeImdsOptions) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.o.mode === 'arc' && this.o.keyDir) await fs.mkdir(this.o.keyDir, { recursive: true });
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this.server;
    await closeServerNow(s);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.base);
    if (req.headers.metadata !== 'true') {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'bad_request_102', error_description: 'Required metadata header not specified' }));
      return;
    }
    if (url.pathname === '/metadata/instance') {
      this.instanceRequests++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          compute: {
            resourceId:
              this.o.resourceId ??
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1',
            location: this.o.location ?? 'westeurope',
            azEnvironment: 'AzurePublicCloud',
            name: 'vm1',
            vmId: '11111111-1111-1111-1111-111111111111',
            subscriptionId: '00000000-0000-0000-0000-000000000000',
          },
        }),
      );
      return;
    }
    if (url.pathname !== '/metadata/identity/oauth2/token') {
      res.writeHead(404).end();
      return;
    }
    const fail = this.failNext.shift();
    if (fail) {
      res
        .writeHead(fail, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'injected', error_description: `injected ${fail}` }));
      return;
    }
    const query = Object.fromEntries(url.searchParams.entries());
    if (this.o.mode === 'arc') {
      const keyFile = path.join(this.o.keyDir ?? '/nonexistent', 'challenge.key');
      if (req.headers.authorization !== `Basic ${this.keySecret}`) {
        await fs.writeFile(keyFile, this.keySecret, { mode: 0o600 });
        this.tokenRequests.push({ resource: query.resource ?? '', query, authorized: false });
        res.writeHead(401, { 'www-authenticate': `Basic realm=${keyFile}` }).end();
        return;
      }
    }
    this.tokenRequests.push({ resource: query.resource ?? '', query, authorized: true });
    const expiresIn = this.o.expiresInSec ?? 3600;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: this.o.token ?? 'test-ingestion-token',
        refresh_token: '',
        expires_in: String(expiresIn),
        expires_on: String(Math.floor(Date.now() / 1000) + expiresIn),
        not_before: String(Math.floor(Date.now() / 1000)),
        resource: query.resource,
        token_type: 'Bearer',
      }),
    );
  }
}
