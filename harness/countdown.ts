// The main job's wait, shown on stderr: "collecting data: N s left — Ctrl-C to stop early", an updating ora
// line on a terminal, otherwise (logs, CI, pipes) a plain line every 10 s, so a first run is never silent.
import ora, { type Ora } from 'ora';

export class Countdown {
  private spinner?: Ora;
  private lastLine = -Infinity;

  constructor(
    private readonly until: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly lineEveryMs = 10_000,
  ) {}

  tick(now = Date.now()): void {
    const left = Math.max(0, Math.ceil((this.until - now) / 1000));
    const text = `collecting data: ${left} s left — Ctrl-C to stop early`;
    if (this.stream.isTTY) {
      if (this.spinner) this.spinner.text = text;
      else this.spinner = ora({ text, stream: this.stream, discardStdin: false, isEnabled: true }).start();
      return;
    }
    if (now - this.lastLine < this.lineEveryMs) return;
    this.lastLine = now;
    this.stream.write(`${text}\n`);
  }

  stop(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }
}
