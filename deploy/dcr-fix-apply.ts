// `open-ama dcr fix --apply --subscription S --resource-group G --name N`: reads the DCR from Azure, fixes
// it with the same fixDcr as `open-ama dcr fix FILE` (companion streams and flows carrying the part of each
// transform the agent cannot run, heartbeat flows), prints what changed and the diff, makes
// sure every custom table a flow writes to exists with the columns the flow's transform OUTPUTS
// (creating it through the Log Analytics tables API, or printing the exact `az` command), then puts the
// DCR back (api-version 2023-03-11). --dry-run shows the diff and the tables and changes nothing.
// Exit code: 0 done (or nothing to do), 1 something could not be done, 2 bad input.
import type { TokenCredential } from '@azure/identity';
import {
  COMPANION_COLUMNS,
  fixDcr,
  BUILT_IN_COMPANIONS,
  dcrProperties,
  validateDcr,
} from '../agent/collector/dcr/index.js';
import { jsonDiff } from './json-diff.js';
import { describeArmError, MonitorArm } from './monitor-arm.js';
import { outputColumns, type ColumnDecl } from './transform-columns.js';

export interface DcrFixApplyArgs {
  subscription: string;
  resourceGroup: string;
  name: string;
  dryRun: boolean;
  /** Create missing custom tables (default); false prints the az command for each and stops. */
  createTables: boolean;
  armEndpoint: string;
  tablePollMs?: number;
  /** One JSON result on stdout (DcrFixApplyResult) instead of the human lines; errors still on stderr. */
  json?: boolean;
}

/** `dcr fix --apply --json`: what was found, what changed and what happened to each table. */
export interface DcrFixApplyResult {
  dcr: string;
  resourceGroup: string;
  dryRun: boolean;
  changes: string[];
  diff: string[];
  tables: { table: string; state: 'exists' | 'missing' | 'unknown'; action: string; azCommand?: string }[];
  updated?: { immutableId: string };
  error?: string;
}

export interface NeededTable {
  workspace: string;
  table: string;
  columns: ColumnDecl[];
  /** Why the columns are the input's (the transform could not be read), if so. */
  note?: string;
}

/** The ARM properties of the resource that a PUT may carry (ARM sets the rest). */
const READ_ONLY = ['immutableId', 'provisioningState', 'endpoints', 'metadata'];
export function putBody(resource: Record<string, unknown>): Record<string, unknown> {
  const { location, kind, tags, identity } = resource;
  const props = { ...((resource.properties as Record<string, unknown>) ?? {}) };
  for (const k of READ_ONLY) delete props[k];
  return {
    location,
    ...(kind !== undefined ? { kind } : {}),
    ...(tags !== undefined ? { tags } : {}),
    ...(identity !== undefined ? { identity } : {}),
    properties: props,
  };
}

/** Custom tables (X_CL) the DCR's Log Analytics flows write to, per workspace, with their output columns. */
export function neededTables(dcrJson: unknown): NeededTable[] {
  const { props } = dcrProperties(dcrJson);
  const decls = (props.streamDeclarations ?? {}) as Record<string, { columns?: ColumnDecl[] }>;
  const la = (((props.destinations as Record<string, unknown>) ?? {}).logAnalytics ?? []) as {
    name: string;
    workspaceResourceId?: string;
  }[];
  const flows = (props.dataFlows ?? []) as {
    streams: string[];
    destinations: string[];
    transformKql?: string;
    outputStream?: string;
  }[];
  const out = new Map<string, NeededTable>();
  for (const f of flows) {
    const target = f.outputStream ?? (f.streams.length === 1 ? f.streams[0] : undefined);
    if (!target?.startsWith('Custom-') || !target.endsWith('_CL')) continue;
    const table = target.slice('Custom-'.length);
    const stream = f.streams[0]!;
    const companion = BUILT_IN_COMPANIONS[stream]?.companion;
    const input = decls[stream]?.columns ?? (companion ? COMPANION_COLUMNS[companion] : undefined) ?? [];
    const { columns, inferred, reason } = outputColumns(input, f.transformKql);
    for (const d of f.destinations) {
      const ws = la.find((x) => x.name === d)?.workspaceResourceId;
      if (!ws) continue;
      const k = `${ws.toLowerCase()}|${table}`;
      const prev = out.get(k);
      if (prev) {
        for (const c of columns) if (!prev.columns.some((p) => p.name === c.name)) prev.columns.push(c);
      } else
        out.set(k, {
          workspace: ws,
          table,
          columns: [...columns],
          ...(inferred
            ? {}
            : { note: `the transform of ${stream} could not be read (${reason}); these are its input columns` }),
        });
    }
  }
  return [...out.values()];
}

/** The exact Azure CLI command that creates the table. */
export function tableCreateCommand(t: NeededTable): string {
  const ws = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/workspaces\/([^/]+)$/i.exec(
    t.workspace,
  );
  const where = ws
    ? `--subscription ${ws[1]} --resource-group ${ws[2]} --workspace-name ${ws[3]}`
    : `--ids ${t.workspace}`;
  return `az monitor log-analytics workspace table create ${where} --name ${t.table} --columns ${t.columns
    .map((c) => `${c.name}=${c.type}`)
    .join(' ')}`;
}

export async function runDcrFixApply(
  args: DcrFixApplyArgs,
  credential: TokenCredential,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const arm = new MonitorArm(credential, args.subscription, args.armEndpoint);
  const where = `${args.name} in resource group ${args.resourceGroup}`;
  const result: DcrFixApplyResult = {
    dcr: args.name,
    resourceGroup: args.resourceGroup,
    dryRun: args.dryRun,
    changes: [],
    diff: [],
    tables: [],
  };
  const human = (text: string): void => void (args.json ? undefined : out.write(text));
  const failed = (message: string): number => {
    err.write(`open-ama dcr fix: ${message}\n`);
    result.error = message;
    return finish(1);
  };
  const finish = (code: number): number => {
    if (args.json) out.write(`${JSON.stringify(result, null, 2)}\n`);
    return code;
  };
  let current: Record<string, unknown> | undefined;
  try {
    current = await arm.getDcrJson(args.resourceGroup, args.name);
  } catch (e) {
    return failed(`could not read DCR ${where}: ${describeArmError(e, 'read dcr')}`);
  }
  if (!current) return failed(`there is no DCR ${where} (subscription ${args.subscription})`);
  const { dcr: fixed, added, changes, notes } = fixDcr(current);
  const before = putBody(current);
  const after = putBody(fixed as Record<string, unknown>);
  const diff = jsonDiff(before, after);
  result.changes = changes;
  result.diff = diff;
  human(
    diff.length === 0
      ? `DCR ${args.name}: nothing to change\n`
      : `DCR ${args.name}: ${added.length ? `adds ${added.join(', ')}` : 'changes'}\n` +
          `changed:\n${changes.map((c) => `  ${c}`).join('\n')}\n` +
          `diff:\n${diff.map((l) => `  ${l}`).join('\n')}\n`,
  );
  for (const n of notes) err.write(`note: ${n}\n`);

  const tables = neededTables(fixed);
  const tableEntry = (table: string, action: string, azCommand?: string): void => {
    const e = result.tables.find((x) => x.table === table);
    if (e) Object.assign(e, { action, ...(azCommand ? { azCommand } : {}) });
  };
  const missing: NeededTable[] = [];
  for (const t of tables) {
    let exists: boolean | undefined;
    try {
      exists = (await arm.getTable(t.workspace, t.table)) !== undefined;
    } catch (e) {
      err.write(`warning: could not read table ${t.table}: ${describeArmError(e)}\n`);
    }
    const state = exists === true ? 'exists' : exists === false ? 'missing' : 'unknown';
    result.tables.push({ table: t.table, state, action: 'none' });
    human(`table ${t.table}: ${state}\n`);
    if (t.note) err.write(`warning: table ${t.table}: ${t.note}\n`);
    if (exists !== true) missing.push(t);
  }

  if (args.dryRun) {
    for (const t of missing) {
      tableEntry(t.table, 'would create', tableCreateCommand(t));
      human(`would create table ${t.table}: ${tableCreateCommand(t)}\n`);
    }
    human('dry run: nothing changed\n');
    return finish(0);
  }
  const stillMissing: string[] = [];
  for (const t of missing) {
    if (!args.createTables || t.note) {
      tableEntry(t.table, 'create it first', tableCreateCommand(t));
      human(`create table ${t.table} first:\n  ${tableCreateCommand(t)}\n`);
      stillMissing.push(t.table);
      continue;
    }
    try {
      await arm.putTable(t.workspace, t.table, t.columns, args.tablePollMs);
      tableEntry(t.table, 'created');
      human(`created table ${t.table} (${t.columns.length} columns)\n`);
    } catch (e) {
      tableEntry(t.table, `could not create: ${describeArmError(e, 'write table')}`, tableCreateCommand(t));
      human(
        `could not create table ${t.table}: ${describeArmError(e, 'write table')}\ncreate it with:\n  ${tableCreateCommand(t)}\n`,
      );
      stillMissing.push(t.table);
    }
  }
  if (stillMissing.length > 0) {
    return failed(
      `not updating the DCR: ARM refuses it while ${stillMissing.join(', ')} ${stillMissing.length === 1 ? 'is' : 'are'} missing`,
    );
  }
  if (diff.length > 0) {
    try {
      const r = await arm.putDcr(args.resourceGroup, args.name, after);
      result.updated = { immutableId: r.immutableId };
      human(`updated DCR ${args.name} (immutableId ${r.immutableId})\n`);
    } catch (e) {
      return failed(`could not update DCR ${where}: ${describeArmError(e, 'write dcr')}`);
    }
  }
  const check = validateDcr(
    { ...after, properties: { ...(after.properties as object), immutableId: `dcr-${'0'.repeat(32)}` } },
    args.name,
  );
  if (!check.ok && !/need(s)? an ingestion endpoint/.test(check.reason))
    err.write(`warning: the agent would still reject this DCR: ${check.reason}\n`);
  return finish(0);
}
