// Which targets a deploy may touch: Linux machines that are running (Azure VM power state from the
// instance view; Arc machines Connected with osType linux). Everything else is skipped with a reason
// and never sent a request; also reads the extension version each machine has now (for --dry-run).
import type { DeployClients } from './extension-deployer.js';
import type { Target } from './targets.js';

/** Why `target` must be skipped, or undefined when it may be deployed to. */
export async function skipReason(target: Target, clients: DeployClients): Promise<string | undefined> {
  if (target.kind === 'vmss') return undefined; // scale-set instances are upgraded by the scale set's own policy
  if (target.osType !== undefined && target.osType.toLowerCase() !== 'linux')
    return `not a Linux machine (osType ${target.osType})`;
  if (target.osType === undefined) return 'not a Linux machine (no osType / linuxConfiguration reported)';
  if (target.kind === 'arc') {
    return target.status === 'Connected' ? undefined : `Arc agent not connected (status ${target.status ?? 'unknown'})`;
  }
  const view = await clients.compute!.virtualMachines.instanceView(target.resourceGroup, target.name);
  const power = (view.statuses ?? []).find((s) => s.code?.startsWith('PowerState/'))?.code;
  if (power === 'PowerState/running') return undefined;
  return `not running (${power ?? 'no power state reported'})`;
}

/** The typeHandlerVersion of the extension named `name` on `target`, or undefined when not installed. */
export async function installedVersion(
  target: Target,
  name: string,
  clients: DeployClients,
): Promise<string | undefined> {
  try {
    if (target.kind === 'arc')
      return (await clients.hybrid!.machineExtensions.get(target.resourceGroup, target.name, name)).properties
        ?.typeHandlerVersion;
    if (target.kind === 'vmss')
      return (await clients.compute!.virtualMachineScaleSetExtensions.get(target.resourceGroup, target.name, name))
        .typeHandlerVersion;
    return (await clients.compute!.virtualMachineExtensions.get(target.resourceGroup, target.name, name))
      .typeHandlerVersion;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return undefined;
    throw err;
  }
}
