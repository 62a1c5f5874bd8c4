// Agent-side transformKql: compiles a DCR flow's transform once (cached) and applies it to records
// before upload, so filtered records never leave the machine. Two modes:
//  - full: the service will NOT run this transform on what we send (built-in streams uploaded through
//    their Custom-OpenAma-* companion stream), so the agent runs all of it;
//  - prefilter: the service runs the same transform again on arrival (Custom-* streams), so the agent
//    runs only the leading `where` operators, which are idempotent, and leaves the rest to the service.
// A transform outside the subset is reported (dcr explain, log) and records pass through unchanged.
import { applyOperators } from './kql-evaluator.js';
import { KqlSyntaxError } from './kql-lexer.js';
import { KqlUnsupportedError, parseKql, type Operator } from './kql-parser.js';
import type { LogRecord } from '../pipeline/types.js';

export type CompiledTransform =
  { kind: 'identity' } | { kind: 'agent'; ops: Operator[] } | { kind: 'service'; reason: string };

const cache = new Map<string, CompiledTransform>();

export type TransformMode = 'full' | 'prefilter';

export function compileTransform(kql: string | undefined, mode: TransformMode = 'full'): CompiledTransform {
  const text = (kql ?? 'source').trim();
  if (text === '' || text === 'source') return { kind: 'identity' };
  const cacheKey = `${mode}\u0000${text}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  let compiled: CompiledTransform;
  try {
    const ops = parseKql(text);
    const firstNonWhere = ops.findIndex((o) => o.op !== 'where');
    const run = mode === 'full' ? ops : ops.slice(0, firstNonWhere < 0 ? ops.length : firstNonWhere);
    compiled = run.length === 0 ? { kind: 'identity' } : { kind: 'agent', ops: run };
  } catch (err) {
    if (err instanceof KqlUnsupportedError || err instanceof KqlSyntaxError)
      compiled = { kind: 'service', reason: err.message };
    else throw err;
  }
  if (cache.size > 1000) cache.clear();
  cache.set(cacheKey, compiled);
  return compiled;
}

/** The Router's transform hook: applies agent-side transforms, passes the rest through. */
export function runTransform(kql: string, records: LogRecord[], mode: TransformMode = 'full'): LogRecord[] {
  const t = compileTransform(kql, mode);
  return t.kind === 'agent' ? applyOperators(t.ops, records) : records;
}
