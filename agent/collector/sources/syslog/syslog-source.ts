// Syslog source: one listener (TCP 127.0.0.1:28330 by default, LF and octet-counted framing; optional
// UDP) shared by every DCR syslog data source. Each message is parsed once and written to every filter
// (facility × level SET, per DCR) that selects it, on "<filterKey>|Microsoft-Syslog" or
// "…|Microsoft-CommonSecurityLog" for CEF. Batches ≤ 500 records or 50 ms; the socket is paused while
// the durable queue is behind (back-pressure, bounded memory).
import * as dgram from 'node:dgram';
import * as net from 'node:net';
import type { Component, SourceContext } from '../../pipeline/types.js';
import { SyslogFramer } from './framing.js';
import { DCR_LEVELS, parseSyslog } from './parse.js';

export const MAX_LINE_BYTES = 64 * 1024;
/** Pause reading when this many records wait for the durable queue; resume below the low mark. */
export const HIGH_WATERMARK = 10_000;
export const LOW_WATERMARK = 2_000;

export interface SyslogFilter {
  key: string;
  facilities: string[];
  levels: string[];
}

export interface SyslogSourceSpec {
  id: string;
  port: number;
  host?: string;
  udp?: boolean;
  filters: SyslogFilter[];
  streams: string[];
  /** Called once the listener is bound (e.g. to write the rsyslog drop-in for this port). */
  onListening?: (port: number, filters: SyslogFilter[]) => Promise<unknown>;
}

export class SyslogSource implements Component {
  readonly id: string;
  private server?: net.Server;
  private udp?: dgram.Socket;
  private pending = new Map<string, Record<string, unknown>[]>();
  private pendingCount = 0;
  private flushTimer?: NodeJS.Timeout;
  private inflight: Promise<void> = Promise.resolve();
  private readonly sockets = new Set<net.Socket>();
  private readonly paused = new Set<net.Socket>();
  /** Records handed to the sink but not yet durably queued: the back-pressure measure. */
  private unqueued = 0;
  boundPort = 0;
  received = 0;
  filtered = 0;

  constructor(
    private readonly spec: SyslogSourceSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
  }

  async start(): Promise<void> {
    const host = this.spec.host ?? '127.0.0.1';
    if (host !== '127.0.0.1' && host !== '::1') this.ctx.logger.warn(`syslog listener binds ${host}, not loopback: it is reachable from the network`);
    this.server = net.createServer((sock) => this.accept(sock));
    this.server.maxConnections = 256;
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.spec.port, host, () => resolve());
    });
    this.server.on('error', (err) => this.ctx.logger.error(`syslog listener: ${err.message}`));
    this.boundPort = (this.server.address() as net.AddressInfo).port;
    if (this.spec.udp) {
      this.udp = dgram.createSocket('udp4');
      this.udp.on('message', (msg, rinfo) => this.onMessage(msg.toString('utf8').replace(/\n$/, ''), rinfo.address));
      await new Promise<void>((resolve) => this.udp!.bind(this.boundPort, host, () => resolve()));
    }
    this.ctx.logger.info(`syslog listener on ${host}:${this.boundPort}${this.spec.udp ? ' (tcp+udp)' : ''} with ${this.spec.filters.length} filter(s)`);
    if (this.spec.onListening) {
      void this.spec.onListening(this.boundPort, this.spec.filters).catch((err: Error) => this.ctx.logger.warn(`syslog daemon integration: ${err.message}`));
    }
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    const remote = sock.remoteAddress?.replace(/^::ffff:/, '') ?? '';
    const framer = new SyslogFramer(MAX_LINE_BYTES, (m) => this.onMessage(m, remote), () => this.ctx.drops.drop('oversized', 0, this.id));
    sock.on('data', (chunk: Buffer) => {
      framer.push(chunk);
      if (this.unqueued + this.pendingCount >= HIGH_WATERMARK) {
        sock.pause(); // TCP flow control pushes back on the sender (rsyslog queues to disk)
        this.paused.add(sock);
      }
    });
    sock.on('end', () => framer.end());
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.sockets.delete(sock);
      this.paused.delete(sock);
    });
  }

  private onMessage(line: string, remote: string): void {
    this.received++;
    let parsed;
    try {
      parsed = parseSyslog(line, { computer: this.ctx.computer, sourceIp: remote === '127.0.0.1' ? '' : remote });
    } catch {
      this.ctx.drops.drop('parse_error', 1, this.id);
      return;
    }
    const level = DCR_LEVELS[parsed.severity]!;
    let matched = false;
    for (const f of this.spec.filters) {
      const facOk = f.facilities.includes('*') || f.facilities.includes(parsed.facility);
      const levOk = f.levels.includes('*') || f.levels.includes(level);
      if (!facOk || !levOk) continue;
      matched = true;
      const wantsCef = parsed.cef && this.spec.streams.includes('Microsoft-CommonSecurityLog');
      const stream = wantsCef ? 'Microsoft-CommonSecurityLog' : 'Microsoft-Syslog';
      this.enqueue(`${f.key}|${stream}`, wantsCef ? parsed.cef! : parsed.record);
    }
    if (!matched) this.filtered++;
  }

  private enqueue(stream: string, record: Record<string, unknown>): void {
    const list = this.pending.get(stream) ?? [];
    list.push(record);
    this.pending.set(stream, list);
    this.pendingCount++;
    if (this.pendingCount >= 500) void this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => void this.flush(), 50);
  }

  /** Hands the pending records to the sink; resolves when they are durably queued. */
  flush(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batches = [...this.pending.entries()];
    const count = this.pendingCount;
    this.pending = new Map();
    this.pendingCount = 0;
    this.unqueued += count;
    this.inflight = this.inflight.then(async () => {
      for (const [stream, records] of batches) {
        await this.ctx.sink.write(stream, records).catch((err: Error) => {
          this.ctx.drops.drop('shutdown', records.length, this.id);
          this.ctx.logger.error(`syslog: ${records.length} record(s) not queued: ${err.message}`);
        });
      }
      this.unqueued -= count;
      if (this.unqueued < LOW_WATERMARK) {
        for (const s of this.paused) s.resume();
        this.paused.clear();
      }
    });
    return this.inflight;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      for (const s of this.sockets) s.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(() => {
          for (const s of this.sockets) s.destroy();
          resolve();
        }, 2000).unref();
      });
    }
    this.udp?.close();
    this.udp = undefined;
    await this.flush();
  }
}
