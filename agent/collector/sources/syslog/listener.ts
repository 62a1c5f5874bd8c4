// The syslog listener (SPEC.md §8.4, DESIGN.md §6): TCP on 127.0.0.1:28330 by default with LF and
// octet-counted framing detected per message, optionally UDP and a unix stream socket. Loopback only
// unless an address is configured explicitly (then a warning is logged). Back-pressure: the owner calls
// pause() while its sink is behind; every stream socket stops reading (TCP flow control makes the
// sending daemon queue — rsyslog to disk) until resume(). New connections beyond maxConnections are
// refused. Garbage and abrupt disconnects are absorbed, never thrown.
import * as dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { Logger } from '../../../telemetry/logger.js';
import { SyslogFramer } from './framing.js';
import { MAX_MESSAGE_BYTES } from './parse-message.js';

export const DEFAULT_SYSLOG_PORT = 28330;
export const DEFAULT_MAX_CONNECTIONS = 256;
const STOP_GRACE_MS = 1000;

export interface SyslogListenerOptions {
  /** TCP listener; default { port: 28330, host: '127.0.0.1' }; `false` for none. Port 0 = ephemeral. */
  tcp?: { port: number; host?: string } | false;
  /** Optional UDP listener (one datagram = one message). */
  udp?: { port: number; host?: string };
  /** Optional unix stream socket path (same framing as TCP). */
  unixPath?: string;
  /** Mode of the unix socket file; default 0o660. */
  unixMode?: number;
  /** Concurrent stream connections; default 256. */
  maxConnections?: number;
  /** Longest message; longer ones are truncated and reported. Default 64 KiB. */
  maxMessageBytes?: number;
}

export interface SyslogMessageHandler {
  /** One framed message; `remote` is the sender's IP ('' for loopback and unix sockets). */
  onMessage(msg: Buffer, remote: string): void;
  onOversized(): void;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class SyslogListener {
  private tcpServer?: net.Server;
  private unixServer?: net.Server;
  private udpSocket?: dgram.Socket;
  private readonly sockets = new Set<net.Socket>();
  private paused = false;
  private refusedLogged = false;
  tcpPort = 0;
  udpPort = 0;
  /** Connections refused because of maxConnections. */
  refusedConnections = 0;

  constructor(
    private readonly options: SyslogListenerOptions,
    private readonly handler: SyslogMessageHandler,
    private readonly logger: Logger,
  ) {}

  get connections(): number {
    return this.sockets.size;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  async start(): Promise<void> {
    const tcp = this.options.tcp === undefined ? { port: DEFAULT_SYSLOG_PORT } : this.options.tcp;
    if (tcp) {
      const host = this.bindAddress(tcp.host);
      this.tcpServer = this.streamServer();
      await listen(this.tcpServer, (cb) => this.tcpServer!.listen(tcp.port, host, cb));
      this.tcpPort = (this.tcpServer.address() as net.AddressInfo).port;
    }
    if (this.options.unixPath) {
      const p = this.options.unixPath;
      const st = await fs.lstat(p).catch(() => undefined);
      if (st?.isSocket()) await fs.rm(p, { force: true }); // stale socket from a previous run
      this.unixServer = this.streamServer();
      await listen(this.unixServer, (cb) => this.unixServer!.listen(p, cb));
      await fs.chmod(p, this.options.unixMode ?? 0o660);
    }
    if (this.options.udp) {
      const host = this.bindAddress(this.options.udp.host);
      const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      sock.on('message', (msg, rinfo) => this.deliverDatagram(msg, rinfo.address));
      sock.on('error', (err) => this.logger.warn(`syslog udp listener: ${err.message}`));
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind(this.options.udp!.port, host, () => {
          sock.off('error', reject);
          resolve();
        });
      });
      this.udpSocket = sock;
      this.udpPort = sock.address().port;
    }
  }

  /** Stops reading from every stream connection (and new ones) until resume(). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const s of this.sockets) s.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    for (const s of this.sockets) s.resume();
  }

  async stop(): Promise<void> {
    const servers = [this.tcpServer, this.unixServer].filter((s): s is net.Server => s !== undefined);
    this.tcpServer = this.unixServer = undefined;
    for (const s of this.sockets) s.end();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              for (const s of this.sockets) s.destroy();
              resolve();
            }, STOP_GRACE_MS);
            server.close(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    for (const s of this.sockets) s.destroy();
    this.udpSocket?.close();
    this.udpSocket = undefined;
  }

  private bindAddress(host: string | undefined): string {
    const h = host ?? '127.0.0.1';
    if (!LOOPBACK.has(h))
      this.logger.warn(`syslog listener binds ${h}, not loopback: it accepts messages from the network`);
    return h;
  }

  private streamServer(): net.Server {
    const server = net.createServer((sock) => this.accept(sock));
    server.maxConnections = this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    server.on('drop', () => {
      this.refusedConnections++;
      if (!this.refusedLogged)
        this.logger.warn(`syslog listener: connection refused, ${server.maxConnections} connections already open`);
      this.refusedLogged = true;
    });
    server.on('error', (err) => this.logger.error(`syslog listener: ${err.message}`));
    return server;
  }

  private accept(sock: net.Socket): void {
    this.sockets.add(sock);
    const remote = remoteIp(sock.remoteAddress);
    const framer = new SyslogFramer(
      this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      (m) => this.handler.onMessage(m, remote),
      () => this.handler.onOversized(),
    );
    if (this.paused) sock.pause();
    sock.on('data', (chunk: Buffer) => framer.push(chunk));
    sock.on('end', () => {
      framer.end();
      sock.end();
    });
    sock.on('error', () => undefined); // ECONNRESET and friends: the close handler cleans up
    sock.on('close', () => this.sockets.delete(sock));
  }

  private deliverDatagram(msg: Buffer, address: string): void {
    const max = this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    let end = msg.length;
    while (end > 0 && (msg[end - 1] === 10 || msg[end - 1] === 13)) end--;
    if (end === 0) return;
    if (end > max) this.handler.onOversized();
    this.handler.onMessage(msg.subarray(0, Math.min(end, max)), remoteIp(address));
  }
}

function remoteIp(address: string | undefined): string {
  if (!address) return '';
  const ip = address.replace(/^::ffff:/, '');
  return ip === '127.0.0.1' || ip === '::1' ? '' : ip;
}

function listen(server: net.Server, start: (cb: () => void) => void): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}
