// The daemon side of the control socket: one request line → one response line per connection. The
// socket itself (0600, in the private run dir) is bound by instance-lock.ts: it is also the instance lock.
import * as net from 'node:net';
import type { Logger } from '../telemetry/index.js';
import { MAX_LINE_BYTES, parseControlRequest, type ControlRequest, type ControlResponse } from './control/protocol.js';

export type ControlHandler = (req: ControlRequest) => Promise<ControlResponse>;

export function createControlServer(handle: ControlHandler, logger: Logger): net.Server {
  return net.createServer((sock) => {
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
}
