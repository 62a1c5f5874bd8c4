// Validates one DCR alone for the runtime, from its analysis (analysis.ts): a DCR with a defect or a
// blocker is rejected with ALL its reasons and the others keep running; parts open-ama does not run on
// Linux (Windows-only sources, extensions, Event Hubs/Storage destinations, …) and unknown properties are
// warnings and the runnable rest is returned (docs/dcr-support.md).
import { analyzeDcr } from './analysis.js';
import { findingText } from './analysis-types.js';
import type { Dcr } from './model.js';

export type DcrValidation =
  { ok: true; dcr: Dcr; warnings: string[] } | { ok: false; immutableId: string; reason: string };

export function validateDcr(json: unknown, ref = 'DCR'): DcrValidation {
  try {
    const a = analyzeDcr(json, ref);
    const immutableId = a.immutableId ?? ref;
    const problems = [...a.defects, ...a.blockers];
    if (problems.length > 0 || !a.runnable)
      return { ok: false, immutableId, reason: problems.map(findingText).join('; ') || 'not a DCR' };
    return {
      ok: true,
      dcr: a.runnable,
      warnings: [...a.warnings, ...a.typos].map((f) => `${immutableId}: ${findingText(f)}`),
    };
  } catch (err) {
    return { ok: false, immutableId: ref, reason: `cannot be read: ${(err as Error).message}` };
  }
}
