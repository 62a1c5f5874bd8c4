// Installs or updates the open-ama extension on one target with the SDK's create-or-update
// (long-running operation, polled), then reads back the provisioning state and the extension's own
// status message. Throttling (429 + Retry-After) is retried by the SDK pipeline (deploy/clouds.ts armClientOptions).
import type { ComputeManagementClient } from '@azure/arm-compute';
import type { HybridComputeManagementClient } from '@azure/arm-hybridcompute';
import { explainAzureError } from './azure-errors.js';
import type { Target } from './targets.js';

export interface ExtensionSpec {
  name: string;
  publisher: string;
  type: string;
  version: string;
  settings: Record<string, unknown>;
  /** Never printed; read from a file or stdin. */
  protectedSettings?: Record<string, unknown>;
  autoUpgradeMinorVersion: boolean;
}

export interface DeployOutcome {
  target: Target;
  result: 'succeeded' | 'failed';
  provisioningState: string;
  statusMessage: string;
  durationMs: number;
}

export interface DeployClients {
  compute?: ComputeManagementClient;
  hybrid?: HybridComputeManagementClient;
}

export interface DeployOptions {
  pollIntervalMs: number;
}

export async function deployExtension(
  target: Target,
  spec: ExtensionSpec,
  clients: DeployClients,
  opts: DeployOptions,
): Promise<DeployOutcome> {
  const started = Date.now();
  let lastError: unknown;
  try {
    await createOrUpdate(target, spec, clients, opts.pollIntervalMs);
    const { provisioningState, message } = await readBack(target, spec, clients);
    return {
      target,
      result: provisioningState.toLowerCase() === 'succeeded' ? 'succeeded' : 'failed',
      provisioningState,
      statusMessage: message,
      durationMs: Date.now() - started,
    };
  } catch (err) {
    lastError = err;
  }
  const e = lastError as { statusCode?: number; message?: string; code?: string };
  let provisioningState = 'Failed';
  let message =
    explainAzureError(lastError, target.kind === 'arc' ? 'write arc extension' : 'write extension') ??
    e?.message ??
    String(lastError);
  // An LRO that ended in Failed still left an extension resource whose instance view explains why.
  try {
    const back = await readBack(target, spec, clients);
    provisioningState = back.provisioningState;
    if (back.message) message = `${message} — ${back.message}`;
  } catch {
    // nothing more to read
  }
  return {
    target,
    result: 'failed',
    provisioningState,
    statusMessage: oneLine(message),
    durationMs: Date.now() - started,
  };
}

async function createOrUpdate(
  target: Target,
  spec: ExtensionSpec,
  clients: DeployClients,
  updateIntervalInMs: number,
): Promise<void> {
  const common = {
    publisher: spec.publisher,
    typeHandlerVersion: spec.version,
    autoUpgradeMinorVersion: spec.autoUpgradeMinorVersion,
    settings: spec.settings,
    ...(spec.protectedSettings ? { protectedSettings: spec.protectedSettings } : {}),
  };
  if (target.kind === 'arc') {
    await clients.hybrid!.machineExtensions.beginCreateOrUpdateAndWait(
      target.resourceGroup,
      target.name,
      spec.name,
      { location: target.location, properties: { ...common, type: spec.type } },
      { updateIntervalInMs },
    );
  } else if (target.kind === 'vmss') {
    await clients.compute!.virtualMachineScaleSetExtensions.createOrUpdate(
      target.resourceGroup,
      target.name,
      spec.name,
      { ...common, typePropertiesType: spec.type },
      { updateIntervalInMs },
    );
  } else {
    await clients.compute!.virtualMachineExtensions.createOrUpdate(
      target.resourceGroup,
      target.name,
      spec.name,
      { location: target.location, ...common, typePropertiesType: spec.type },
      { updateIntervalInMs },
    );
  }
}

async function readBack(
  target: Target,
  spec: ExtensionSpec,
  clients: DeployClients,
): Promise<{ provisioningState: string; message: string }> {
  if (target.kind === 'arc') {
    const ext = await clients.hybrid!.machineExtensions.get(target.resourceGroup, target.name, spec.name);
    const st = ext.properties?.instanceView?.status;
    return {
      provisioningState: ext.properties?.provisioningState ?? 'Unknown',
      message: oneLine(st?.message ?? st?.displayStatus ?? ''),
    };
  }
  if (target.kind === 'vmss') {
    const ext = await clients.compute!.virtualMachineScaleSetExtensions.get(
      target.resourceGroup,
      target.name,
      spec.name,
    );
    return { provisioningState: ext.provisioningState ?? 'Unknown', message: '' };
  }
  const ext = await clients.compute!.virtualMachineExtensions.get(target.resourceGroup, target.name, spec.name, {
    expand: 'instanceView',
  });
  const statuses = ext.instanceView?.statuses ?? [];
  const st = statuses.find((s) => s.level !== 'Info') ?? statuses[0];
  return {
    provisioningState: ext.provisioningState ?? 'Unknown',
    message: oneLine(st?.message ?? st?.displayStatus ?? ''),
  };
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').trim().slice(0, 300);
}
