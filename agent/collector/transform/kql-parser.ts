// Parser for the agent-side KQL subset: `source | where … | project … | project-away … |
// project-rename … | extend …` with comparisons, and/or/not, has/contains/startswith/endswith (and
// their negations), in/!in, `matches regex`, arithmetic, member access on dynamic values and a set of
// scalar functions. Anything else throws KqlUnsupportedError (left to the service) or KqlSyntaxError
// with the column. parseKqlPrefix parses operator by operator between top-level pipes and stops at the
// first one outside the subset, so the operators before it can still run on the agent. Regex patterns
// must be literals and are compiled here, once (kql-regex.ts). Nesting and expression depth are bounded
// (MAX_NESTING, MAX_EXPR_DEPTH) so neither this recursive-descent parser nor the evaluator overflows.
import { KqlSyntaxError, tokenize, type Token } from './kql-lexer.js';
import { compileRegex, type CompiledRegex } from './kql-regex.js';
import { COMPARISONS, REGEX_FUNCTIONS, SUPPORTED_FUNCTIONS } from './kql-vocabulary.js';

export type Expr =
  | { t: 'lit'; v: unknown }
  | { t: 'col'; name: string }
  | { t: 'member'; obj: Expr; key: Expr }
  | { t: 'call'; fn: string; args: Expr[]; pos: number; re?: CompiledRegex }
  | { t: 'unary'; op: '-' | 'not'; e: Expr }
  | { t: 'bin'; op: string; l: Expr; r: Expr }
  | { t: 'in'; negate: boolean; e: Expr; list: Expr[] };

export type Operator =
  | { op: 'where'; pred: Expr }
  | { op: 'project'; items: { name: string; e: Expr }[] }
  | { op: 'project-away'; names: string[] }
  | { op: 'project-rename'; pairs: { to: string; from: string }[] }
  | { op: 'extend'; items: { name: string; e: Expr }[] };

export class KqlUnsupportedError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(`${message} at column ${pos + 1}`);
    this.name = 'KqlUnsupportedError';
  }
}

/** Brackets, calls and unary operators nested deeper than this are left to the service. */
export const MAX_NESTING = 100;
/** Expression trees deeper than this (e.g. `a + a + …` chains) are left to the service. */
export const MAX_EXPR_DEPTH = 1000;

/** Operators before the first one outside the subset, and where and why parsing stopped. */
export interface ParsedPrefix {
  ops: Operator[];
  stop?: { /** Offset of the `|` before the operator that stopped parsing. */ pipe: number; error: Error };
}

/**
 * Parses operator by operator. Throws (KqlSyntaxError / KqlUnsupportedError) only when not even the
 * head can be read: a broken string, no leading `source`.
 */
export function parseKqlPrefix(text: string): ParsedPrefix {
  const toks = tokenize(text);
  const first = toks[0]!;
  if (first.kind !== 'ident' || first.value !== 'source')
    throw new KqlUnsupportedError(
      `a transform must start with "source", found ${first.kind === 'eof' ? 'nothing' : `"${first.value}"`}`,
      first.pos,
    );
  // Top-level pipes (not inside brackets) separate the operators.
  const pipes: number[] = [];
  let depth = 0;
  for (let i = 1; i < toks.length; i++) {
    const v = toks[i]!.value;
    if (toks[i]!.kind === 'string') continue;
    if (v === '(' || v === '[' || v === '{') depth++;
    else if ((v === ')' || v === ']' || v === '}') && depth > 0) depth--;
    else if (v === '|' && toks[i]!.kind === 'punct' && depth === 0) pipes.push(i);
  }
  if (toks[1]!.kind !== 'eof' && pipes[0] !== 1)
    throw new KqlSyntaxError(`unexpected ${JSON.stringify(toks[1]!.value)}`, toks[1]!.pos);
  const ops: Operator[] = [];
  for (const [n, p] of pipes.entries()) {
    const end = pipes[n + 1] ?? toks.length - 1;
    const segment = [...toks.slice(p + 1, end), { kind: 'eof' as const, value: '', pos: toks[end]!.pos }];
    try {
      const op = new Parser(segment).operatorToEnd();
      const exprs =
        op.op === 'where' ? [op.pred] : op.op === 'project' || op.op === 'extend' ? op.items.map((i) => i.e) : [];
      for (const e of exprs) checkDepth(e);
      ops.push(op);
    } catch (err) {
      if (err instanceof KqlSyntaxError || err instanceof KqlUnsupportedError)
        return { ops, stop: { pipe: toks[p]!.pos, error: err } };
      throw err;
    }
  }
  return { ops };
}

/** The whole transform, or the first error. */
export function parseKql(text: string): Operator[] {
  const parsed = parseKqlPrefix(text);
  if (parsed.stop) throw parsed.stop.error;
  return parsed.ops;
}

/** Iterative (the point is not to recurse): throws when the tree is deeper than MAX_EXPR_DEPTH. */
function checkDepth(root: Expr): void {
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > MAX_EXPR_DEPTH)
      throw new KqlUnsupportedError(
        `an expression nested deeper than ${MAX_EXPR_DEPTH} levels is not supported on the agent`,
        0,
      );
    const children =
      e.t === 'member'
        ? [e.obj, e.key]
        : e.t === 'call'
          ? e.args
          : e.t === 'unary'
            ? [e.e]
            : e.t === 'bin'
              ? [e.l, e.r]
              : e.t === 'in'
                ? [e.e, ...e.list]
                : [];
    for (const c of children) stack.push([c, d + 1]);
  }
}

class Parser {
  private i = 0;
  private depth = 0;
  constructor(private readonly toks: Token[]) {}

  /** Runs a recursive step one nesting level deeper, refusing past MAX_NESTING. */
  private nested<T>(step: () => T): T {
    if (this.depth >= MAX_NESTING) {
      throw new KqlUnsupportedError(
        `nesting deeper than ${MAX_NESTING} levels (brackets, calls, unary operators) is not supported on the agent`,
        this.peek().pos,
      );
    }
    this.depth++;
    try {
      return step();
    } finally {
      this.depth--;
    }
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }
  private next(): Token {
    return this.toks[this.i++]!;
  }
  private is(kind: Token['kind'], value?: string): boolean {
    const t = this.peek();
    return t.kind === kind && (value === undefined || t.value === value);
  }
  private expect(kind: Token['kind'], value?: string): Token {
    const t = this.peek();
    if (!this.is(kind, value))
      throw new KqlSyntaxError(
        `expected ${value ?? kind} but found ${t.kind === 'eof' ? 'end of text' : JSON.stringify(t.value)}`,
        t.pos,
      );
    return this.next();
  }

  /** One operator that must take every token of its segment. */
  operatorToEnd(): Operator {
    const op = this.operator();
    if (!this.is('eof')) throw new KqlSyntaxError(`unexpected ${JSON.stringify(this.peek().value)}`, this.peek().pos);
    return op;
  }

  private operator(): Operator {
    const t = this.expect('ident');
    switch (t.value) {
      case 'where':
        return { op: 'where', pred: this.expr() };
      case 'project':
        return { op: 'project', items: this.list(() => this.assignment(true)) };
      case 'extend':
        return { op: 'extend', items: this.list(() => this.assignment(false)) };
      case 'project-away':
        return { op: 'project-away', names: this.list(() => this.expect('ident').value) };
      case 'project-rename':
        return {
          op: 'project-rename',
          pairs: this.list(() => {
            const to = this.expect('ident').value;
            this.expect('op', '=');
            return { to, from: this.expect('ident').value };
          }),
        };
      default:
        throw new KqlUnsupportedError(`operator "${t.value}" is not supported on the agent`, t.pos);
    }
  }

  private list<T>(item: () => T): T[] {
    const out = [item()];
    while (this.is('punct', ',')) {
      this.next();
      out.push(item());
    }
    return out;
  }

  private assignment(bareAllowed: boolean): { name: string; e: Expr } {
    const nameTok = this.expect('ident');
    if (this.is('op', '=')) {
      this.next();
      return { name: nameTok.value, e: this.expr() };
    }
    if (!bareAllowed) throw new KqlSyntaxError('extend needs "name = expression"', nameTok.pos);
    return { name: nameTok.value, e: { t: 'col', name: nameTok.value } };
  }

  expr(): Expr {
    return this.nested(() => this.or());
  }

  private or(): Expr {
    let l = this.and();
    while (this.is('ident', 'or')) {
      this.next();
      l = { t: 'bin', op: 'or', l, r: this.and() };
    }
    return l;
  }

  private and(): Expr {
    let l = this.comparison();
    while (this.is('ident', 'and')) {
      this.next();
      l = { t: 'bin', op: 'and', l, r: this.comparison() };
    }
    return l;
  }

  private comparison(): Expr {
    const l = this.additive();
    const t = this.peek();
    if ((t.kind === 'op' || t.kind === 'ident') && COMPARISONS.has(t.value)) {
      this.next();
      return { t: 'bin', op: t.value, l, r: this.additive() };
    }
    if ((t.kind === 'ident' && t.value === 'in') || (t.kind === 'op' && t.value === '!in')) {
      this.next();
      this.expect('punct', '(');
      const list = this.list(() => this.expr());
      this.expect('punct', ')');
      return { t: 'in', negate: t.value === '!in', e: l, list };
    }
    if (t.kind === 'ident' && t.value === 'matches' && this.toks[this.i + 1]?.value === 'regex') {
      this.next();
      this.next();
      const pattern = this.peek();
      if (pattern.kind !== 'string')
        throw new KqlUnsupportedError('"matches regex" needs a string literal pattern on the agent', pattern.pos);
      this.next();
      return { t: 'call', fn: 'matches_regex', args: [l], pos: t.pos, re: compileRegex(pattern.value, pattern.pos) };
    }
    if (t.kind === 'ident' && /^(matches|between|has_any|has_all|in~)$/.test(t.value)) {
      throw new KqlUnsupportedError(`"${t.value}" is not supported on the agent`, t.pos);
    }
    return l;
  }

  private additive(): Expr {
    let l = this.multiplicative();
    while (this.is('op', '+') || this.is('op', '-')) {
      const op = this.next().value;
      l = { t: 'bin', op, l, r: this.multiplicative() };
    }
    return l;
  }

  private multiplicative(): Expr {
    let l = this.unary();
    while (this.is('op', '*') || this.is('op', '/') || this.is('op', '%')) {
      const op = this.next().value;
      l = { t: 'bin', op, l, r: this.unary() };
    }
    return l;
  }

  private unary(): Expr {
    if (this.is('op', '-')) {
      this.next();
      return { t: 'unary', op: '-', e: this.nested(() => this.unary()) };
    }
    return this.postfix();
  }

  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.is('punct', '.')) {
        this.next();
        e = { t: 'member', obj: e, key: { t: 'lit', v: this.expect('ident').value } };
      } else if (this.is('punct', '[')) {
        this.next();
        const key = this.expr();
        this.expect('punct', ']');
        e = { t: 'member', obj: e, key };
      } else return e;
    }
  }

  private primary(): Expr {
    const t = this.next();
    if (t.kind === 'number') return { t: 'lit', v: Number(t.value) };
    if (t.kind === 'string') return { t: 'lit', v: t.value };
    if (t.kind === 'punct' && t.value === '(') {
      const e = this.expr();
      this.expect('punct', ')');
      return e;
    }
    if (t.kind === 'ident') {
      if (t.value === 'true' || t.value === 'false') return { t: 'lit', v: t.value === 'true' };
      if (t.value === 'null') return { t: 'lit', v: null };
      if (this.is('punct', '(')) {
        const fn = t.value.toLowerCase();
        if (!SUPPORTED_FUNCTIONS.has(fn))
          throw new KqlUnsupportedError(`function ${t.value}() is not supported on the agent`, t.pos);
        this.next();
        const args = this.is('punct', ')') ? [] : this.list(() => this.expr());
        this.expect('punct', ')');
        if (fn === 'not') return { t: 'unary', op: 'not', e: args[0] ?? { t: 'lit', v: null } };
        const rx = REGEX_FUNCTIONS[fn];
        if (rx && (fn !== 'trim' || args.length === 2)) {
          if (!rx.arity.includes(args.length))
            throw new KqlUnsupportedError(`${fn}() with ${args.length} arguments is not supported on the agent`, t.pos);
          const pattern = args[rx.arg]!;
          if (pattern.t !== 'lit' || typeof pattern.v !== 'string')
            throw new KqlUnsupportedError(`the pattern of ${fn}() must be a string literal on the agent`, t.pos);
          return { t: 'call', fn, args, pos: t.pos, re: compileRegex(pattern.v, t.pos) };
        }
        return { t: 'call', fn, args, pos: t.pos };
      }
      return { t: 'col', name: t.value };
    }
    throw new KqlSyntaxError(`unexpected ${t.kind === 'eof' ? 'end of text' : JSON.stringify(t.value)}`, t.pos);
  }
}
