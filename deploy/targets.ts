// Which machines a deploy acts on: Azure VMs and scale sets (by resource group, tag or an ID list)
// and Azure Arc machines (--arc), enumerated with Azure's own SDK clients.
import { readFile } from 'node:fs/promises';
import { ComputeManagementClient } from '@azure/arm-compute';
import { HybridComputeManagementClient } from '@azure/arm-hybridcompute';
import type { TokenCredential } from '@azure/identity';
import { armClientOptions } from './clouds.js';

export type TargetKind = 'vm' | 'vmss' | 'arc';

export interface Target {
  kind: TargetKind;
  id: string;
  name: string;
  resourceGroup: string;
  location: string;
  /** 'Linux' / 'Windows' (VMs: storageProfile.osDisk.osType, else osProfile); Arc: osType. */
  osType?: string;
  /** Arc machines only: the agent's connection status (Connected, Disconnected, Error). */
  status?: string;
}

export interface TargetSelection {
  /** Every machine of the subscription (must be asked for explicitly). */
  all?: boolean;
  resourceGroup?: string;
  tag?: { key: string; value: string };
  idsFile?: string;
  arc: boolean;
  includeScaleSets: boolean;
}

interface ArmResource {
  id?: string;
  name?: string;
  location?: string;
  tags?: Record<string, string>;
  // Azure VM (flattened by the compute SDK)
  storageProfile?: { osDisk?: { osType?: string } };
  osProfile?: { linuxConfiguration?: unknown; windowsConfiguration?: unknown };
  // Arc machine
  properties?: { osType?: string; osName?: string; status?: string };
}

function osTypeOf(r: ArmResource): string | undefined {
  const arcOs = r.properties?.osType ?? r.properties?.osName;
  if (arcOs) return arcOs;
  if (r.storageProfile?.osDisk?.osType) return r.storageProfile.osDisk.osType;
  if (r.osProfile?.linuxConfiguration) return 'Linux';
  if (r.osProfile?.windowsConfiguration) return 'Windows';
  return undefined;
}

export function parseTag(tag: string | undefined): { key: string; value: string } | undefined {
  if (!tag) return undefined;
  const i = tag.indexOf('=');
  if (i <= 0) throw new Error(`--tag must be key=value, got "${tag}"`);
  return { key: tag.slice(0, i), value: tag.slice(i + 1) };
}

export function parseResourceId(id: string): {
  subscription: string;
  resourceGroup: string;
  provider: string;
  type: string;
  name: string;
} {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)$/i.exec(
    id.trim(),
  );
  if (!m) throw new Error(`not a machine resource ID: ${id}`);
  return { subscription: m[1]!, resourceGroup: m[2]!, provider: m[3]!, type: m[4]!, name: m[5]! };
}

function toTarget(kind: TargetKind, r: ArmResource): Target {
  const id = r.id ?? '';
  return {
    kind,
    id,
    name: r.name ?? parseResourceId(id).name,
    resourceGroup: parseResourceId(id).resourceGroup,
    location: r.location ?? '',
    ...(kind === 'vmss' ? {} : { osType: osTypeOf(r) }),
    ...(kind === 'arc' ? { status: r.properties?.status } : {}),
  };
}

function tagMatches(r: ArmResource, tag?: { key: string; value: string }): boolean {
  if (!tag) return true;
  const found = Object.entries(r.tags ?? {}).find(([k]) => k.toLowerCase() === tag.key.toLowerCase());
  return found !== undefined && found[1] === tag.value;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export interface TargetClients {
  compute?: ComputeManagementClient;
  hybrid?: HybridComputeManagementClient;
}

/** The SDK client a selection needs: Arc machines (HybridCompute) or Azure VMs / scale sets (Compute). */
export function createTargetClients(
  sel: Pick<TargetSelection, 'arc'>,
  credential: TokenCredential,
  subscription: string,
  armEndpoint: string,
): TargetClients {
  const clientOptions = armClientOptions(armEndpoint);
  return sel.arc
    ? { hybrid: new HybridComputeManagementClient(credential, subscription, clientOptions) }
    : { compute: new ComputeManagementClient(credential, subscription, clientOptions) };
}

export async function listTargets(sel: TargetSelection, clients: TargetClients): Promise<Target[]> {
  if (sel.idsFile) {
    const ids = (await readFile(sel.idsFile, 'utf8'))
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const targets: Target[] = [];
    for (const id of ids) {
      const p = parseResourceId(id);
      if (p.provider.toLowerCase() === 'microsoft.hybridcompute') {
        const m = await clients.hybrid!.machines.get(p.resourceGroup, p.name);
        targets.push(toTarget('arc', m));
      } else if (p.type.toLowerCase() === 'virtualmachinescalesets') {
        targets.push(toTarget('vmss', await clients.compute!.virtualMachineScaleSets.get(p.resourceGroup, p.name)));
      } else {
        targets.push(toTarget('vm', await clients.compute!.virtualMachines.get(p.resourceGroup, p.name)));
      }
    }
    return targets;
  }
  if (sel.arc) {
    const machines = await collect(
      sel.resourceGroup
        ? clients.hybrid!.machines.listByResourceGroup(sel.resourceGroup)
        : clients.hybrid!.machines.listBySubscription(),
    );
    return machines.filter((m) => tagMatches(m, sel.tag)).map((m) => toTarget('arc', m));
  }
  const compute = clients.compute!;
  const vms = await collect(
    sel.resourceGroup ? compute.virtualMachines.list(sel.resourceGroup) : compute.virtualMachines.listAll(),
  );
  const targets = vms.filter((v) => tagMatches(v, sel.tag)).map((v) => toTarget('vm', v));
  if (sel.includeScaleSets) {
    const sets = await collect(
      sel.resourceGroup
        ? compute.virtualMachineScaleSets.list(sel.resourceGroup)
        : compute.virtualMachineScaleSets.listAll(),
    );
    targets.push(...sets.filter((s) => tagMatches(s, sel.tag)).map((s) => toTarget('vmss', s)));
  }
  return targets;
}
