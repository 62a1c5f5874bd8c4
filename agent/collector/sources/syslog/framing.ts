// TCP syslog framing (RFC 6587): octet-counted ("<len> <msg>") and LF-delimited, detected per message.
// Lines longer than `maxLine` are truncated and reported; the buffer never grows past that bound.
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  private skipping = false;

  constructor(
    private readonly maxLine: number,
    private readonly onMessage: (msg: string) => void,
    private readonly onOversized: () => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    for (;;) {
      if (this.buf.length === 0) return;
      if (this.skipping) {
        const nl = this.buf.indexOf(10);
        if (nl < 0) {
          this.buf = Buffer.alloc(0);
          return;
        }
        this.buf = this.buf.subarray(nl + 1);
        this.skipping = false;
        continue;
      }
      const octet = /^(\d{1,7}) /.exec(this.buf.subarray(0, 9).toString('latin1'));
      if (octet && this.buf[0] !== 60 /* '<' */) {
        const len = Number(octet[1]);
        const start = octet[0].length;
        if (len > this.maxLine) {
          if (this.buf.length < start + len) {
            if (this.buf.length > start + this.maxLine) {
              this.onMessage(this.buf.subarray(start, start + this.maxLine).toString('utf8'));
              this.onOversized();
              this.buf = Buffer.alloc(0);
              this.skipping = false;
            }
            return;
          }
          this.onMessage(this.buf.subarray(start, start + this.maxLine).toString('utf8'));
          this.onOversized();
          this.buf = this.buf.subarray(start + len);
          continue;
        }
        if (this.buf.length < start + len) return;
        this.onMessage(this.buf.subarray(start, start + len).toString('utf8').replace(/\n$/, ''));
        this.buf = this.buf.subarray(start + len);
        continue;
      }
      const nl = this.buf.indexOf(10);
      if (nl < 0) {
        if (this.buf.length > this.maxLine) {
          this.onMessage(this.buf.subarray(0, this.maxLine).toString('utf8'));
          this.onOversized();
          this.buf = Buffer.alloc(0);
          this.skipping = true;
        }
        return;
      }
      const line = this.buf.subarray(0, Math.min(nl, this.maxLine)).toString('utf8').replace(/\r$/, '');
      if (nl > this.maxLine) this.onOversized();
      this.buf = this.buf.subarray(nl + 1);
      if (line.length > 0) this.onMessage(line);
    }
  }

  /** A connection closed: whatever is left is one last message. */
  end(): void {
    if (this.buf.length > 0 && !this.skipping) this.onMessage(this.buf.subarray(0, this.maxLine).toString('utf8').replace(/\r?\n?$/, ''));
    this.buf = Buffer.alloc(0);
  }
}
