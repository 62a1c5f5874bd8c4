// Tokenizer for the agent-side KQL subset. Every token carries its offset so parse errors can point
// at the exact column of the transformKql text.

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'punct' | 'eof';

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
const PUNCT = ['|', '(', ')', ',', '.', '[', ']'];

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const start = i++;
      let value = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\' && i + 1 < text.length) {
          const n = text[i + 1]!;
          value += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
          i += 2;
        } else value += text[i++];
      }
      if (i >= text.length) throw new KqlSyntaxError('unterminated string', start);
      i++;
      tokens.push({ kind: 'string', value, pos: start });
      continue;
    }
    if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) {
      const q = text[i + 1]!;
      const start = i;
      i += 2;
      const end = text.indexOf(q, i);
      if (end < 0) throw new KqlSyntaxError('unterminated verbatim string', start);
      tokens.push({ kind: 'string', value: text.slice(i, end), pos: start });
      i = end + 1;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(text.slice(i))!;
      tokens.push({ kind: 'number', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$-]*/.exec(text.slice(i))!;
      // "project-away" is one keyword; otherwise a '-' inside an identifier is a minus sign.
      let word = m[0];
      if (word.includes('-') && !/^(project-away|project-rename|project-keep|!has|!contains)$/.test(word))
        word = word.slice(0, word.indexOf('-'));
      tokens.push({ kind: 'ident', value: word, pos: i });
      i += word.length;
      continue;
    }
    if (c === '!' && /^!(has|contains|startswith|endswith|in)\b/.test(text.slice(i))) {
      const m = /^!(has|contains|startswith|endswith|in)/.exec(text.slice(i))!;
      tokens.push({ kind: 'op', value: m[0], pos: i });
      i += m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, pos: i });
      i += op.length;
      continue;
    }
    if (PUNCT.includes(c)) {
      tokens.push({ kind: 'punct', value: c, pos: i });
      i++;
      continue;
    }
    throw new KqlSyntaxError(`unexpected character ${JSON.stringify(c)}`, i);
  }
  tokens.push({ kind: 'eof', value: '', pos: text.length });
  return tokens;
}
