// Evaluates a parsed agent-side KQL transform over records, with KQL's semantics for the subset:
// `has` is a case-insensitive whole-term match, contains/startswith/endswith are case-insensitive,
// == is case-sensitive and =~ is not, comparisons with null are false, bad conversions give null.
// Column and key names select own members only (a `constructor` column is not Object's). Each record
// runs through all operators with a work budget (RECORD_BUDGET units: one per expression node, one per
// character a string operation scans, a regex search its program size per character); a record that
// spends it is dropped and counted (`transform_budget`), so no record can hold the collector.
import type { LogRecord } from '../pipeline/index.js';
import type { Expr, Operator } from './kql-parser.js';
import { regexExtract, regexMatches, regexReplace, regexTrim, type Charge } from './kql-regex.js';

/** Work units one record may spend in the transform (see the header; docs/dcr-support.md). */
export const RECORD_BUDGET = 4_000_000;

class BudgetExceeded extends Error {}

export interface ApplyResult {
  records: LogRecord[];
  /** Records that spent their budget (dropped). */
  overBudget: number;
}

/** The value of a column or key, only when it is the object's own (never an inherited member). */
export function ownValue(obj: object, key: string): unknown {
  return Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined;
}

/** Sets an own property, also for `__proto__` (whose assignment would change the prototype). */
function setOwn(obj: LogRecord, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

export function applyOperators(ops: Operator[], records: LogRecord[], budget = RECORD_BUDGET): ApplyResult {
  const out: LogRecord[] = [];
  let overBudget = 0;
  for (const record of records) {
    let left = budget;
    const charge: Charge = (units) => {
      left -= units;
      if (left < 0) throw new BudgetExceeded();
    };
    try {
      const r = applyToRecord(ops, record, new Evaluator(charge));
      if (r) out.push(r);
    } catch (err) {
      if (!(err instanceof BudgetExceeded)) throw err;
      overBudget++;
    }
  }
  return { records: out, overBudget };
}

function applyToRecord(ops: Operator[], record: LogRecord, ev: Evaluator): LogRecord | undefined {
  let r = record;
  for (const op of ops) {
    switch (op.op) {
      case 'where':
        if (ev.eval(op.pred, r) !== true) return undefined;
        break;
      case 'project':
        r = Object.fromEntries(op.items.map((i) => [i.name, ev.eval(i.e, r)]));
        break;
      case 'extend': {
        const out: LogRecord = { ...r };
        for (const i of op.items) setOwn(out, i.name, ev.eval(i.e, out));
        r = out;
        break;
      }
      case 'project-away': {
        const out: LogRecord = { ...r };
        for (const n of op.names) delete out[n];
        r = out;
        break;
      }
      case 'project-rename': {
        const out: LogRecord = { ...r };
        for (const { to, from } of op.pairs) {
          setOwn(out, to, ownValue(out, from));
          delete out[from];
        }
        r = out;
        break;
      }
    }
  }
  return r;
}

/** One expression evaluated against one record, without a budget (tests, dcr explain). */
export function evaluate(e: Expr, r: LogRecord): unknown {
  return new Evaluator(() => undefined).eval(e, r);
}

class Evaluator {
  constructor(private readonly charge: Charge) {}

  eval(e: Expr, r: LogRecord): unknown {
    this.charge(1);
    switch (e.t) {
      case 'lit':
        return e.v;
      case 'col':
        return ownValue(r, e.name) ?? null;
      case 'member': {
        const obj = this.eval(e.obj, r);
        const key = this.eval(e.key, r);
        if (obj === null || typeof obj !== 'object') return null;
        return ownValue(obj, String(key)) ?? null;
      }
      case 'unary': {
        const v = this.eval(e.e, r);
        return e.op === '-' ? (typeof v === 'number' ? -v : null) : v === null ? null : !truthy(v);
      }
      case 'in': {
        const v = this.eval(e.e, r);
        const hit = e.list.some((x) => looseEquals(v, this.eval(x, r)));
        return e.negate ? !hit : hit;
      }
      case 'call': {
        const args = e.args.map((a) => this.eval(a, r));
        for (const a of args) if (typeof a === 'string') this.charge(a.length);
        return e.re ? regexCall(e.fn, e.re, args, this.charge) : call(e.fn, args);
      }
      case 'bin':
        if (e.op === 'and') return this.eval(e.l, r) === true && this.eval(e.r, r) === true;
        if (e.op === 'or') return this.eval(e.l, r) === true || this.eval(e.r, r) === true;
        return this.binary(e.op, this.eval(e.l, r), this.eval(e.r, r));
    }
  }

  private binary(op: string, l: unknown, rv: unknown): unknown {
    const ls = l === null || l === undefined ? '' : String(l);
    const rs = rv === null || rv === undefined ? '' : String(rv);
    this.charge(ls.length + rs.length);
    return binary(op, l, rv, ls, rs);
  }
}

function regexCall(
  fn: string,
  re: NonNullable<Extract<Expr, { t: 'call' }>['re']>,
  a: unknown[],
  charge: Charge,
): unknown {
  const s = (v: unknown): string =>
    v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  switch (fn) {
    case 'matches_regex':
      return regexMatches(re, s(a[0]), charge);
    case 'trim':
      return regexTrim(re, s(a[1]), 'both', charge);
    case 'trim_start':
      return regexTrim(re, s(a[1]), 'start', charge);
    case 'trim_end':
      return regexTrim(re, s(a[1]), 'end', charge);
    case 'extract':
      return regexExtract(re, Number(a[1]), s(a[2]), charge);
    case 'replace_regex':
      return regexReplace(re, s(a[0]), s(a[2]), charge);
  }
  return null;
}

function binary(op: string, l: unknown, rv: unknown, ls: string, rs: string): unknown {
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
    case 'trim': // trim(regex, text) is a regexCall; the one-argument form trims white space
      return s(a[0]).trim();
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
