// Evaluates a parsed agent-side KQL transform over records, with KQL's semantics for the subset:
// `has` is a case-insensitive whole-term match, contains/startswith/endswith are case-insensitive,
// == is case-sensitive and =~ is not, comparisons with null are false, bad conversions give null.
import type { LogRecord } from '../pipeline/types.js';
import type { Expr, Operator } from './kql-parser.js';

export function applyOperators(ops: Operator[], records: LogRecord[]): LogRecord[] {
  let rows = records;
  for (const op of ops) {
    switch (op.op) {
      case 'where':
        rows = rows.filter((r) => evaluate(op.pred, r) === true);
        break;
      case 'project':
        rows = rows.map((r) => Object.fromEntries(op.items.map((i) => [i.name, evaluate(i.e, r)])));
        break;
      case 'extend':
        rows = rows.map((r) => {
          const out: LogRecord = { ...r };
          for (const i of op.items) out[i.name] = evaluate(i.e, out);
          return out;
        });
        break;
      case 'project-away':
        rows = rows.map((r) => {
          const out: LogRecord = { ...r };
          for (const n of op.names) delete out[n];
          return out;
        });
        break;
      case 'project-rename':
        rows = rows.map((r) => {
          const out: LogRecord = { ...r };
          for (const { to, from } of op.pairs) {
            out[to] = out[from];
            delete out[from];
          }
          return out;
        });
        break;
    }
  }
  return rows;
}

export function evaluate(e: Expr, r: LogRecord): unknown {
  switch (e.t) {
    case 'lit':
      return e.v;
    case 'col':
      return r[e.name] ?? null;
    case 'member': {
      const obj = evaluate(e.obj, r);
      const key = evaluate(e.key, r);
      if (obj === null || typeof obj !== 'object') return null;
      return (obj as Record<string, unknown>)[String(key)] ?? null;
    }
    case 'unary': {
      const v = evaluate(e.e, r);
      return e.op === '-' ? (typeof v === 'number' ? -v : null) : v === null ? null : !truthy(v);
    }
    case 'in': {
      const v = evaluate(e.e, r);
      const hit = e.list.some((x) => looseEquals(v, evaluate(x, r)));
      return e.negate ? !hit : hit;
    }
    case 'call':
      return call(
        e.fn,
        e.args.map((a) => evaluate(a, r)),
      );
    case 'bin':
      return binary(e.op, e.l, e.r, r);
  }
}

function binary(op: string, le: Expr, re: Expr, r: LogRecord): unknown {
  if (op === 'and') return evaluate(le, r) === true && evaluate(re, r) === true;
  if (op === 'or') return evaluate(le, r) === true || evaluate(re, r) === true;
  const l = evaluate(le, r);
  const rv = evaluate(re, r);
  const ls = l === null || l === undefined ? '' : String(l);
  const rs = rv === null || rv === undefined ? '' : String(rv);
  switch (op) {
    case '==':
      return l !== null && rv !== null && looseEquals(l, rv);
    case '!=':
      return l !== null && rv !== null && !looseEquals(l, rv);
    case '=~':
      return ls.toLowerCase() === rs.toLowerCase();
    case '!~':
      return ls.toLowerCase() !== rs.toLowerCase();
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(op, l, rv);
    case 'has':
      return hasTerm(ls, rs, false);
    case 'has_cs':
      return hasTerm(ls, rs, true);
    case '!has':
      return !hasTerm(ls, rs, false);
    case 'contains':
      return ls.toLowerCase().includes(rs.toLowerCase());
    case 'contains_cs':
      return ls.includes(rs);
    case '!contains':
      return !ls.toLowerCase().includes(rs.toLowerCase());
    case 'startswith':
      return ls.toLowerCase().startsWith(rs.toLowerCase());
    case '!startswith':
      return !ls.toLowerCase().startsWith(rs.toLowerCase());
    case 'endswith':
      return ls.toLowerCase().endsWith(rs.toLowerCase());
    case '!endswith':
      return !ls.toLowerCase().endsWith(rs.toLowerCase());
    case '+':
      return typeof l === 'number' && typeof rv === 'number' ? l + rv : null;
    case '-':
      return typeof l === 'number' && typeof rv === 'number' ? l - rv : null;
    case '*':
      return typeof l === 'number' && typeof rv === 'number' ? l * rv : null;
    case '/':
      return typeof l === 'number' && typeof rv === 'number' && rv !== 0 ? l / rv : null;
    case '%':
      return typeof l === 'number' && typeof rv === 'number' && rv !== 0 ? l % rv : null;
  }
  return null;
}

function compare(op: string, l: unknown, r: unknown): boolean {
  if (l === null || r === null || l === undefined || r === undefined) return false;
  const a = typeof l === 'number' ? l : typeof r === 'number' ? Number(l) : String(l);
  const b = typeof r === 'number' ? r : typeof l === 'number' ? Number(r) : String(r);
  if (typeof a === 'number' && Number.isNaN(a)) return false;
  if (typeof b === 'number' && Number.isNaN(b)) return false;
  return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
}

function looseEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' || typeof b === 'number') return Number(a) === Number(b);
  return a === b || (a !== null && b !== null && typeof a !== 'object' && String(a) === String(b));
}

function hasTerm(text: string, term: string, caseSensitive: boolean): boolean {
  if (term.length === 0) return true;
  const t = caseSensitive ? text : text.toLowerCase();
  const needle = caseSensitive ? term : term.toLowerCase();
  let from = 0;
  for (;;) {
    const i = t.indexOf(needle, from);
    if (i < 0) return false;
    const before = i === 0 ? '' : t[i - 1]!;
    const after = t[i + needle.length] ?? '';
    if (!/[\p{L}\p{N}_]/u.test(before) && !/[\p{L}\p{N}_]/u.test(after)) return true;
    from = i + 1;
  }
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || (typeof v === 'number' && v !== 0);
}

function call(fn: string, a: unknown[]): unknown {
  const s = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  switch (fn) {
    case 'tostring':
      return a[0] === null || a[0] === undefined ? '' : s(a[0]);
    case 'toint':
    case 'tolong': {
      const n = Number(a[0]);
      return a[0] === null || a[0] === '' || !Number.isFinite(n) ? null : Math.trunc(n);
    }
    case 'toreal':
    case 'todouble': {
      const n = Number(a[0]);
      return a[0] === null || a[0] === '' || Number.isNaN(n) ? null : n;
    }
    case 'tobool':
    case 'toboolean':
      return a[0] === true || a[0] === 'true' || a[0] === 1
        ? true
        : a[0] === false || a[0] === 'false' || a[0] === 0
          ? false
          : null;
    case 'parse_json':
    case 'todynamic':
      if (typeof a[0] !== 'string') return a[0] ?? null;
      try {
        return JSON.parse(a[0]);
      } catch {
        return a[0];
      }
    case 'isempty':
      return a[0] === null || a[0] === undefined || a[0] === '';
    case 'isnotempty':
      return !(a[0] === null || a[0] === undefined || a[0] === '');
    case 'isnull':
      return a[0] === null || a[0] === undefined;
    case 'isnotnull':
      return !(a[0] === null || a[0] === undefined);
    case 'strlen':
      return s(a[0]).length;
    case 'tolower':
      return s(a[0]).toLowerCase();
    case 'toupper':
      return s(a[0]).toUpperCase();
    case 'trim':
      return a.length >= 2 ? s(a[1]).replace(new RegExp(`^(${s(a[0])})+|(${s(a[0])})+$`, 'g'), '') : s(a[0]).trim();
    case 'substring': {
      const text = s(a[0]);
      const start = Math.max(0, Number(a[1]) || 0);
      return a[2] === undefined ? text.slice(start) : text.slice(start, start + Math.max(0, Number(a[2]) || 0));
    }
    case 'strcat':
      return a.map(s).join('');
    case 'iif':
    case 'iff':
      return a[0] === true ? (a[1] ?? null) : (a[2] ?? null);
    case 'coalesce':
      return a.find((v) => v !== null && v !== undefined && v !== '') ?? null;
    case 'now':
      return new Date().toISOString();
    case 'todatetime': {
      const t = Date.parse(s(a[0]));
      return Number.isNaN(t) ? null : new Date(t).toISOString();
    }
  }
  return null;
}
