// `open-ama deploy vmapp` (docs/deploy.md "VM Application"): publishes open-ama as an Azure Compute Gallery VM
// Application and assigns it to VMs and scale sets — the path that needs no extension publisher registration.
// Steps: check the settings against the schemas; upload the package ZIP and the settings file to the blob the
// user names (Entra ID auth, @azure/storage-blob) and sign read-only user-delegation SAS links for them, or
// take --package-url / --settings-url as given; create or update the gallery application (supportedOSType
// Linux) and its version (mediaLink, defaultConfigurationLink, install/remove/update commands of
// deploy/vmapp-commands.ts that run the standalone shim, package/config file names, target region) with
// @azure/arm-compute; then add the version to each eligible VM's / scale set's applicationProfile (other
// applications kept, an older open-ama version replaced) with bounded concurrency, a progress line and the
// deploy extension table. --dry-run reads only and prints what would change. Exit 0 / 1 (a machine failed) /
// 2 (usage, nothing changed).
import { readFile, stat } from 'node:fs/promises';
import type { ComputeManagementClient, VMGalleryApplication } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/identity';
import {
  BlobSASPermissions,
  BlobServiceClient,
  BlockBlobClient,
  generateBlobSASQueryParameters,
  SASProtocol,
} from '@azure/storage-blob';
import { readZipEntry } from '../packaging/zip-contents.js';
import { mapBounded } from './concurrency.js';
import { readJsonObject } from './deploy-extension.js';
import { skipReason } from './eligibility.js';
import type { DeployOutcome } from './extension-deployer.js';
import { deployToAll } from './fan-out.js';
import { outcomeTable, planTable, skippedTable, type Skipped } from './report.js';
import { checkSettings, UsageError } from './settings-check.js';
import { createTargetClients, listTargets, type Target, type TargetSelection } from './targets.js';
import { vmAppCommands } from './vmapp-commands.js';

export interface DeployVmAppArgs {
  subscription: string;
  /** Resource group and name of an existing Azure Compute Gallery. */
  galleryResourceGroup: string;
  gallery: string;
  location: string;
  appName: string;
  /** Gallery version (Major.Minor.Patch); default: the package's VERSION. */
  appVersion?: string;
  packageFile?: string;
  /** Blob URL to upload the package to; the settings go to `<blobUrl>.settings.json`. */
  blobUrl?: string;
  /** Already published package and settings (SAS or otherwise readable by the gallery). */
  packageUrl?: string;
  settingsUrl?: string;
  settingsFile?: string;
  /** A root-only file on the machines holding protected settings (never uploaded). */
  protectedSettingsPath?: string;
  selection: TargetSelection;
  concurrency: number;
  dryRun: boolean;
  armEndpoint: string;
  pollIntervalMs: number;
  json: boolean;
  /** Hours the SAS links of uploaded blobs stay valid (the gallery copies them while replicating). */
  sasHours?: number;
}

interface Published {
  mediaLink: string;
  configLink: string;
  uploaded: { url: string; bytes: number }[];
}

const VERSION_RE = /^\d+\.\d+\.\d+$/;

export async function runDeployVmApp(
  args: DeployVmAppArgs,
  credential: TokenCredential,
  out: NodeJS.WritableStream = process.stdout,
): Promise<number> {
  if (args.selection.arc)
    throw new UsageError(
      'VM Applications exist only for Azure VMs and scale sets; for Arc machines use the extension or open-ama-standalone (docs/deploy.md)',
    );
  if (Boolean(args.blobUrl) === Boolean(args.packageUrl))
    throw new UsageError('give either --blob-url (with --package and --settings) or --package-url with --settings-url');
  if (args.blobUrl && (!args.packageFile || !args.settingsFile))
    throw new UsageError('--blob-url uploads --package and --settings: both are needed');
  if (args.packageUrl && !args.settingsUrl) throw new UsageError('--package-url needs --settings-url');
  if (args.blobUrl && !/^https:\/\//i.test(args.blobUrl)) throw new UsageError('--blob-url must be an https URL');
  const settings = args.settingsFile ? await readJsonObject(args.settingsFile, 'settings') : undefined;
  if (settings) checkSettings(settings);
  const version = args.appVersion ?? (args.packageFile ? await packageVersion(args.packageFile) : undefined);
  if (!version) throw new UsageError('--app-version is needed when the package is given by URL');
  if (!VERSION_RE.test(version))
    throw new UsageError(
      `gallery application versions are Major.Minor.Patch; ${version} is not (pass --app-version X.Y.Z)`,
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/.test(args.appName))
    throw new UsageError(`--app-name ${JSON.stringify(args.appName)} must be letters, digits, ".", "_" or "-"`);
  const commands = vmAppCommands({
    packageFileName: `${args.appName}.zip`,
    configFileName: `${args.appName}-settings.json`,
    ...(args.protectedSettingsPath ? { protectedSettingsFile: args.protectedSettingsPath } : {}),
  });

  const clients = createTargetClients({ arc: false }, credential, args.subscription, args.armEndpoint);
  const compute = clients.compute!;
  const listed = await listTargets(args.selection, clients);
  const checked = await mapBounded(listed, args.concurrency, (t) => skipReason(t, clients));
  const targets: Target[] = [];
  const skipped: Skipped[] = [];
  checked.forEach((c, i) => {
    const reason = c.ok ? c.value : `could not read its state: ${c.error.message}`;
    if (reason === undefined) targets.push(listed[i]!);
    else skipped.push({ target: listed[i]!, reason });
  });
  const appId = `/subscriptions/${args.subscription}/resourceGroups/${args.galleryResourceGroup}/providers/Microsoft.Compute/galleries/${args.gallery}/applications/${args.appName}`;
  const versionId = `${appId}/versions/${version}`;
  const skippedText = skipped.length > 0 ? `\n\nskipped (never sent a request):\n${skippedTable(skipped)}` : '';

  if (args.dryRun) {
    const current = await mapBounded(targets, args.concurrency, (t) => assignedVersion(compute, t, appId));
    const plan = targets.map((t, i) => {
      const c = current[i]!;
      return {
        target: t,
        currentVersion: c.ok ? (c.value ?? 'not assigned') : `unknown (${c.error.message})`,
        newVersion: version,
      };
    });
    const steps = [
      args.blobUrl
        ? `upload ${args.packageFile} → ${args.blobUrl} and ${args.settingsFile} → ${args.blobUrl}.settings.json`
        : `use ${args.packageUrl} and ${args.settingsUrl}`,
      `create/update gallery application ${appId}`,
      `create/update version ${version} (install: ${commands.install})`,
    ];
    out.write(
      args.json
        ? JSON.stringify({ dryRun: true, steps, commands, plan, skipped }, null, 2) + '\n'
        : `${steps.map((s) => `would ${s}`).join('\n')}\n\n${planTable(plan, 'VM APP VERSION NOW → NEW')}${skippedText}\n\ndry run: ${targets.length} machine(s) would be assigned ${args.appName} ${version}, ${skipped.length} skipped; nothing was changed\n`,
    );
    return 0;
  }

  const published = args.blobUrl
    ? await uploadAndSign(args.blobUrl, args.packageFile!, args.settingsFile!, credential, args.sasHours ?? 24)
    : { mediaLink: args.packageUrl!, configLink: args.settingsUrl!, uploaded: [] };
  const log = (line: string): void => {
    if (!args.json) out.write(`${line}\n`);
  };
  for (const u of published.uploaded) log(`uploaded ${u.bytes} bytes to ${u.url}`);
  const poll = { updateIntervalInMs: args.pollIntervalMs };
  await compute.galleryApplications.createOrUpdate(
    args.galleryResourceGroup,
    args.gallery,
    args.appName,
    {
      location: args.location,
      supportedOSType: 'Linux',
      description: 'open-ama: Azure Monitor Agent for Linux, run by the standalone guest-agent shim',
    },
    poll,
  );
  log(`gallery application ${appId}: ready`);
  await compute.galleryApplicationVersions.createOrUpdate(
    args.galleryResourceGroup,
    args.gallery,
    args.appName,
    version,
    {
      location: args.location,
      publishingProfile: {
        source: { mediaLink: published.mediaLink, defaultConfigurationLink: published.configLink },
        manageActions: commands,
        settings: { packageFileName: `${args.appName}.zip`, configFileName: `${args.appName}-settings.json` },
        targetRegions: [{ name: args.location, regionalReplicaCount: 1 }],
        excludeFromLatest: false,
      },
    },
    poll,
  );
  log(`gallery application version ${versionId}: ready`);

  if (targets.length === 0) {
    out.write(`no eligible machines matched the selection; nothing assigned${skippedText}\n`);
    return 0;
  }
  const { outcomes, failed } = await deployToAll(targets, args.concurrency, (t) =>
    assign(compute, t, appId, versionId, args.pollIntervalMs),
  );
  if (args.json)
    out.write(JSON.stringify({ application: appId, version, commands, outcomes, failed, skipped }, null, 2) + '\n');
  else
    out.write(
      `${outcomeTable(outcomes)}${skippedText}\n\n${outcomes.length - failed} succeeded, ${failed} failed, ${skipped.length} skipped\n`,
    );
  return failed > 0 ? 1 : 0;
}

/** VERSION inside the package ZIP, or a usage error saying it is not an open-ama package. */
async function packageVersion(file: string): Promise<string> {
  try {
    return (await readZipEntry(file, 'VERSION')).toString('utf8').trim();
  } catch (err) {
    throw new UsageError(`${file} is not an open-ama package (no VERSION entry): ${(err as Error).message}`);
  }
}

/** Uploads the package and the settings (Entra ID auth) and signs read-only user-delegation SAS links. */
async function uploadAndSign(
  blobUrl: string,
  packageFile: string,
  settingsFile: string,
  credential: TokenCredential,
  sasHours: number,
): Promise<Published> {
  const pkg = new BlockBlobClient(blobUrl, credential);
  const cfg = new BlockBlobClient(`${blobUrl}.settings.json`, credential);
  await pkg.uploadFile(packageFile, { blobHTTPHeaders: { blobContentType: 'application/zip' } });
  await cfg.uploadData(await readFile(settingsFile), { blobHTTPHeaders: { blobContentType: 'application/json' } });
  const service = new BlobServiceClient(serviceUrl(pkg), credential);
  const startsOn = new Date(Date.now() - 5 * 60_000);
  const expiresOn = new Date(Date.now() + sasHours * 3600_000);
  const key = await service.getUserDelegationKey(startsOn, expiresOn);
  const sign = (b: BlockBlobClient): string =>
    `${b.url}?${generateBlobSASQueryParameters(
      {
        containerName: b.containerName,
        blobName: b.name,
        permissions: BlobSASPermissions.parse('r'),
        startsOn,
        expiresOn,
        protocol: SASProtocol.Https,
      },
      key,
      b.accountName,
    ).toString()}`;
  return {
    mediaLink: sign(pkg),
    configLink: sign(cfg),
    uploaded: [
      { url: pkg.url, bytes: (await stat(packageFile)).size },
      { url: cfg.url, bytes: (await stat(settingsFile)).size },
    ],
  };
}

/** The blob service endpoint of a blob client (IP-style URLs keep the account segment). */
function serviceUrl(b: BlockBlobClient): string {
  const u = new URL(b.url);
  const ipStyle = /^\d+\.\d+\.\d+\.\d+$|^localhost$/.test(u.hostname);
  return `${u.protocol}//${u.host}${ipStyle ? `/${b.accountName}` : ''}`;
}

type Profile = { galleryApplications?: VMGalleryApplication[] };

function sameApp(ref: string | undefined, appId: string): boolean {
  return (ref ?? '').toLowerCase().startsWith(`${appId.toLowerCase()}/versions/`);
}

async function assignedVersion(
  compute: ComputeManagementClient,
  t: Target,
  appId: string,
): Promise<string | undefined> {
  const profile: Profile | undefined =
    t.kind === 'vmss'
      ? (await compute.virtualMachineScaleSets.get(t.resourceGroup, t.name)).virtualMachineProfile?.applicationProfile
      : (await compute.virtualMachines.get(t.resourceGroup, t.name)).applicationProfile;
  const ours = profile?.galleryApplications?.find((a) => sameApp(a.packageReferenceId, appId));
  return ours?.packageReferenceId?.split('/').pop();
}

/** The applications of `profile` with open-ama at `versionId` (an older open-ama version is replaced). */
export function withOurVersion(profile: Profile | undefined, appId: string, versionId: string): VMGalleryApplication[] {
  const others = (profile?.galleryApplications ?? []).filter((a) => !sameApp(a.packageReferenceId, appId));
  return [
    ...others,
    { packageReferenceId: versionId, treatFailureAsDeploymentFailure: true, enableAutomaticUpgrade: false },
  ];
}

async function assign(
  compute: ComputeManagementClient,
  t: Target,
  appId: string,
  versionId: string,
  pollIntervalMs: number,
): Promise<DeployOutcome> {
  const started = Date.now();
  const poll = { updateIntervalInMs: pollIntervalMs };
  try {
    // Throttling (429/503 + Retry-After) is retried by the SDK pipeline (deploy/clouds.ts armClientOptions).
    const state = await (async () => {
      if (t.kind === 'vmss') {
        const ss = await compute.virtualMachineScaleSets.get(t.resourceGroup, t.name);
        const vp = ss.virtualMachineProfile ?? {};
        const r = await compute.virtualMachineScaleSets.createOrUpdate(
          t.resourceGroup,
          t.name,
          {
            ...ss,
            virtualMachineProfile: {
              ...vp,
              applicationProfile: { galleryApplications: withOurVersion(vp.applicationProfile, appId, versionId) },
            },
          },
          poll,
        );
        return r.provisioningState ?? 'Unknown';
      }
      const vm = await compute.virtualMachines.get(t.resourceGroup, t.name);
      const r = await compute.virtualMachines.createOrUpdate(
        t.resourceGroup,
        t.name,
        {
          ...vm,
          applicationProfile: { galleryApplications: withOurVersion(vm.applicationProfile, appId, versionId) },
        },
        poll,
      );
      return r.provisioningState ?? 'Unknown';
    })();
    return {
      target: t,
      result: state.toLowerCase() === 'succeeded' ? 'succeeded' : 'failed',
      provisioningState: state,
      statusMessage: t.kind === 'vmss' ? 'instances follow the scale set upgrade policy' : '',
      durationMs: Date.now() - started,
    };
  } catch (err) {
    return {
      target: t,
      result: 'failed',
      provisioningState: 'Failed',
      statusMessage: ((err as Error).message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300),
      durationMs: Date.now() - started,
    };
  }
}
