// The base every loopback HTTPS stand-in for an Azure service shares: listen on 127.0.0.1 with the test
// CA's certificate, hand each request with its whole body to the subclass, answer a refused request with
// an Azure-style error body and record it in `rejected`, and stop at once (open connections cut, listening
// socket closed, so "down" means connection refused until start() again on the same port).
import * as https from 'node:https';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestCa } from './test-ca.js';

export abstract class LoopbackHttpsFake {
  private server?: https.Server;
  protected port = 0;
  /** Every request answered by reject(), in order. */
  readonly rejected: { status: number; reason: string }[] = [];

  constructor(protected readonly ca: TestCa) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** One request with its complete body. */
  protected abstract handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void;

  /** Answers `status` with {"error": {"code": "Fake<status>", "message": reason}} and records it in `rejected`. */
  protected reject(res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
    this.rejected.push({ status, reason });
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify({ error: { code: `Fake${status}`, message: reason } }));
  }

  /** Listens on `port` (0: the previous port, or any on the first start). */
  async start(port = 0): Promise<void> {
    this.server = https.createServer({ cert: this.ca.cert, key: this.ca.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(port || this.port, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Takes the server down (connections refused) until start() again on the same port. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    await closeServerNow(s);
  }
}

/** Stops any loopback server at once: open connections are cut and the listening socket closed. */
export async function closeServerNow(s: Server | undefined): Promise<void> {
  if (!s) return;
  s.closeAllConnections();
  await new Promise<void>((resolve) => s.close(() => resolve()));
}
