// TCP syslog framing (RFC 6587), detected per message: octet counting ("<len> SP <msg>", a frame that
// starts with a digit) or LF-delimited (a frame that starts with anything else, normally "<PRI>").
// A message longer than `maxBytes` is delivered truncated to `maxBytes` and reported as oversized; the
// rest of it is skipped. Linear work: an incomplete frame is held as a list of chunks (each byte copied
// once when held) and joined once, when a chunk can complete it — a peer trickling bytes costs O(n), not
// O(n²). Memory is bounded: at most one maxBytes message plus one chunk. Never throws on garbage.
// Messages are handed over as (buffer, start, end), not as a view per message (a Buffer view is ~90 B of
// garbage and a constructor call a message: docs/performance.md): the bytes are valid only during the call.
const LF = 10;
const SP = 32;
const MAX_LEN_DIGITS = 9;

type Skip = { kind: 'none' } | { kind: 'to-lf' } | { kind: 'bytes'; remaining: number };
/** An octet-counting header at a frame start: complete, still arriving, or not one (an LF line then). */
type OctetHeader = { kind: 'octet'; start: number; len: number } | { kind: 'need-more' } | { kind: 'not-octet' };
/** What the held bytes (which start a frame) wait for: how many bytes in all complete or cut it. */
type Waiting = { kind: 'lf' } | { kind: 'bytes'; total: number } | { kind: 'header' };

export class SyslogFramer {
  /** The incomplete frame: copies of the unconsumed chunk tails, in order. */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private waiting: Waiting = { kind: 'header' };
  private skip: Skip = { kind: 'none' };
  /** Bytes copied so far (holding tails, joining them): the framer's work, linear in its input. */
  bytesCopied = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onMessage: (b: Buffer, start: number, end: number) => void,
    private readonly onOversized: () => void = () => undefined,
  ) {}

  /** Bytes held for an incomplete message (for tests and back-pressure accounting). */
  get buffered(): number {
    return this.heldBytes;
  }

  /** True while a message has begun and not ended (held bytes, or the rest of an oversized one to skip). */
  get inFrame(): boolean {
    return this.heldBytes > 0 || this.skip.kind !== 'none';
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    let b = chunk;
    if (this.heldBytes > 0) {
      if (this.cannotComplete(chunk)) {
        this.hold(chunk);
        return;
      }
      b = this.join(chunk);
    }
    const pos = this.scan(b);
    if (pos < b.length) this.holdTail(b, pos);
  }

  /** True when `chunk` cannot end (or cut) the held frame, so it is only appended. */
  private cannotComplete(chunk: Buffer): boolean {
    const total = this.heldBytes + chunk.length;
    switch (this.waiting.kind) {
      case 'lf':
        return total <= this.maxBytes && chunk.indexOf(LF) < 0;
      case 'bytes':
        return total < this.waiting.total;
      default:
        return false; // an octet-counting header still arriving: at most 10 bytes held, join them
    }
  }

  private hold(chunk: Buffer): void {
    this.held.push(Buffer.from(chunk)); // a copy: the socket's buffer is not pinned
    this.heldBytes += chunk.length;
    this.bytesCopied += chunk.length;
  }

  private join(chunk: Buffer): Buffer {
    const b = Buffer.concat([...this.held, chunk], this.heldBytes + chunk.length);
    this.bytesCopied += b.length;
    this.held = [];
    this.heldBytes = 0;
    return b;
  }

  /** Keeps b[pos..] (a frame start) and notes what it waits for. */
  private holdTail(b: Buffer, pos: number): void {
    this.hold(b.subarray(pos));
    const h = peekOctet(b, pos);
    if (h.kind === 'need-more') this.waiting = { kind: 'header' };
    else if (h.kind === 'not-octet') this.waiting = { kind: 'lf' };
    else {
      const start = h.start - pos;
      this.waiting = { kind: 'bytes', total: start + Math.min(h.len, this.maxBytes) };
    }
  }

  /** Consumes every complete frame of `b`; returns where the incomplete rest begins (b.length: none). */
  private scan(b: Buffer): number {
    let pos = 0;
    while (pos < b.length) {
      if (this.skip.kind === 'to-lf') {
        const nl = b.indexOf(LF, pos);
        if (nl < 0) return b.length;
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
        if (r === 'need-more') return pos;
        if (r !== 'not-octet') {
          pos = r;
          continue;
        }
      }
      const nl = b.indexOf(LF, pos);
      const end = nl < 0 ? b.length : nl;
      if (end - pos > this.maxBytes) {
        this.onMessage(b, pos, pos + this.maxBytes);
        this.onOversized();
        if (nl < 0) {
          this.skip = { kind: 'to-lf' };
          return b.length;
        }
        pos = nl + 1;
        continue;
      }
      if (nl < 0) return pos;
      this.emitLine(b, pos, nl);
      pos = nl + 1;
    }
    return pos;
  }

  /** Position after an octet-counted frame at `pos`, 'need-more', or 'not-octet' (treat as LF line). */
  private octetCounted(b: Buffer, pos: number): number | 'need-more' | 'not-octet' {
    const h = peekOctet(b, pos);
    if (h.kind !== 'octet') return h.kind;
    const { start, len } = h;
    if (len > this.maxBytes) {
      if (b.length - start < this.maxBytes) return 'need-more';
      this.onMessage(b, start, start + this.maxBytes);
      this.onOversized();
      const have = b.length - start;
      if (have >= len) return start + len;
      this.skip = { kind: 'bytes', remaining: len - have };
      return b.length;
    }
    if (b.length - start < len) return 'need-more';
    this.emitLine(b, start, start + len);
    return start + len;
  }

  /** b[start..end) without its trailing LF / CR, unless nothing is left. */
  private emitLine(b: Buffer, start: number, end: number): void {
    end = lineEnd(b, start, end);
    if (end > start) this.onMessage(b, start, end);
  }

  /**
   * The connection ended: an unterminated LF line is one last message; a truncated octet-counted frame is
   * not a message (returns true then: the caller counts it as discarded).
   */
  end(): boolean {
    let discarded = false;
    if (this.heldBytes > 0 && this.skip.kind === 'none') {
      const b = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held, this.heldBytes);
      if (this.waiting.kind === 'bytes') discarded = true;
      else this.emitLine(b, 0, Math.min(b.length, this.maxBytes));
    }
    this.discardHeld();
    this.skip = { kind: 'none' };
    return discarded;
  }

  /** Forgets the held partial frame (a timed-out connection). */
  discardHeld(): void {
    this.held = [];
    this.heldBytes = 0;
    this.waiting = { kind: 'header' };
  }
}

/** Where b[start..end) ends without its trailing LF / CR characters (start when nothing else is left). */
export function lineEnd(b: Buffer, start: number, end: number): number {
  while (end > start && (b[end - 1] === LF || b[end - 1] === 13)) end--;
  return end;
}

/** The octet-counting header at `pos` (1–10 digits, then SP; a zero length is not one). */
function peekOctet(b: Buffer, pos: number): OctetHeader {
  let i = pos;
  let len = 0;
  while (i < b.length && i - pos <= MAX_LEN_DIGITS && b[i]! >= 48 && b[i]! <= 57) len = len * 10 + (b[i++]! - 48);
  if (i >= b.length) return i - pos <= MAX_LEN_DIGITS ? { kind: 'need-more' } : { kind: 'not-octet' };
  if (b[i] !== SP || i === pos || len === 0) return { kind: 'not-octet' };
  return { kind: 'octet', start: i + 1, len };
}
