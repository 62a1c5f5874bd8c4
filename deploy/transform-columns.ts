// The columns a data flow's transformKql OUTPUTS (what its destination table must have), from the input
// stream's columns: where keeps them, project/extend/project-away/project-rename change them, each new
// column typed from its expression (tostring → string, toint → int, a comparison → boolean, …). A
// transform the agent's KQL subset cannot parse is not guessed: `inferred` is false and the input
// columns are returned for the caller to say so. Every table gets TimeGenerated (the service needs it).
import { parseKql, type Expr } from '../agent/collector/transform/index.js';

export interface ColumnDecl {
  name: string;
  type: string;
}

const CALL_TYPES: Record<string, string> = {
  tostring: 'string',
  toint: 'int',
  tolong: 'long',
  toreal: 'real',
  todouble: 'real',
  tobool: 'boolean',
  toboolean: 'boolean',
  parse_json: 'dynamic',
  todynamic: 'dynamic',
  isempty: 'boolean',
  isnotempty: 'boolean',
  isnull: 'boolean',
  isnotnull: 'boolean',
  strlen: 'long',
  tolower: 'string',
  toupper: 'string',
  trim: 'string',
  substring: 'string',
  strcat: 'string',
  now: 'datetime',
  todatetime: 'datetime',
  not: 'boolean',
};
const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const INTEGRAL = new Set(['int', 'long']);

function typeOf(e: Expr, cols: Map<string, string>): string {
  switch (e.t) {
    case 'lit':
      return typeof e.v === 'number'
        ? Number.isInteger(e.v)
          ? 'long'
          : 'real'
        : typeof e.v === 'boolean'
          ? 'boolean'
          : 'string';
    case 'col':
      return cols.get(e.name) ?? 'dynamic';
    case 'member':
      return 'dynamic';
    case 'in':
      return 'boolean';
    case 'unary':
      return e.op === 'not' ? 'boolean' : typeOf(e.e, cols);
    case 'call':
      if (e.fn === 'iif' || e.fn === 'iff') return e.args[1] ? typeOf(e.args[1], cols) : 'dynamic';
      if (e.fn === 'coalesce') return e.args[0] ? typeOf(e.args[0], cols) : 'dynamic';
      return CALL_TYPES[e.fn] ?? 'dynamic';
    case 'bin': {
      if (!ARITHMETIC.has(e.op)) return 'boolean';
      const l = typeOf(e.l, cols);
      const r = typeOf(e.r, cols);
      if (l === 'datetime' || r === 'datetime') return 'datetime';
      return INTEGRAL.has(l) && INTEGRAL.has(r) && e.op !== '/' ? 'long' : 'real';
    }
  }
}

export function outputColumns(
  input: ColumnDecl[],
  transformKql: string | undefined,
): { columns: ColumnDecl[]; inferred: boolean; reason?: string } {
  const cols = new Map(input.map((c) => [c.name, c.type]));
  let inferred = true;
  let reason: string | undefined;
  const kql = (transformKql ?? 'source').trim();
  if (kql !== 'source') {
    try {
      for (const op of parseKql(kql)) {
        if (op.op === 'project') {
          const next = new Map<string, string>();
          for (const i of op.items) next.set(i.name, typeOf(i.e, cols));
          cols.clear();
          for (const [k, v] of next) cols.set(k, v);
        } else if (op.op === 'extend') {
          for (const i of op.items) cols.set(i.name, typeOf(i.e, cols));
        } else if (op.op === 'project-away') {
          for (const n of op.names) cols.delete(n);
        } else if (op.op === 'project-rename') {
          for (const { to, from } of op.pairs) {
            const t = cols.get(from) ?? 'dynamic';
            cols.delete(from);
            cols.set(to, t);
          }
        }
      }
    } catch (err) {
      inferred = false;
      reason = (err as Error).message;
      cols.clear();
      for (const c of input) cols.set(c.name, c.type);
    }
  }
  if (!cols.has('TimeGenerated')) cols.set('TimeGenerated', 'datetime');
  const columns = [...cols.entries()].map(([name, type]) => ({ name, type }));
  return { columns, inferred, ...(reason ? { reason } : {}) };
}
