// Client side of the control socket, used by the handler, the launcher and tests: one request per
// connection, one answer line, bounded by a timeout. "Not reachable" is a SupervisorUnavailableError.
import * as net from 'node:net';
import {
  MAX_LINE_BYTES,
  type ApplyResult,
  type ControlRequest,
  type ControlResponse,
  type SupervisorStatus,
} from './protocol.js';

export class SupervisorUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SupervisorUnavailableError';
  }
}

/** Margin on top of the collector's apply budget for the supervisor's own work (reading the config, health). */
const APPLY_ANSWER_MARGIN_MS = 5_000;
/** A graceful stop waits for the collector's flush (20 s deadline) before the supervisor answers. */
const STOP_ANSWER_TIMEOUT_MS = 45_000;

export class SupervisorClient {
  constructor(private readonly socketPath: string) {}

  request(req: ControlRequest, timeoutMs = 10_000): Promise<ControlResponse> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.socketPath);
      let buf = '';
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        fn();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(
              new SupervisorUnavailableError(`no answer from the supervisor to "${req.op}" within ${timeoutMs} ms`),
            ),
          ),
        timeoutMs,
      );
      sock.on('connect', () => sock.write(JSON.stringify(req) + '\n'));
      sock.on('data', (d) => {
        buf += d.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl < 0) {
          if (buf.length > MAX_LINE_BYTES)
            settle(() => reject(new SupervisorUnavailableError('the supervisor sent an oversized answer')));
          return;
        }
        settle(() => {
          try {
            resolve(JSON.parse(buf.slice(0, nl)) as ControlResponse);
          } catch {
            reject(new SupervisorUnavailableError('the supervisor sent an unreadable answer'));
          }
        });
      });
      sock.on('close', () =>
        settle(() =>
          reject(new SupervisorUnavailableError(`the supervisor closed the connection without answering "${req.op}"`)),
        ),
      );
      sock.on('error', (err: NodeJS.ErrnoException) =>
        settle(() =>
          reject(
            new SupervisorUnavailableError(
              `supervisor not reachable at ${this.socketPath}: ${err.code ?? err.message}`,
            ),
          ),
        ),
      );
    });
  }

  async ping(timeoutMs = 2000): Promise<{ version: string; pid: number }> {
    const r = await this.request({ op: 'ping' }, timeoutMs);
    if (r.op !== 'pong')
      throw new SupervisorUnavailableError(`unexpected answer to ping: ${r.op === 'error' ? r.message : r.op}`);
    return { version: r.version, pid: r.pid };
  }

  /** Answers when the collector acknowledged (or rejected) that version, or says why not within timeoutMs. */
  async applyConfig(configVersion: number, timeoutMs: number): Promise<ApplyResult> {
    const r = await this.request({ op: 'apply-config', configVersion, timeoutMs }, timeoutMs + APPLY_ANSWER_MARGIN_MS);
    if (r.op === 'error') return { ok: false, hot: false, configVersion, reason: r.message };
    if (r.op !== 'apply-config') throw new SupervisorUnavailableError('unexpected answer to apply-config');
    return r.result;
  }

  async status(timeoutMs = 10_000): Promise<SupervisorStatus> {
    const r = await this.request({ op: 'status' }, timeoutMs);
    if (r.op !== 'status') throw new SupervisorUnavailableError('unexpected answer to status');
    return r.status;
  }

  /** Graceful stop: resolves once the supervisor has stopped the collector and is exiting. */
  async stop(timeoutMs = STOP_ANSWER_TIMEOUT_MS): Promise<void> {
    const r = await this.request({ op: 'stop' }, timeoutMs);
    if (r.op !== 'stop') throw new SupervisorUnavailableError('unexpected answer to stop');
  }
}
