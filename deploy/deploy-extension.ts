// `open-ama deploy extension`: check the settings against the schemas, enumerate targets, skip
// non-Linux and stopped machines (with the reason), then install/update the extension on the rest with
// bounded concurrency, a progress line and a final table; exit code 1 when any machine failed.
// --dry-run prints current → new version per machine and changes nothing. Protected settings come
// from a file or stdin only.
import { readFile } from 'node:fs/promises';
import type { TokenCredential } from '@azure/identity';
import { azureErrorText } from './azure-errors.js';
import { mapBounded } from './concurrency.js';
import { deployExtension, type ExtensionSpec } from './extension-deployer.js';
import { installedVersion, skipReason } from './eligibility.js';
import { deployToAll } from './fan-out.js';
import { outcomeTable, planTable, skippedTable, type Skipped } from './report.js';
import { checkSettings } from './settings-check.js';
import { createTargetClients, listTargets, type Target, type TargetSelection } from './targets.js';

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
  /** Asked (after listing, before any change) when --all was given without --yes; false aborts. */
  confirm?: (machines: number) => Promise<boolean>;
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
  checkSettings(settings, protectedSettings);
  const clients = createTargetClients(args.selection, credential, args.subscription, args.armEndpoint);
  const listed = await listTargets(args.selection, clients);
  const checked = await mapBounded(listed, args.concurrency, (t) => skipReason(t, clients));
  const targets: Target[] = [];
  const skipped: Skipped[] = [];
  checked.forEach((c, i) => {
    const reason = c.ok ? c.value : `could not read its state: ${azureErrorText(c.error, 'list machines')}`;
    if (reason === undefined) targets.push(listed[i]!);
    else skipped.push({ target: listed[i]!, reason });
  });
  const skippedText = skipped.length > 0 ? `\n\nskipped (never sent a request):\n${skippedTable(skipped)}` : '';
  const action = `install/update ${args.spec.publisher}.${args.spec.type} ${args.spec.version}`;
  if (args.dryRun) {
    const versions = await mapBounded(targets, args.concurrency, (t) => installedVersion(t, args.spec.name, clients));
    const plan = targets.map((t, i) => {
      const v = versions[i]!;
      return {
        target: t,
        currentVersion: v.ok ? (v.value ?? 'not installed') : `unknown (${azureErrorText(v.error, 'read extension')})`,
        newVersion: args.spec.version,
      };
    });
    out.write(
      args.json
        ? JSON.stringify({ dryRun: true, action, plan, skipped }, null, 2) + '\n'
        : `${planTable(plan)}${skippedText}\n\ndry run: ${targets.length} machine(s) would be changed, ${skipped.length} skipped; nothing was changed\n`,
    );
    return 0;
  }
  if (targets.length === 0) {
    out.write(`no eligible machines matched the selection; nothing to do${skippedText}\n`);
    return 0;
  }
  if (args.confirm && !(await args.confirm(targets.length))) {
    process.stderr.write('aborted; nothing was changed\n');
    return 2;
  }
  const spec: ExtensionSpec = { ...args.spec, settings, protectedSettings };
  const { outcomes, failed } = await deployToAll(targets, args.concurrency, (t) =>
    deployExtension(t, spec, clients, { pollIntervalMs: args.pollIntervalMs }),
  );
  if (args.json) out.write(JSON.stringify({ outcomes, failed, skipped }, null, 2) + '\n');
  else
    out.write(
      `${outcomeTable(outcomes)}${skippedText}\n\n${outcomes.length - failed} succeeded, ${failed} failed, ${skipped.length} skipped\n`,
    );
  return failed > 0 ? 1 : 0;
}
