// A loopback HTTPS Logs Ingestion endpoint for the fault suite (test CA from test/fakes/test-ca.ts):
// checks path, api-version, bearer token, gzip and the 1 MB limit like test/fakes/ingestion-server.ts,
// but keeps only what a fault ledger needs — the `seq=<n>` numbers of accepted records and a
// timestamped log of every request — and lets a scenario decide each answer (status, Retry-After,
// delay) from a policy, or go down (connection refused) and come back on the same port.
import * as https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { TestCa } from '../fakes/test-ca.js';
import { seqsIn } from './ledger.js';

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface RequestLogEntry {
  /** When the request body had arrived (ms since epoch). */
  at: number;
  status: number;
  records: number;
  /** Uncompressed body bytes. */
  bytes: number;
  retryAfterMs?: number;
}

export class FaultIngestion {
  /** Sequence numbers of every accepted record, in arrival order (duplicates kept). */
  readonly seqs: number[] = [];
  readonly log: RequestLogEntry[] = [];
  /** Decides the answer for a well-formed request holding `records` records; undefined → 204. */
  policy?: (records: number) => Answer | undefined;
  /** Sees the records of every accepted request (after their sequence numbers were taken). */
  onAccepted?: (records: Record<string, unknown>[]) => void;
  /** Delay before answering (slow service). */
  delayMs = 0;
  private server?: https.Server;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  constructor(private readonly ca: TestCa) {}

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.server !== undefined;
  }

  accepted(): RequestLogEntry[] {
    return this.log.filter((r) => r.status >= 200 && r.status < 300);
  }

  async start(): Promise<void> {
    const server = https.createServer({ cert: this.ca.cert, key: this.ca.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks);
        const delay = this.delayMs;
        if (delay > 0) setTimeout(() => this.handle(req, raw, res), delay);
        else this.handle(req, raw, res);
      });
    });
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** Connection refused from now on (open connections are cut) until start() again, same port. */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  private handle(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    let bytes = 0;
    const answer = (status: number, records: number, headers: Record<string, string> = {}, body = ''): void => {
      const ra = headers['retry-after'];
      this.log.push({
        at: Date.now(),
        status,
        records,
        bytes,
        ...(ra !== undefined ? { retryAfterMs: Number(ra) * 1000 } : {}),
      });
      if (res.destroyed) return;
      if (status === 204) res.writeHead(204).end();
      else
        res
          .writeHead(status, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify({ error: { code: `Fake${status}`, message: body || `status ${status}` } }));
    };
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    if (req.method !== 'POST' || !/^\/dataCollectionRules\/[^/]+\/streams\/[^/]+$/.test(url.pathname))
      return answer(404, 0);
    if (url.searchParams.get('api-version') !== '2023-01-01') return answer(400, 0);
    if (req.headers.authorization !== 'Bearer test-ingestion-token') return answer(401, 0);
    let body: Buffer;
    try {
      body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    } catch {
      return answer(400, 0);
    }
    bytes = body.length;
    if (body.length > 1_000_000 || raw.length > 1_000_000) return answer(413, 0);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return answer(400, 0);
    }
    if (!Array.isArray(parsed)) return answer(400, 0);
    const decided = this.policy?.(parsed.length);
    if (decided) return answer(decided.status, parsed.length, decided.headers, decided.body);
    for (const r of parsed as Record<string, unknown>[])
      this.seqs.push(...seqsIn(String(r.SyslogMessage ?? r.RawData ?? '')));
    this.onAccepted?.(parsed as Record<string, unknown>[]);
    answer(204, parsed.length);
  }
}
