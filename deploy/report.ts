// Progress on stderr (a cli-progress bar, drawn only when stderr is a terminal) and the result tables on
// stdout (cli-table3 without borders: columns two spaces apart, as scripts and tests read them).
import { SingleBar } from 'cli-progress';
import Table from 'cli-table3';
import type { DeployOutcome } from './extension-deployer.js';
import type { Target } from './targets.js';

export class Progress {
  private done = 0;
  private failed = 0;
  private readonly bar?: SingleBar;

  constructor(
    private readonly total: number,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    if (!stream.isTTY) return;
    this.bar = new SingleBar({
      stream,
      format: '[{bar}] {value}/{total} done, {failed} failed',
      barCompleteChar: '#',
      barIncompleteChar: '.',
      barsize: 30,
      hideCursor: true,
      clearOnComplete: false,
    });
    this.bar.start(total, 0, { failed: 0 });
  }

  tick(ok: boolean): void {
    this.done++;
    if (!ok) this.failed++;
    this.bar?.update(this.done, { failed: this.failed });
    if (this.done === this.total) this.bar?.stop();
  }
}

const BORDERLESS = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '',
  },
  style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2, compact: true },
};

/** rows[0] is the header; every cell is printed whole (no wrapping or truncation). */
export function renderTable(rows: string[][]): string {
  const table = new Table({ ...BORDERLESS, head: rows[0]! });
  table.push(...rows.slice(1));
  return table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
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

/** `versionHeader` names what changes version (the extension by default, the VM Application for vmapp). */
export function planTable(plan: PlannedChange[], versionHeader = 'VERSION NOW → NEW'): string {
  return renderTable([
    ['MACHINE', 'KIND', 'RESOURCE GROUP', 'LOCATION', versionHeader],
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
