// Line splitting: the bytes read from a file → complete lines with their file offsets. A UTF-8 BOM at offset
// 0 is not part of the first line; the unterminated rest waits in `partial` for the next read; a line longer
// than MAX_RECORD_BYTES keeps its first MAX_RECORD_BYTES bytes and the rest up to its newline is skipped.
// Decoding: invalid UTF-8 becomes U+FFFD (counted), a line's trailing CR is dropped.

export const MAX_RECORD_BYTES = 64 * 1024;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const REPLACEMENT = Buffer.from('\uFFFD');

export interface Line {
  bytes: Buffer;
  /** File offsets of the line's first byte and of the byte after its newline. */
  start: number;
  end: number;
}

/** Per-file splitting state between two reads. */
export interface SplitState {
  partial: Buffer;
  /** Set while skipping the rest of a line longer than MAX_RECORD_BYTES (its head is in `partial`). */
  skipping?: { start: number };
}

/** The complete lines in `data`, read at file offset `readStart`; updates the state with what is left. */
export function splitLines(s: SplitState, chunk: Buffer, readStart: number): Line[] {
  let data = chunk;
  const lines: Line[] = [];
  let chunkStart: number;
  if (s.skipping) {
    // Inside a line longer than MAX_RECORD_BYTES: its first bytes are kept in s.partial, the rest is skipped.
    const nl = data.indexOf(10);
    if (nl < 0) return lines;
    lines.push({ bytes: s.partial, start: s.skipping.start, end: readStart + nl + 1 });
    s.partial = Buffer.alloc(0);
    s.skipping = undefined;
    data = data.subarray(nl + 1);
    chunkStart = readStart + nl + 1;
  } else {
    chunkStart = readStart - s.partial.length;
    data = s.partial.length > 0 ? Buffer.concat([s.partial, data]) : data;
    s.partial = Buffer.alloc(0);
  }
  if (chunkStart === 0 && data.length >= BOM.length && data.subarray(0, BOM.length).equals(BOM)) {
    // UTF-8 byte order mark: not part of the first record (positions stay file offsets).
    data = data.subarray(BOM.length);
    chunkStart = BOM.length;
  } else if (chunkStart === 0 && data.length < BOM.length && BOM.subarray(0, data.length).equals(data)) {
    s.partial = Buffer.from(data); // maybe the start of a BOM: wait for more
    return lines;
  }
  let pos = 0;
  for (;;) {
    const nl = data.indexOf(10, pos);
    if (nl < 0) break;
    lines.push({ bytes: data.subarray(pos, nl), start: chunkStart + pos, end: chunkStart + nl + 1 });
    pos = nl + 1;
  }
  const rest = data.subarray(pos);
  if (rest.length > MAX_RECORD_BYTES) {
    s.partial = Buffer.from(rest.subarray(0, MAX_RECORD_BYTES));
    s.skipping = { start: chunkStart + pos };
  } else s.partial = Buffer.from(rest);
  return lines;
}

/** Whether the unterminated rest is only the first bytes of a BOM at the start of the file (not a line). */
export function isBomPrefix(partial: Buffer, offset: number): boolean {
  return offset === partial.length && partial.length < BOM.length && BOM.subarray(0, partial.length).equals(partial);
}

/** UTF-8 decoding with U+FFFD for invalid sequences; `replaced` does not count U+FFFD present in the file. */
export function decodeUtf8(bytes: Buffer): { text: string; replaced: number } {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return { text, replaced: 0 };
  const inText = text.split('\uFFFD').length - 1;
  let inFile = 0;
  for (let i = bytes.indexOf(REPLACEMENT); i >= 0; i = bytes.indexOf(REPLACEMENT, i + REPLACEMENT.length)) inFile++;
  return { text, replaced: inText - inFile };
}

/** At most `max` bytes of UTF-8, never splitting a character. */
export function clipUtf8(text: string, max: number): string {
  const b = Buffer.from(text).subarray(0, max + 1);
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return b.subarray(0, end).toString('utf8');
}
