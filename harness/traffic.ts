// While the main job runs: feed every default stream (text-log lines, syslog over TCP to the local
// listener) and watch the file destination until each stream has records.
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';

export class TrafficGenerator {
  private timer?: NodeJS.Timeout;
  private n = 0;

  constructor(
    private readonly root: string,
    private readonly syslogPort: number,
  ) {}

  start(): void {
    void fs.mkdir(path.join(this.root, 'var/log/harness-app'), { recursive: true });
    this.timer = setInterval(() => void this.tick(), 1000);
  }

  private async tick(): Promise<void> {
    this.n++;
    const stamp = new Date().toISOString();
    await fs
      .appendFile(
        path.join(this.root, 'var/log/harness-app/app.log'),
        `${stamp} INFO harness request ${this.n} served in ${(this.n * 7) % 50} ms\n`,
      )
      .catch(() => undefined);
    if (this.n % 2 === 0) {
      const sock = net.connect(this.syslogPort, '127.0.0.1');
      sock.on('error', () => undefined);
      sock.end(
        `<${16 * 8 + 4}>${new Date().toUTCString().slice(8, 11)} ${String(new Date().getDate()).padStart(2)} ${new Date().toTimeString().slice(0, 8)} harness-host harness-app[${process.pid}]: syslog message ${this.n} from the harness\n`,
      );
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** Records per stream found in <root>/var/opt/open-ama/out/<destination>.<stream>.jsonl. */
export async function outputSamples(
  root: string,
  perStream = 2,
): Promise<Map<string, { count: number; sample: string[]; file: string }>> {
  const dir = path.join(root, 'var/opt/open-ama/out');
  const out = new Map<string, { count: number; sample: string[]; file: string }>();
  for (const name of await fs.readdir(dir).catch(() => [] as string[])) {
    const m = /^[^.]+\.(.+)\.jsonl$/.exec(name);
    if (!m) continue;
    const lines = (await fs.readFile(path.join(dir, name), 'utf8')).split('\n').filter(Boolean);
    out.set(m[1]!, { count: lines.length, sample: lines.slice(-perStream), file: path.join(dir, name) });
  }
  return out;
}
