// The daemon side of the control socket: a unix socket created with mode 0600 (umask around listen, so
// it is never reachable by others even briefly), one request line → one response line per connection.
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import type { Logger } from '../telemetry/index.js';
import { MAX_LINE_BYTES, parseControlRequest, type ControlRequest, type ControlResponse } from './control/protocol.js';

export type ControlHandler = (req: ControlRequest) => Promise<ControlResponse>;

export async function startControlServer(
  socketPath: string,
  handle: ControlHandler,
  logger: Logger,
): Promise<net.Server> {
  await fs.rm(socketPath, { force: true }); // a stale socket of a dead supervisor (we hold the instance lock)
  const server = net.createServer((sock) => {
    let buf = '';
    let answered = false;
    const answer = (res: ControlResponse): void => {
      if (answered) return;
      answered = true;
      sock.end(JSON.stringify(res) + '\n');
    };
    sock.on('data', (d) => {
      if (answered) return;
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) {
        if (buf.length > MAX_LINE_BYTES)
          answer({ op: 'error', message: `request longer than ${MAX_LINE_BYTES} bytes` });
        return;
      }
      const req = parseControlRequest(buf.slice(0, nl));
      if ('error' in req) {
        answer({ op: 'error', message: req.error });
        return;
      }
      handle(req).then(answer, (err: Error) => {
        logger.warn(`control request ${req.op} failed: ${err.message}`);
        answer({ op: 'error', message: err.message });
      });
    });
    sock.on('error', () => undefined);
  });
  const oldMask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  } finally {
    process.umask(oldMask);
  }
  await fs.chmod(socketPath, 0o600);
  return server;
}
