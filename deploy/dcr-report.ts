// What `open-ama deploy dcr` prints: the plan (--dry-run) and the result — DCE, DCR, immutableId, logs
// ingestion endpoint, the association table, the custom tables the workspace needs and the settings.
import type { ColumnDecl } from '../agent/collector/dcr/index.js';
import type { ArmDcrBody } from './dcr-mapping.js';
import { renderTable } from './report.js';
import type { Target } from './targets.js';

export interface AssociationOutcome {
  target: Target;
  result: 'succeeded' | 'failed';
  action: 'created' | 'updated' | 'none';
  message: string;
  durationMs: number;
}

export interface DcrResult {
  dce?: { name: string; id: string; action: 'created' | 'updated'; logsIngestion: string };
  dcr?: { name: string; id: string; action: 'created' | 'updated'; immutableId: string };
  /** The first failure that stopped the DCE/DCR step, with ARM's message. */
  error?: string;
  associations: AssociationOutcome[];
  customTables: Record<string, ColumnDecl[]>;
  /** The Log Analytics workspace resource ID the DCR sends to. */
  workspace: string;
  warnings: string[];
  /** Public settings that run the DCR (inline, with immutableId and endpoint). */
  settings?: Record<string, unknown>;
  failed: number;
}

export interface DcrPlan {
  dce: { name: string; action: string };
  dcr: { name: string; action: string; body: ArmDcrBody };
  associations: { target: Target; name: string; action: string }[];
  customTables: Record<string, ColumnDecl[]>;
  workspace: string;
}

function tablesText(tables: Record<string, ColumnDecl[]>, workspace: string): string {
  const names = Object.keys(tables);
  if (names.length === 0) return '';
  const ws = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/workspaces\/([^/]+)$/i.exec(
    workspace,
  );
  const where = ws
    ? `--subscription ${ws[1]} --resource-group ${ws[2]} --workspace-name ${ws[3]}`
    : '--resource-group <rg> --workspace-name <ws>';
  return `custom tables the flows write to (ARM refuses the DCR while one is missing from the workspace; create those that do not exist yet):\n${names
    .map(
      (n) =>
        `  az monitor log-analytics workspace table create ${where} --name ${n} --columns ${tables[n]!.map((c) => `${c.name}=${c.type}`).join(' ')}`,
    )
    .join('\n')}`;
}

function dcrSummary(body: ArmDcrBody): string {
  const p = body.properties;
  const sources = [
    ...(p.dataSources.performanceCounters ?? []).map(
      (s) =>
        `perf ${s.name}: ${s.counterSpecifiers.length} counter(s) every ${s.samplingFrequencyInSeconds ?? 60}s → ${s.streams.join(', ')}`,
    ),
    ...(p.dataSources.syslog ?? []).map(
      (s) =>
        `syslog ${s.name}: ${(s.facilityNames ?? ['*']).join(',')} at ${(s.logLevels ?? ['*']).join(',')} → ${s.streams.join(', ')}`,
    ),
    ...(p.dataSources.logFiles ?? []).map(
      (s) => `${s.format} logs ${s.name}: ${s.filePatterns.join(', ')} → ${s.streams.join(', ')}`,
    ),
  ];
  const flows = p.dataFlows.map(
    (f) => `${f.streams.join(', ')} → ${f.destinations.join(', ')}${f.outputStream ? ` as ${f.outputStream}` : ''}`,
  );
  return [
    ...sources.map((s) => `  source ${s}`),
    ...flows.map((f) => `  flow ${f}`),
    `  declared streams: ${Object.keys(p.streamDeclarations).join(', ') || '(none)'}`,
  ].join('\n');
}

export function renderDcrPlan(plan: DcrPlan): string {
  const parts = [
    renderTable([
      ['RESOURCE', 'NAME', 'ACTION'],
      ['data collection endpoint', plan.dce.name, plan.dce.action],
      ['data collection rule', plan.dcr.name, plan.dcr.action],
    ]),
    dcrSummary(plan.dcr.body),
  ];
  if (plan.associations.length > 0) {
    parts.push(
      renderTable([
        ['MACHINE', 'KIND', 'RESOURCE GROUP', 'ASSOCIATION', 'ACTION'],
        ...plan.associations.map((a) => [a.target.name, a.target.kind, a.target.resourceGroup, a.name, a.action]),
      ]),
    );
  }
  const tables = tablesText(plan.customTables, plan.workspace);
  if (tables) parts.push(tables);
  return parts.join('\n\n');
}

export function renderDcrResult(r: DcrResult): string {
  const rows = [['RESOURCE', 'NAME', 'RESULT', 'DETAIL']];
  if (r.dce) rows.push(['data collection endpoint', r.dce.name, r.dce.action, r.dce.logsIngestion]);
  if (r.dcr) rows.push(['data collection rule', r.dcr.name, r.dcr.action, r.dcr.immutableId]);
  const parts = [renderTable(rows)];
  if (r.error) parts.push(`FAILED: ${r.error}`);
  if (r.associations.length > 0) {
    const failed = r.associations.filter((a) => a.result === 'failed').length;
    parts.push(
      `${renderTable([['MACHINE', 'KIND', 'RESOURCE GROUP', 'RESULT', 'ACTION', 'MESSAGE'], ...r.associations.map((a) => [a.target.name, a.target.kind, a.target.resourceGroup, a.result, a.action, a.message])])}\n\n${r.associations.length - failed} associated, ${failed} failed`,
    );
  }
  if (r.dcr && r.dce) parts.push(`immutableId: ${r.dcr.immutableId}\nlogs ingestion endpoint: ${r.dce.logsIngestion}`);
  const tables = tablesText(r.customTables, r.workspace);
  if (tables && r.dcr) parts.push(tables);
  if (r.settings)
    parts.push(
      `public settings that run this DCR (paste into the extension's settings, or: open-ama deploy extension --settings <file>):\n${JSON.stringify(r.settings, null, 2)}`,
    );
  return parts.join('\n\n');
}
