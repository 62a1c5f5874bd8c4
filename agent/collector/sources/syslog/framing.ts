// TCP syslog framing (RFC 6587), detected per message: octet counting ("<len> SP <msg>", a frame that
// starts with a digit) or LF-delimited (a frame that starts with anything else, normally "<PRI>").
// A message longer than `maxBytes` is delivered truncated to `maxBytes` and reported as oversized; the
// rest of it is skipped. Memory is bounded: the buffer never holds more than one maxBytes message plus
// one chunk. Never throws on garbage.
const LF = 10;
const SP = 32;
const MAX_LEN_DIGITS = 9;

type Skip = { kind: 'none' } | { kind: 'to-lf' } | { kind: 'bytes'; remaining: number };

export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  private skip: Skip = { kind: 'none' };

  constructor(
    private readonly maxBytes: number,
    private readonly onMessage: (msg: Buffer) => void,
    private readonly onOversized: () => void = () => undefined,
  ) {}

  /** Bytes held for an incomplete message (for tests and back-pressure accounting). */
  get buffered(): number {
    return this.buf.length;
  }

  push(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let pos = 0;
    const b = this.buf;
    while (pos < b.length) {
      if (this.skip.kind === 'to-lf') {
        const nl = b.indexOf(LF, pos);
        if (nl < 0) {
          pos = b.length;
          break;
        }
        pos = nl + 1;
        this.skip = { kind: 'none' };
        continue;
      }
      if (this.skip.kind === 'bytes') {
        const n = Math.min(this.skip.remaining, b.length - pos);
        pos += n;
        this.skip =
          this.skip.remaining === n ? { kind: 'none' } : { kind: 'bytes', remaining: this.skip.remaining - n };
        continue;
      }
      const c = b[pos]!;
      if (c === LF || c === 13 || c === 0) {
        pos++; // stray separators between frames
        continue;
      }
      if (c >= 48 && c <= 57) {
        const r = this.octetCounted(b, pos);
        if (r === 'need-more') break;
        if (r !== 'not-octet') {
          pos = r;
          continue;
        }
      }
      const nl = b.indexOf(LF, pos);
      const end = nl < 0 ? b.length : nl;
      if (end - pos > this.maxBytes) {
        this.onMessage(b.subarray(pos, pos + this.maxBytes));
        this.onOversized();
        if (nl < 0) {
          this.skip = { kind: 'to-lf' };
          pos = b.length;
        } else pos = nl + 1;
        continue;
      }
      if (nl < 0) break;
      this.emitLine(b.subarray(pos, nl));
      pos = nl + 1;
    }
    this.buf = pos >= b.length ? Buffer.alloc(0) : pos === 0 ? b : Buffer.from(b.subarray(pos));
  }

  /** Position after an octet-counted frame at `pos`, 'need-more', or 'not-octet' (treat as LF line). */
  private octetCounted(b: Buffer, pos: number): number | 'need-more' | 'not-octet' {
    let i = pos;
    let len = 0;
    while (i < b.length && i - pos <= MAX_LEN_DIGITS && b[i]! >= 48 && b[i]! <= 57) len = len * 10 + (b[i++]! - 48);
    if (i >= b.length) return i - pos <= MAX_LEN_DIGITS ? 'need-more' : 'not-octet';
    if (b[i] !== SP || i === pos || len === 0) return 'not-octet';
    const start = i + 1;
    if (len > this.maxBytes) {
      if (b.length - start < this.maxBytes) return 'need-more';
      this.onMessage(b.subarray(start, start + this.maxBytes));
      this.onOversized();
      const have = b.length - start;
      if (have >= len) return start + len;
      this.skip = { kind: 'bytes', remaining: len - have };
      return b.length;
    }
    if (b.length - start < len) return 'need-more';
    this.emitLine(b.subarray(start, start + len));
    return start + len;
  }

  private emitLine(line: Buffer): void {
    let end = line.length;
    while (end > 0 && (line[end - 1] === LF || line[end - 1] === 13)) end--;
    if (end > 0) this.onMessage(end === line.length ? line : line.subarray(0, end));
  }

  /** The connection ended: whatever complete-looking data is left is one last message. */
  end(): void {
    if (this.buf.length > 0 && this.skip.kind === 'none') {
      const b = this.buf;
      const digits = /^\d{1,9} /.exec(b.subarray(0, 11).toString('latin1'));
      // A truncated octet-counted frame is not a message; an unterminated LF line is.
      if (!digits) this.emitLine(b.subarray(0, Math.min(b.length, this.maxBytes)));
    }
    this.buf = Buffer.alloc(0);
    this.skip = { kind: 'none' };
  }
}
