// The result of analysing one DCR (analysis.ts): what open-ama does with each data source, flow route and
// destination on Linux, and every problem found at once — blockers (fixable, e.g. no immutableId yet),
// defects (the DCR contradicts itself), warnings (parts ignored on Linux) and typos (unknown properties).
import type { Dcr } from './model.js';

/** One problem: where (a JSON-pointer-like path), what, and how to fix it when there is a fix. */
export interface Finding {
  path: string;
  message: string;
  fix?: string;
}

export interface SourceReport {
  /** dataSources key: performanceCounters, syslog, logFiles, windowsEventLogs, extensions, … */
  kind: string;
  name: string;
  path: string;
  streams: string[];
  collected: boolean;
  /** What is collected (filters, counters, files) or why the source is ignored. */
  detail: string;
}

/** Where one stream of one flow goes for one destination. */
export interface RouteReport {
  stream: string;
  destination: string;
  collected: boolean;
  /** Stream the agent uploads (the Custom-OpenAma-* companion for built-in streams to Log Analytics). */
  uploadStream?: string;
  /** Log Analytics table the records land in (or the metrics namespace / file). */
  table?: string;
  /** Where transformKql runs: nowhere (source), on the agent, leading where-filters on the agent and the
   *  whole transform in the service, its prefix on the agent and the rest in the service (companion flow),
   *  only in the service, or `lost` (nobody runs it, or nobody runs its rest). */
  transform?: 'none' | 'agent' | 'agent-prefilter' | 'agent-then-service' | 'service' | 'lost';
  detail: string;
}

export interface FlowReport {
  index: number;
  path: string;
  streams: string[];
  destinations: string[];
  transformKql?: string;
  outputStream?: string;
  routes: RouteReport[];
}

export interface DestinationReport {
  kind: string;
  name: string;
  path: string;
  supported: boolean;
  detail: string;
}

export interface DcrAnalysis {
  ref: string;
  name?: string;
  immutableId?: string;
  sources: SourceReport[];
  flows: FlowReport[];
  destinations: DestinationReport[];
  /** Stops open-ama from running the DCR as it is; each has its fix. */
  blockers: Finding[];
  /** The DCR is wrong in itself (Azure would refuse it too, or it contradicts itself). */
  defects: Finding[];
  /** Parts open-ama does not run on Linux, and other notes; the rest runs. */
  warnings: Finding[];
  /** Properties no DCR schema knows, with a "did you mean". */
  typos: Finding[];
  /** The runnable subset (ignored parts removed, one stream per flow); set when there is no defect. */
  runnable?: Dcr;
}

/** A string ARM evaluates at deployment ("[parameters('x')]"); "[[" escapes a literal "[". */
export function isArmExpression(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith('[') && !v.startsWith('[[') && v.endsWith(']');
}

export function findingText(f: Finding): string {
  return `${f.path ? `${f.path}: ` : ''}${f.message}${f.fix ? ` — fix: ${f.fix}` : ''}`;
}
