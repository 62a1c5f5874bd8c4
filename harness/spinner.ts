// A one-line spinner on stderr for long waits, only when stderr is a terminal (no noise in logs or CI).
const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

export class Spinner {
  private i = 0;
  private shown = false;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(): void {
    if (!this.stream.isTTY) return;
    this.shown = true;
    this.stream.write(
      `\r${FRAMES[this.i++ % FRAMES.length]} ${this.label} (${Math.round((Date.now() - this.started) / 1000)} s)`,
    );
  }

  clear(): void {
    if (this.shown) this.stream.write('\r\u001b[2K');
    this.shown = false;
  }
}
