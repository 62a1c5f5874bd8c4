// Client side of the control socket, used by the handler (and tests): one request per connection.
import * as net from 'node:net';
import type { ApplyResult, ControlRequest, ControlResponse, SupervisorStatus } from './protocol.js';

export class SupervisorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupervisorUnavailableError';
  }
}

export class SupervisorClient {
  constructor(private readonly socketPath: string) {}

  request(req: ControlRequest, timeoutMs = 10_000): Promise<ControlResponse> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.socketPath);
      let buf = '';
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new SupervisorUnavailableError(`no answer from the supervisor within ${timeoutMs} ms`));
      }, timeoutMs);
      sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
      sock.on('data', (d) => {
        buf += d.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl >= 0) {
          clearTimeout(timer);
          sock.end();
          try {
            resolve(JSON.parse(buf.slice(0, nl)) as ControlResponse);
          } catch {
            reject(new SupervisorUnavailableError('the supervisor sent an unreadable answer'));
          }
        }
      });
      sock.on('error', (err) => {
        clearTimeout(timer);
        reject(new SupervisorUnavailableError(`supervisor not reachable at ${this.socketPath}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      });
    });
  }

  async ping(timeoutMs = 2000): Promise<{ version: string; pid: number }> {
    const r = await this.request({ op: 'ping' }, timeoutMs);
    if (r.op !== 'pong') throw new SupervisorUnavailableError('unexpected answer to ping');
    return r;
  }

  async applyConfig(configVersion: number, timeoutMs: number): Promise<ApplyResult> {
    const r = await this.request({ op: 'apply-config', configVersion, timeoutMs }, timeoutMs + 5_000);
    if (r.op === 'error') return { ok: false, hot: false, configVersion, reason: r.message };
    if (r.op !== 'apply-config') throw new SupervisorUnavailableError('unexpected answer to apply-config');
    return r.result;
  }

  async status(): Promise<SupervisorStatus> {
    const r = await this.request({ op: 'status' });
    if (r.op !== 'status') throw new SupervisorUnavailableError('unexpected answer to status');
    return r.status;
  }

  async stop(): Promise<void> {
    await this.request({ op: 'stop' });
  }
}
