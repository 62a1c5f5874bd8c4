// Tokenizer for the agent-side KQL subset. Every token carries its offset so parse errors can point
// at the exact column of the transformKql text. Linear in the text: sticky regexes match in place
// (no slice of the rest per token) and strings are cut in chunks between escapes. A character the
// subset has no use for (`:`, `;`, `{`, …) becomes an 'other' token, so the text can still be cut at
// its top-level pipes and the operators before it run on the agent (docs/dcr-support.md).

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'other' | 'eof';

export interface Token {
  kind: TokenKind;
  value: string;
  pos: number;
}

export class KqlSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} at column ${pos + 1}`);
    this.name = 'KqlSyntaxError';
  }
}

const OPERATORS = ['==', '!=', '<=', '>=', '=~', '!~', '<', '>', '=', '+', '-', '*', '/', '%'];
const PUNCT = new Set(['|', '(', ')', ',', '.', '[', ']']);
const SPACE = /\s+/y;
const NUMBER = /[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$-]*/y;
const NEGATED = /!(?:has|contains|startswith|endswith|in)\b/y;
const HYPHENATED_KEYWORDS = new Set(['project-away', 'project-rename', 'project-keep']);

function stickyMatch(re: RegExp, text: string, at: number): string | undefined {
  re.lastIndex = at;
  return re.exec(text)?.[0];
}

/** A quoted string with backslash escapes starting at `start` (the quote): its value and the offset after it. */
function quoted(text: string, start: number): { value: string; end: number } {
  const q = text[start]!;
  const chunks: string[] = [];
  let from = start + 1;
  // Each search result is reused until `from` passes it: every character is scanned once per search.
  let close = -1;
  let esc = -1;
  for (;;) {
    if (close < from) close = text.indexOf(q, from);
    if (esc !== Infinity && esc < from) esc = text.indexOf('\\', from);
    if (esc < 0) esc = Infinity;
    if (close < 0) throw new KqlSyntaxError('unterminated string', start);
    if (esc > close) {
      chunks.push(text.slice(from, close));
      return { value: chunks.join(''), end: close + 1 };
    }
    chunks.push(text.slice(from, esc));
    if (esc + 1 >= text.length) throw new KqlSyntaxError('unterminated string', start);
    const n = text[esc + 1]!;
    chunks.push(n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n);
    from = esc + 2;
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const space = stickyMatch(SPACE, text, i);
    if (space) {
      i += space.length;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = quoted(text, i);
      tokens.push({ kind: 'string', value, pos: i });
      i = end;
      continue;
    }
    if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) {
      const end = text.indexOf(text[i + 1]!, i + 2);
      if (end < 0) throw new KqlSyntaxError('unterminated verbatim string', i);
      tokens.push({ kind: 'string', value: text.slice(i + 2, end), pos: i });
      i = end + 1;
      continue;
    }
    const num = stickyMatch(NUMBER, text, i);
    if (num) {
      tokens.push({ kind: 'number', value: num, pos: i });
      i += num.length;
      continue;
    }
    const word = stickyMatch(WORD, text, i);
    if (word) {
      // "project-away" is one keyword; otherwise a '-' inside an identifier is a minus sign.
      const w = word.includes('-') && !HYPHENATED_KEYWORDS.has(word) ? word.slice(0, word.indexOf('-')) : word;
      tokens.push({ kind: 'ident', value: w, pos: i });
      i += w.length;
      continue;
    }
    const negated = c === '!' ? stickyMatch(NEGATED, text, i) : undefined;
    if (negated) {
      tokens.push({ kind: 'op', value: negated, pos: i });
      i += negated.length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, pos: i });
      i += op.length;
      continue;
    }
    tokens.push({ kind: PUNCT.has(c) ? 'punct' : 'other', value: c, pos: i });
    i++;
  }
  tokens.push({ kind: 'eof', value: '', pos: text.length });
  return tokens;
}
