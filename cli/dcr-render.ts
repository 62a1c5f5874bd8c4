// Human-readable text of a DCR analysis for `open-ama dcr explain`: sources, destinations, every stream of
// every flow (collected into which table, transform where, or ignored and why), then blockers with their
// fix, defects, warnings and typos.
import {
  type DcrAnalysis,
  type Finding,
  type RouteReport,
  type FoundDcr,
  agentSettingsOf,
} from '../agent/collector/dcr/index.js';

const TRANSFORM: Record<NonNullable<RouteReport['transform']>, string> = {
  none: '',
  agent: '; transformKql runs on the agent (filtered records never leave the machine)',
  'agent-prefilter': "; the transformKql's leading where filters run on the agent, the service runs all of it",
  'agent-then-service':
    '; transformKql runs on the agent up to its first operator outside the subset, the service runs the rest (companion flow)',
  service: '; transformKql runs in the service',
  lost: '; transformKql is applied by nobody (see warnings)',
};

function findings(title: string, list: Finding[], lines: string[]): void {
  if (list.length === 0) return;
  lines.push(`${title} (${list.length}):`);
  for (const f of list) {
    lines.push(`  - ${f.path ? `${f.path}: ` : ''}${f.message}`);
    if (f.fix) lines.push(`    fix: ${f.fix}`);
  }
}

/** What an AgentSettings DCR changes on this agent (agent-settings.ts), or nothing when it has none. */
function agentSettingsLines(a: DcrAnalysis, found: FoundDcr): string[] {
  const props = (typeof found.json.properties === 'object' ? found.json.properties : found.json) as Record<
    string,
    unknown
  >;
  if (typeof props.agentSettings !== 'object' || props.agentSettings === null) return [];
  const r = agentSettingsOf([{ json: found.json, ref: a.ref }]);
  const lines = ['Agent settings:'];
  if (r.diskQuota) lines.push(`  MaxDiskQuotaInMB: the upload queue may use up to ${r.diskQuota.mb} MB of disk`);
  for (const w of r.warnings) lines.push(`  ${w.message}`);
  if (lines.length === 1) lines.push('  (none)');
  return lines;
}

export function renderAnalysis(a: DcrAnalysis, found: FoundDcr): string {
  const lines: string[] = [];
  const id = a.immutableId ?? 'no immutableId yet';
  lines.push(`DCR ${a.name ?? '(unnamed)'} (${id}) — ${a.ref} [${found.form}]`);
  lines.push('Data sources:');
  if (a.sources.length === 0) lines.push('  (none)');
  for (const s of a.sources)
    lines.push(
      `  ${s.collected ? 'collected' : 'ignored  '} ${s.kind} "${s.name}" → ${s.streams.join(', ') || '(no stream)'}: ${s.detail}`,
    );
  lines.push('Destinations:');
  if (a.destinations.length === 0) lines.push('  (none)');
  const routed = new Set(a.flows.flatMap((f) => f.destinations));
  for (const d of a.destinations) {
    const state = !d.supported ? 'ignored  ' : routed.has(d.name) ? 'used     ' : 'unused   ';
    lines.push(
      `  ${state} ${d.kind} "${d.name}": ${d.detail}${routed.has(d.name) ? '' : ' — no data flow sends to it'}`,
    );
  }
  lines.push('Data flows:');
  if (a.flows.length === 0) lines.push('  (none)');
  for (const f of a.flows) {
    const extra = [
      f.transformKql !== undefined ? `transformKql ${JSON.stringify(f.transformKql)}` : '',
      f.outputStream ? `outputStream ${f.outputStream}` : '',
    ].filter(Boolean);
    lines.push(
      `  [${f.index}] ${f.streams.join(', ')} → ${f.destinations.join(', ')}${extra.length ? ` (${extra.join(', ')})` : ''}`,
    );
    const named = new Set(f.routes.map((r) => r.stream));
    for (const r of f.routes)
      lines.push(
        `      ${r.stream} → ${r.destination}: ${r.collected ? 'collected, ' : ''}${r.detail}${TRANSFORM[r.transform ?? 'none']}`,
      );
    for (const s of f.streams.filter((x) => !named.has(x))) lines.push(`      ${s}: not run (see defects)`);
  }
  const settings = agentSettingsLines(a, found);
  lines.push(...settings);
  if (found.json.kind === 'WorkspaceTransforms')
    lines.push(
      'kind WorkspaceTransforms: the workspace applies these transforms to data arriving from any source; no agent runs this DCR',
    );
  findings('Blockers — open-ama would not run this DCR as it is', a.blockers, lines);
  findings('Defects', a.defects, lines);
  findings('Warnings — ignored on Linux, the rest runs', a.warnings, lines);
  findings('Unknown properties', a.typos, lines);
  const runsSomething =
    settings.length > 0 || a.sources.some((s) => s.collected) || a.flows.some((f) => f.routes.some((r) => r.collected));
  if (a.defects.length === 0 && a.blockers.length === 0)
    lines.push(
      runsSomething
        ? 'open-ama runs this DCR as it is.'
        : 'Nothing in this DCR runs on Linux (every part is ignored, see above); open-ama loads it and collects nothing.',
    );
  return lines.join('\n') + '\n';
}
