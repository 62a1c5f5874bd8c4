// Agent-side transformKql: compiles a DCR transform once (cached) and applies it to records before
// upload, so filtered records never leave the machine. A transform is cut at its first operator outside
// the subset (splitTransform): the operators before it run here, the rest is the service's. Modes:
//  - full: the service will NOT run this transform on what we send (built-in streams uploaded through
//    their Custom-OpenAma-* companion, logFiles data-source transforms), so the agent runs its whole
//    agent part; what is left must be the companion flow's transformKql (`open-ama dcr fix` puts it there);
//  - prefilter: the service runs the same transform again on arrival (Custom-* streams), so the agent
//    runs only the leading `where` operators of the agent part, which are idempotent.
// Records that spend their evaluation budget are dropped and reported through onBudgetDrop.
import { applyOperators } from './kql-evaluator.js';
import { KqlSyntaxError } from './kql-lexer.js';
import { KqlUnsupportedError, parseKqlPrefix, type Operator } from './kql-parser.js';
import type { LogRecord } from '../pipeline/index.js';

export type CompiledTransform =
  | { kind: 'identity' }
  /** `rest`: the part left to the service when the agent runs only a prefix. */
  | { kind: 'agent'; ops: Operator[]; rest?: { servicePart: string; reason: string } }
  | { kind: 'service'; reason: string };

export type TransformMode = 'full' | 'prefilter';

export interface TransformSplit {
  /** KQL the agent runs (`source` when nothing). */
  agentPart: string;
  /** KQL left to the service, to run on what the agent uploads (`source` when nothing). */
  servicePart: string;
  /** Why the transform was cut (the first operator outside the subset), absent when all runs on the agent. */
  reason?: string;
}

interface Parsed {
  ops: Operator[];
  split: TransformSplit;
}

function isKqlError(err: unknown): err is KqlSyntaxError | KqlUnsupportedError {
  return err instanceof KqlSyntaxError || err instanceof KqlUnsupportedError;
}

function parse(kql: string | undefined): Parsed {
  const text = (kql ?? 'source').trim();
  if (text === '' || text === 'source') return { ops: [], split: { agentPart: 'source', servicePart: 'source' } };
  try {
    const { ops, stop } = parseKqlPrefix(text);
    if (!stop) return { ops, split: { agentPart: text, servicePart: 'source' } };
    return {
      ops,
      split: {
        agentPart: ops.length === 0 ? 'source' : text.slice(0, stop.pipe).trimEnd(),
        servicePart: `source ${text.slice(stop.pipe)}`,
        reason: stop.error.message,
      },
    };
  } catch (err) {
    if (!isKqlError(err)) throw err;
    return { ops: [], split: { agentPart: 'source', servicePart: text, reason: err.message } };
  }
}

/**
 * Cuts a transform at its first operator outside the agent subset. Running `agentPart` on the machine
 * and then `servicePart` in the service gives what the whole transform gives (operators run in order).
 * For built-in streams, `servicePart` is the transformKql of the companion flow.
 */
export function splitTransform(kql: string | undefined): TransformSplit {
  return parse(kql).split;
}

const normalized = (kql: string | undefined): string => (kql ?? 'source').replace(/\s+/g, ' ').trim() || 'source';

/**
 * How the agent runs a built-in stream's transform, given the transformKql of its companion flow (which the
 * service runs on what the agent uploads):
 *  - the companion has the `servicePart` of the split (`source` when all of it runs here): `full` — the agent
 *    runs the agent part, the service the rest;
 *  - the companion has the whole transform (the service runs all of it): `prefilter`;
 *  - anything else: `prefilter` when the companion has a transform (it is the service's), else `full` with
 *    `lost`: the part nobody runs (the service runs `source`).
 */
export function companionTransformMode(
  builtInKql: string | undefined,
  companionKql: string | undefined,
): { mode: TransformMode; lost?: string } {
  const split = splitTransform(builtInKql);
  const companion = normalized(companionKql);
  if (companion === normalized(split.servicePart)) return { mode: 'full' };
  if (companion === normalized(builtInKql) || companion !== 'source') return { mode: 'prefilter' };
  return { mode: 'full', lost: split.servicePart };
}

const cache = new Map<string, CompiledTransform>();

export function compileTransform(kql: string | undefined, mode: TransformMode = 'full'): CompiledTransform {
  const cacheKey = `${mode}\u0000${kql ?? 'source'}`;
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const { ops, split } = parse(kql);
  const firstNonWhere = ops.findIndex((o) => o.op !== 'where');
  const run = mode === 'full' ? ops : ops.slice(0, firstNonWhere < 0 ? ops.length : firstNonWhere);
  const compiled: CompiledTransform =
    run.length > 0
      ? {
          kind: 'agent',
          ops: run,
          ...(split.reason ? { rest: { servicePart: split.servicePart, reason: split.reason } } : {}),
        }
      : split.reason
        ? { kind: 'service', reason: split.reason }
        : { kind: 'identity' };
  if (cache.size > 1000) cache.clear();
  cache.set(cacheKey, compiled);
  return compiled;
}

/**
 * The Router's transform hook: applies the agent part, passes records through when there is none.
 * Records that spent their evaluation budget are dropped; their count goes to onBudgetDrop.
 */
export function runTransform(
  kql: string,
  records: LogRecord[],
  mode: TransformMode = 'full',
  onBudgetDrop?: (count: number) => void,
): LogRecord[] {
  const t = compileTransform(kql, mode);
  if (t.kind !== 'agent') return records;
  const { records: out, overBudget } = applyOperators(t.ops, records);
  if (overBudget > 0) onBudgetDrop?.(overBudget);
  return out;
}
