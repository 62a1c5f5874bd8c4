// The syslog listener (docs/syslog.md): TCP on 127.0.0.1:28330 by default with LF and octet-counted
// framing detected per message, optionally UDP and a unix stream socket. Loopback only unless an address
// is configured explicitly (then a warning is logged). Back-pressure: the owner calls pause() while its
// sink is behind; every stream socket stops reading (TCP flow control makes the sending daemon queue —
// rsyslog to disk) until resume(), and UDP datagrams are dropped and counted. Connection limits: a
// connection silent for idleTimeoutMs, or holding a partial message for partialFrameTimeoutMs, is closed;
// at maxConnections a newcomer evicts the connection that has gone longest without a complete message
// (if that is at least evictMinIdleMs), else it is refused. Timeouts and eviction are suspended while
// paused. Every refusal, eviction, timeout and discarded partial message is counted; nothing is thrown.
import * as dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { Logger } from '../../../telemetry/logger.js';
import { lineEnd, SyslogFramer } from './framing.js';
import { MAX_MESSAGE_BYTES } from './parse-message.js';

export const DEFAULT_SYSLOG_PORT = 28330;
export const DEFAULT_MAX_CONNECTIONS = 256;
export const DEFAULT_IDLE_TIMEOUT_MS = 10 * 60_000;
export const DEFAULT_PARTIAL_FRAME_TIMEOUT_MS = 30_000;
export const DEFAULT_EVICT_MIN_IDLE_MS = 1000;
const STOP_GRACE_MS = 1000;
const LIMIT_LOG_INTERVAL_MS = 60_000;

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
  /** A stream connection that sends nothing for this long is closed. Default 10 min. */
  idleTimeoutMs?: number;
  /** A stream connection whose message has begun but not ended after this long is closed. Default 30 s. */
  partialFrameTimeoutMs?: number;
  /** At the limit, only a connection without a complete message for this long may be evicted. Default 1 s. */
  evictMinIdleMs?: number;
}

export interface SyslogMessageHandler {
  /**
   * One framed message, b[start..end), valid only during the call (framing.ts); `remote` is the sender's IP
   * ('' for loopback and unix sockets).
   */
  onMessage(b: Buffer, start: number, end: number, remote: string): void;
  onOversized(): void;
  /** Messages lost here: UDP datagrams while paused, partial messages of closed connections. */
  onDiscarded?(reason: 'backpressure' | 'incomplete_frame', count: number): void;
}

interface Connection {
  sock: net.Socket;
  framer: SyslogFramer;
  /** Monotonic ms of the last byte received. */
  lastDataAt: number;
  /** Monotonic ms of the last complete message (the accept time before the first). */
  lastMessageAt: number;
  /** Monotonic ms when the message in progress began (undefined at a message boundary). */
  frameStartedAt?: number;
  messages: number;
  ended: boolean;
}

const now = (): number => performance.now();

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export class SyslogListener {
  private tcpServer?: net.Server;
  private unixServer?: net.Server;
  private udpSocket?: dgram.Socket;
  private readonly conns = new Map<net.Socket, Connection>();
  private paused = false;
  private sweepTimer?: NodeJS.Timeout;
  private limitLoggedAt = -Infinity;
  tcpPort = 0;
  udpPort = 0;
  /** Connections refused at maxConnections (no connection could be evicted, or paused). */
  refusedConnections = 0;
  /** Connections closed to make room for a newcomer at maxConnections. */
  evictedConnections = 0;
  /** Connections closed after idleTimeoutMs without data. */
  idleClosedConnections = 0;
  /** Connections closed after partialFrameTimeoutMs inside one message. */
  partialFrameTimeouts = 0;
  /** UDP datagrams dropped while paused. */
  udpDroppedWhilePaused = 0;
  /** Partial messages lost with their connection (timeout, eviction, reset, cut octet-counted frame). */
  discardedPartialFrames = 0;

  constructor(
    private readonly options: SyslogListenerOptions,
    private readonly handler: SyslogMessageHandler,
    private readonly logger: Logger,
  ) {}

  get connections(): number {
    return this.conns.size;
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
    const shortest = Math.min(this.idleTimeoutMs, this.partialFrameTimeoutMs);
    this.sweepTimer = setInterval(() => this.sweep(), Math.max(20, Math.min(1000, shortest / 4)));
    this.sweepTimer.unref();
  }

  private get idleTimeoutMs(): number {
    return this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  }

  private get partialFrameTimeoutMs(): number {
    return this.options.partialFrameTimeoutMs ?? DEFAULT_PARTIAL_FRAME_TIMEOUT_MS;
  }

  /** Stops reading from every stream connection (and new ones) until resume(). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    for (const c of this.conns.values()) c.sock.pause();
  }

  /** Reading resumes; the time spent paused does not count against any connection's timeouts. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const t = now();
    for (const c of this.conns.values()) {
      c.lastDataAt = t;
      if (c.frameStartedAt !== undefined) c.frameStartedAt = t;
      c.sock.resume();
    }
  }

  async stop(): Promise<void> {
    const servers = [this.tcpServer, this.unixServer].filter((s): s is net.Server => s !== undefined);
    this.tcpServer = this.unixServer = undefined;
    clearInterval(this.sweepTimer);
    for (const c of this.conns.values()) c.sock.end();
    await Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            const t = setTimeout(() => {
              for (const c of this.conns.values()) c.sock.destroy();
              resolve();
            }, STOP_GRACE_MS);
            server.close(() => {
              clearTimeout(t);
              resolve();
            });
          }),
      ),
    );
    for (const c of this.conns.values()) c.sock.destroy();
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
    server.on('error', (err) => this.logger.error(`syslog listener: ${err.message}`));
    return server;
  }

  private accept(sock: net.Socket): void {
    const t = now();
    if (this.conns.size >= (this.options.maxConnections ?? DEFAULT_MAX_CONNECTIONS) && !this.evictFor(t)) {
      this.refusedConnections++;
      this.logLimit(`connection refused: ${this.conns.size} connections open, none idle to evict`);
      sock.on('error', () => undefined);
      sock.destroy();
      return;
    }
    const remote = remoteIp(sock.remoteAddress);
    const conn: Connection = { sock, framer: undefined!, lastDataAt: t, lastMessageAt: t, messages: 0, ended: false };
    conn.framer = new SyslogFramer(
      this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES,
      (b, start, end) => {
        conn.messages++;
        this.handler.onMessage(b, start, end, remote);
      },
      () => this.handler.onOversized(),
    );
    this.conns.set(sock, conn);
    if (this.paused) sock.pause();
    sock.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    sock.on('end', () => {
      conn.ended = true;
      if (conn.framer.end()) this.discarded(1);
      sock.end();
    });
    sock.on('error', () => undefined); // ECONNRESET and friends: the close handler cleans up
    sock.on('close', () => {
      if (!conn.ended && conn.framer.buffered > 0) this.discarded(1); // reset or destroyed mid-message
      conn.framer.discardHeld();
      this.conns.delete(sock);
    });
  }

  private onData(conn: Connection, chunk: Buffer): void {
    const t = now();
    const before = conn.messages;
    conn.lastDataAt = t;
    conn.framer.push(chunk);
    const completed = conn.messages !== before;
    if (completed) conn.lastMessageAt = t;
    if (!conn.framer.inFrame) conn.frameStartedAt = undefined;
    else if (completed || conn.frameStartedAt === undefined) conn.frameStartedAt = t;
  }

  /**
   * Makes room for a newcomer: closes the connection that has gone longest without a complete message,
   * if that is at least evictMinIdleMs. Never while paused (the senders are waiting for us to read).
   */
  private evictFor(t: number): boolean {
    if (this.paused) return false;
    let victim: Connection | undefined;
    for (const c of this.conns.values()) if (!victim || c.lastMessageAt < victim.lastMessageAt) victim = c;
    if (!victim || t - victim.lastMessageAt < (this.options.evictMinIdleMs ?? DEFAULT_EVICT_MIN_IDLE_MS)) return false;
    this.evictedConnections++;
    this.logLimit(`connection limit reached: closing the connection idle longest to accept a new one`);
    this.close(victim);
    return true;
  }

  /** Closes connections past their idle or partial-message timeout (not while paused). */
  private sweep(): void {
    if (this.paused) return;
    const t = now();
    for (const c of [...this.conns.values()]) {
      if (c.frameStartedAt !== undefined && t - c.frameStartedAt > this.partialFrameTimeoutMs) {
        this.partialFrameTimeouts++;
        this.close(c);
      } else if (t - c.lastDataAt > this.idleTimeoutMs) {
        this.idleClosedConnections++;
        this.close(c);
      }
    }
  }

  /** Closes now, counting the partial message it held; it leaves the table at once. */
  private close(c: Connection): void {
    if (c.framer.inFrame && c.framer.buffered > 0) this.discarded(1);
    c.framer.discardHeld();
    c.ended = true;
    this.conns.delete(c.sock);
    c.sock.destroy();
  }

  private discarded(count: number): void {
    this.discardedPartialFrames += count;
    this.handler.onDiscarded?.('incomplete_frame', count);
  }

  private logLimit(text: string): void {
    const t = now();
    if (t - this.limitLoggedAt < LIMIT_LOG_INTERVAL_MS) return;
    this.limitLoggedAt = t;
    this.logger.warn(
      `syslog listener: ${text} (so far: ${this.refusedConnections} refused, ${this.evictedConnections} evicted)`,
    );
  }

  private deliverDatagram(msg: Buffer, address: string): void {
    if (this.paused) {
      this.udpDroppedWhilePaused++;
      this.handler.onDiscarded?.('backpressure', 1);
      return;
    }
    const max = this.options.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    const end = lineEnd(msg, 0, msg.length);
    if (end === 0) return;
    if (end > max) this.handler.onOversized();
    this.handler.onMessage(msg, 0, Math.min(end, max), remoteIp(address));
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
