// `open-ama deploy dcr`: our settings → a data collection endpoint, a data collection rule sending to a
// Log Analytics workspace, and (--associate) its associations with Azure VMs or Arc machines, with
// bounded concurrency and throttling retries (the SDK's, deploy/clouds.ts). Prints the immutableId, the DCE's logs ingestion endpoint
// and public settings that run the DCR; --dry-run prints the plan and changes nothing; exit code 1 when
// anything failed.
import { writeFile } from 'node:fs/promises';
import type { TokenCredential } from '@azure/identity';
import { validateDcr } from '../agent/collector/dcr/index.js';
import { mapBounded } from './concurrency.js';
import { readJsonObject } from './deploy-extension.js';
import { customTablesOf, settingsSnippet, settingsToArmDcr, type DcrMapping } from './dcr-mapping.js';
import { describeArmError, MonitorArm } from './monitor-arm.js';
import { renderDcrPlan, renderDcrResult, type AssociationOutcome, type DcrResult } from './dcr-report.js';
import { Progress } from './report.js';
import { createTargetClients, listTargets, type Target, type TargetSelection } from './targets.js';

export interface DeployDcrArgs {
  subscription: string;
  resourceGroup: string;
  workspace: string;
  location: string;
  fromFile: string;
  name: string;
  dceName: string;
  /** Machines to associate the DCR with; none when undefined. */
  associate?: TargetSelection;
  concurrency: number;
  dryRun: boolean;
  armEndpoint: string;
  json: boolean;
  settingsOut?: string;
}

const PLACEHOLDER_IMMUTABLE_ID = `dcr-${'0'.repeat(32)}`;

/** Maps the settings and checks the result as the agent would, before anything touches ARM. */
export function planDcr(
  settings: Record<string, unknown>,
  args: Pick<DeployDcrArgs, 'subscription' | 'resourceGroup' | 'workspace' | 'location' | 'dceName' | 'fromFile'>,
): DcrMapping {
  const dceId = `/subscriptions/${args.subscription}/resourceGroups/${args.resourceGroup}/providers/Microsoft.Insights/dataCollectionEndpoints/${args.dceName}`;
  const mapping = settingsToArmDcr(settings, {
    workspaceResourceId: args.workspace,
    location: args.location,
    dataCollectionEndpointId: dceId,
    description: 'open-ama: created by open-ama deploy dcr',
  });
  const snippet = settingsSnippet(
    mapping.body.properties,
    PLACEHOLDER_IMMUTABLE_ID,
    'https://placeholder.ingest.monitor.azure.com',
  );
  const check = validateDcr((snippet.dataCollectionRules as unknown[])[0], 'derived DCR');
  if (!check.ok)
    throw new Error(`the DCR derived from ${args.fromFile} would be rejected by the agent: ${check.reason}`);
  return mapping;
}

export async function runDeployDcr(
  args: DeployDcrArgs,
  credential: TokenCredential,
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  const settings = await readJsonObject(args.fromFile, '--from');
  const mapping = planDcr(settings, args);
  for (const w of mapping.warnings) err.write(`warning: ${w}\n`);
  const arm = new MonitorArm(credential, args.subscription, args.armEndpoint);
  const targets = args.associate
    ? await listTargets(
        args.associate,
        createTargetClients(args.associate, credential, args.subscription, args.armEndpoint),
      )
    : [];
  const associationName = `${args.name}-association`;
  if (args.associate && targets.length === 0)
    err.write('warning: --associate: no machines matched the selection; nothing will be associated\n');

  if (args.dryRun) {
    const [dce, dcr] = await Promise.all([
      arm.getDce(args.resourceGroup, args.dceName),
      arm.getDcr(args.resourceGroup, args.name),
    ]);
    const plan = {
      dryRun: true,
      dce: { name: args.dceName, action: dce ? 'update' : 'create' },
      dcr: { name: args.name, action: dcr ? 'update' : 'create', body: mapping.body },
      associations: targets.map((t) => ({ target: t, name: associationName, action: 'create or update' })),
      customTables: mapping.customTables,
      workspace: args.workspace,
      warnings: mapping.warnings,
    };
    out.write(
      args.json ? `${JSON.stringify(plan, null, 2)}\n` : `${renderDcrPlan(plan)}\n\ndry run: nothing was changed\n`,
    );
    return 0;
  }

  const result: DcrResult = {
    associations: [],
    customTables: mapping.customTables,
    workspace: args.workspace,
    warnings: mapping.warnings,
    failed: 0,
  };
  try {
    const dce = await arm.putDce(
      args.resourceGroup,
      args.dceName,
      args.location,
      'open-ama: created by open-ama deploy dcr',
    );
    result.dce = {
      name: args.dceName,
      id: dce.id,
      action: dce.created ? 'created' : 'updated',
      logsIngestion: dce.logsIngestion,
    };
  } catch (e) {
    result.error = `data collection endpoint ${args.dceName}: ${describeArmError(e, 'write dcr')}`;
  }
  if (result.dce) {
    const body = {
      ...mapping.body,
      properties: {
        ...mapping.body.properties,
        dataCollectionEndpointId: result.dce.id || mapping.body.properties.dataCollectionEndpointId,
      },
    };
    try {
      const dcr = await arm.putDcr(args.resourceGroup, args.name, body);
      result.dcr = {
        name: args.name,
        id: dcr.id,
        action: dcr.created ? 'created' : 'updated',
        immutableId: dcr.immutableId,
      };
      result.settings = settingsSnippet(
        body.properties,
        dcr.immutableId,
        result.dce.logsIngestion,
        'dataCollectionRules' in settings ? settings : undefined,
      );
      result.customTables = customTablesOf(body.properties);
    } catch (e) {
      result.error = `data collection rule ${args.name}: ${describeArmError(e, 'write dcr')}`;
    }
  }
  if (result.dcr && targets.length > 0)
    result.associations = await associate(arm, targets, result.dcr.id, associationName, args);
  result.failed = (result.error ? 1 : 0) + result.associations.filter((a) => a.result === 'failed').length;
  if (result.settings && args.settingsOut)
    await writeFile(args.settingsOut, `${JSON.stringify(result.settings, null, 2)}\n`, { mode: 0o644 });
  out.write(args.json ? `${JSON.stringify(result, null, 2)}\n` : `${renderDcrResult(result)}\n`);
  if (result.error) err.write(`open-ama deploy dcr: ${result.error}\n`);
  return result.failed > 0 ? 1 : 0;
}

async function associate(
  arm: MonitorArm,
  targets: Target[],
  dcrId: string,
  name: string,
  args: DeployDcrArgs,
): Promise<AssociationOutcome[]> {
  const progress = new Progress(targets.length);
  const settled = await mapBounded(targets, args.concurrency, async (t) => {
    const started = Date.now();
    try {
      const a = await arm.putAssociation(t.id, name, dcrId, `open-ama: ${args.name} on ${t.name}`);
      progress.tick(true);
      const outcome: AssociationOutcome = {
        target: t,
        result: 'succeeded',
        action: a.created ? 'created' : 'updated',
        message: '',
        durationMs: Date.now() - started,
      };
      return outcome;
    } catch (e) {
      progress.tick(false);
      throw e;
    }
  });
  return settled.map((s, i) =>
    s.ok
      ? s.value
      : {
          target: targets[i]!,
          result: 'failed',
          action: 'none',
          message: describeArmError(s.error, 'write association'),
          durationMs: 0,
        },
  );
}
