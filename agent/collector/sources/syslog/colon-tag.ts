// The RFC 3164 `tag:` / `tag[pid]:` at the start of a message body (rfc3164.ts), read by position for
// ASCII text: what COLON_TAG below matches, without the regex's match array and substrings (the tag read
// was the largest allocation of an RFC 3164 parse after the line itself: docs/performance.md). Text
// where a non-ASCII character decides the answer (`\s` has Unicode members) takes the regex itself, so
// the answer is always the regex's.

/** `tag:` / `tag[pid]:` — the tag runs to the first `[`, `:` or whitespace (rsyslog's rule). */
export const COLON_TAG = /^([^\s:[\]]{1,128})(?:\[([^\]\s]{0,32})\])?: ?/;
const MAX_TAG = 128;
const MAX_PID = 32;

/** Where the match lies in the string read last; ONE object, overwritten by every readColonTag call. */
export interface ColonTag {
  /** The tag is [0, tagEnd). */
  tagEnd: number;
  /** The text between `[` and `]`, [pidStart, pidEnd); both -1 when there is no `[…]`. */
  pidStart: number;
  pidEnd: number;
  /** Length of the whole match: `tag[pid]:` and the one optional space after it. */
  end: number;
}

const found: ColonTag = { tagEnd: 0, pidStart: -1, pidEnd: -1, end: 0 };

/** COLON_TAG.exec(s) as positions (valid until the next call), or undefined when it does not match. */
export function readColonTag(s: string): Readonly<ColonTag> | undefined {
  const r = scan(s);
  if (r !== UNDECIDED) return r === MATCH ? found : undefined;
  const m = COLON_TAG.exec(s);
  if (!m) return undefined;
  found.tagEnd = m[1]!.length;
  found.pidStart = m[2] === undefined ? -1 : found.tagEnd + 1;
  found.pidEnd = m[2] === undefined ? -1 : found.pidStart + m[2].length;
  found.end = m[0].length;
  return found;
}

const NO_MATCH = 0;
const MATCH = 1;
const UNDECIDED = 2;

/** ASCII whitespace as `\s` has it: tab, LF, VT, FF, CR, space. */
const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

function scan(s: string): number {
  const n = s.length;
  let i = 0;
  for (; i < n && i <= MAX_TAG; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return UNDECIDED;
    if (c === 58 || c === 91 || c === 93 || isSpace(c)) break; // : [ ]
  }
  // No tag, or a run of tag characters longer than the regex takes: a shorter tag is followed by a tag
  // character, never by the `[` or `:` the regex needs next.
  if (i === 0 || i > MAX_TAG) return NO_MATCH;
  found.tagEnd = i;
  found.pidStart = found.pidEnd = -1;
  if (s.charCodeAt(i) === 91) {
    // [pid]: up to 32 characters that are neither `]` nor whitespace, then `]`; when that fails the
    // regex has no other way to match (the tag cannot end anywhere else).
    const start = i + 1;
    let j = start;
    for (; j < n && j - start <= MAX_PID; j++) {
      const c = s.charCodeAt(j);
      if (c >= 0x80) return UNDECIDED;
      if (c === 93 || isSpace(c)) break;
    }
    if (j - start > MAX_PID || s.charCodeAt(j) !== 93) return NO_MATCH;
    found.pidStart = start;
    found.pidEnd = j;
    i = j + 1;
  }
  if (s.charCodeAt(i) !== 58) return NO_MATCH;
  i++;
  if (s.charCodeAt(i) === 32) i++;
  found.end = i;
  return MATCH;
}
