// `open-ama deploy extension`: enumerate targets, then install/update the extension on all of them
// with bounded concurrency, a progress line and a final table; exit code 1 when any machine failed.
// --dry-run prints the plan and changes nothing. Protected settings come from a file or stdin only.
import { readFile } from 'node:fs/promises';
import type { TokenCredential } from '@azure/identity';
import { mapBounded } from './concurrency.js';
import { deployExtension, type DeployOutcome, type ExtensionSpec } from './extension-deployer.js';
import { outcomeTable, planTable, Progress } from './report.js';
import { createTargetClients, listTargets, type TargetSelection } from './targets.js';

export interface DeployExtensionArgs {
  subscription: string;
  selection: TargetSelection;
  settingsFile?: string;
  protectedSettingsFile?: string;
  spec: Omit<ExtensionSpec, 'settings' | 'protectedSettings'>;
  concurrency: number;
  dryRun: boolean;
  armEndpoint: string;
  pollIntervalMs: number;
  json: boolean;
}

export async function readJsonObject(
  file: string,
  what: string,
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<Record<string, unknown>> {
  let text: string;
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const c of stdin) chunks.push(Buffer.from(c as Buffer));
    text = Buffer.concat(chunks).toString('utf8');
  } else {
    text = await readFile(file, 'utf8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // The message names the file and the position, never the content (it may hold secrets).
    throw new Error(
      `${what} (${file === '-' ? 'stdin' : file}) is not valid JSON: ${(err as Error).message.replace(/ in JSON.*$/, '').replace(/"[^"]*"/g, '…')}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new Error(`${what} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

export async function runDeployExtension(
  args: DeployExtensionArgs,
  credential: TokenCredential,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const settings = args.settingsFile ? await readJsonObject(args.settingsFile, 'settings') : {};
  const protectedSettings = args.protectedSettingsFile
    ? await readJsonObject(args.protectedSettingsFile, 'protected settings')
    : undefined;
  const clients = createTargetClients(args.selection, credential, args.subscription, args.armEndpoint);
  const targets = await listTargets(args.selection, clients);
  if (targets.length === 0) {
    out.write('no machines matched the selection; nothing to do\n');
    return 0;
  }
  const action = `install/update ${args.spec.publisher}.${args.spec.type} ${args.spec.version}`;
  if (args.dryRun) {
    out.write(
      args.json
        ? JSON.stringify({ dryRun: true, action, targets }, null, 2) + '\n'
        : `${planTable(targets, action)}\n\ndry run: ${targets.length} machine(s) would be changed; nothing was changed\n`,
    );
    return 0;
  }
  const spec: ExtensionSpec = { ...args.spec, settings, protectedSettings };
  const progress = new Progress(targets.length);
  const settled = await mapBounded(targets, args.concurrency, async (t) => {
    const o = await deployExtension(t, spec, clients, { pollIntervalMs: args.pollIntervalMs, throttleRetries: 3 });
    progress.tick(o.result === 'succeeded');
    return o;
  });
  const outcomes: DeployOutcome[] = settled.map((s, i) =>
    s.ok
      ? s.value
      : {
          target: targets[i]!,
          result: 'failed',
          provisioningState: 'Unknown',
          statusMessage: s.error.message,
          durationMs: 0,
        },
  );
  const failed = outcomes.filter((o) => o.result !== 'succeeded').length;
  if (args.json) out.write(JSON.stringify({ outcomes, failed }, null, 2) + '\n');
  else out.write(`${outcomeTable(outcomes)}\n\n${outcomes.length - failed} succeeded, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}
