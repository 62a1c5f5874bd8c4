// Progress on stderr (TTY only, one rewritten line) and the final result table on stdout.
import type { DeployOutcome } from './extension-deployer.js';
import type { Target } from './targets.js';

export class Progress {
  private done = 0;
  private failed = 0;
  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    if (!this.stream.isTTY) return;
    const width = 30;
    const filled = Math.round((this.done / Math.max(1, this.total)) * width);
    this.stream.write(
      `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} done, ${this.failed} failed`,
    );
    if (this.done === this.total) this.stream.write('\n');
  }
}

export function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function outcomeTable(outcomes: DeployOutcome[]): string {
  const rows = [['MACHINE', 'KIND', 'RESOURCE GROUP', 'RESULT', 'PROVISIONING', 'SECONDS', 'STATUS MESSAGE']];
  for (const o of outcomes) {
    rows.push([
      o.target.name,
      o.target.kind,
      o.target.resourceGroup,
      o.result,
      o.provisioningState,
      (o.durationMs / 1000).toFixed(1),
      o.statusMessage,
    ]);
  }
  return renderTable(rows);
}

export interface Skipped {
  target: Target;
  reason: string;
}

export interface PlannedChange {
  target: Target;
  currentVersion: string;
  newVersion: string;
}

export function planTable(plan: PlannedChange[]): string {
  return renderTable([
    ['MACHINE', 'KIND', 'RESOURCE GROUP', 'LOCATION', 'VERSION NOW → NEW'],
    ...plan.map((p) => [
      p.target.name,
      p.target.kind,
      p.target.resourceGroup,
      p.target.location,
      `${p.currentVersion} → ${p.newVersion}`,
    ]),
  ]);
}

export function skippedTable(skipped: Skipped[]): string {
  return renderTable([
    ['MACHINE', 'KIND', 'RESOURCE GROUP', 'SKIPPED BECAUSE'],
    ...skipped.map((s) => [s.target.name, s.target.kind, s.target.resourceGroup, s.reason]),
  ]);
}
