// A one-line spinner on stderr for long waits (ora), only when stderr is a terminal, so logs and piped
// output carry no control codes.
import ora, { type Ora } from 'ora';

export class Spinner {
  private readonly started = Date.now();
  private ora?: Ora;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  /** Shows the spinner (first call) and the seconds waited so far. */
  tick(): void {
    const text = `${this.label} (${Math.round((Date.now() - this.started) / 1000)} s)`;
    if (this.ora) this.ora.text = text;
    else if (this.stream.isTTY)
      this.ora = ora({ text, stream: this.stream, discardStdin: false, isEnabled: true }).start();
  }

  clear(): void {
    this.ora?.stop();
    this.ora = undefined;
  }
}
