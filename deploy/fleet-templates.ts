// Fleet as code (docs/deploy.md "Fleet as code"): the ARM JSON behind the Bicep samples in deploy/templates/ and
// the Azure Policy definitions, generated here so they are one source and checked by a test
// (test/unit/deploy/fleet-templates.test.ts) — no Bicep compiler is installable from the registries we reach.
//   fleetTemplate()        DCE + DCR (from `open-ama dcr fix` output) + DCR/DCE associations + the extension on VMs
//   extensionPolicy(kind)  DeployIfNotExists: install the extension on Linux VMs / scale sets that lack it
//   associationPolicy()    DeployIfNotExists: associate Linux VMs with a DCR
// `open-ama deploy templates --out DIR` writes them; deploy/templates/ holds the checked-in copies.
import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

export const EXTENSION = { publisher: 'OpenAma.Monitor', type: 'OpenAmaLinuxAgent', name: 'OpenAmaLinuxAgent' };
export const API = {
  monitor: '2023-03-11',
  compute: '2024-07-01',
  deployments: '2021-04-01',
} as const;
/** Built-in role definition IDs the policies' managed identity needs (Azure built-in roles, same in every tenant). */
export const ROLES = {
  virtualMachineContributor: '9980e02c-c2be-4d73-94e8-173b1dc7cf3c',
  monitoringContributor: '749f88d5-cbae-40b8-bcfc-e573ddc772fa',
  logAnalyticsContributor: '92aaf0da-9dab-42b6-94a3-d43ce8d16293',
} as const;

type Json = Record<string, unknown>;
const roleId = (guid: string): string => `/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

/** The ARM template deploy/templates/open-ama-fleet.bicep compiles to (same parameters, resources and API versions). */
export function fleetTemplate(): Json {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    metadata: { description: 'open-ama fleet: DCE + DCR + associations + the open-ama extension on Linux VMs' },
    parameters: {
      location: { type: 'string', defaultValue: '[resourceGroup().location]' },
      dceName: { type: 'string', defaultValue: 'open-ama-dce' },
      dcrName: { type: 'string', defaultValue: 'open-ama-dcr' },
      dcrProperties: {
        type: 'object',
        metadata: { description: 'properties of the DCR printed by `open-ama dcr fix` (its "properties" object)' },
      },
      vmNames: { type: 'array', metadata: { description: 'Linux VMs of this resource group' } },
      extensionVersion: { type: 'string', defaultValue: '0.1' },
      settings: { type: 'object', defaultValue: {} },
    },
    resources: [
      {
        type: 'Microsoft.Insights/dataCollectionEndpoints',
        apiVersion: API.monitor,
        name: "[parameters('dceName')]",
        location: "[parameters('location')]",
        kind: 'Linux',
        properties: { networkAcls: { publicNetworkAccess: 'Enabled' } },
      },
      {
        type: 'Microsoft.Insights/dataCollectionRules',
        apiVersion: API.monitor,
        name: "[parameters('dcrName')]",
        location: "[parameters('location')]",
        kind: 'Linux',
        properties:
          "[union(parameters('dcrProperties'), createObject('dataCollectionEndpointId', resourceId('Microsoft.Insights/dataCollectionEndpoints', parameters('dceName'))))]",
        dependsOn: ["[resourceId('Microsoft.Insights/dataCollectionEndpoints', parameters('dceName'))]"],
      },
      {
        type: 'Microsoft.Insights/dataCollectionRuleAssociations',
        apiVersion: API.monitor,
        name: 'open-ama-dcr',
        scope: "[resourceId('Microsoft.Compute/virtualMachines', parameters('vmNames')[copyIndex()])]",
        copy: { name: 'dcrAssociations', count: "[length(parameters('vmNames'))]" },
        properties: {
          dataCollectionRuleId: "[resourceId('Microsoft.Insights/dataCollectionRules', parameters('dcrName'))]",
        },
        dependsOn: ["[resourceId('Microsoft.Insights/dataCollectionRules', parameters('dcrName'))]"],
      },
      {
        type: 'Microsoft.Insights/dataCollectionRuleAssociations',
        apiVersion: API.monitor,
        name: 'configurationAccessEndpoint',
        scope: "[resourceId('Microsoft.Compute/virtualMachines', parameters('vmNames')[copyIndex()])]",
        copy: { name: 'dceAssociations', count: "[length(parameters('vmNames'))]" },
        properties: {
          dataCollectionEndpointId: "[resourceId('Microsoft.Insights/dataCollectionEndpoints', parameters('dceName'))]",
        },
        dependsOn: ["[resourceId('Microsoft.Insights/dataCollectionEndpoints', parameters('dceName'))]"],
      },
      {
        type: 'Microsoft.Compute/virtualMachines/extensions',
        apiVersion: API.compute,
        name: `[format('{0}/${EXTENSION.name}', parameters('vmNames')[copyIndex()])]`,
        location: "[parameters('location')]",
        copy: { name: 'extensions', count: "[length(parameters('vmNames'))]" },
        properties: {
          publisher: EXTENSION.publisher,
          type: EXTENSION.type,
          typeHandlerVersion: "[parameters('extensionVersion')]",
          autoUpgradeMinorVersion: true,
          settings: "[parameters('settings')]",
        },
        dependsOn: ['dcrAssociations', 'dceAssociations'],
      },
    ],
  };
}

export type PolicyTarget = 'vm' | 'vmss';

const TARGET = {
  vm: {
    type: 'Microsoft.Compute/virtualMachines',
    osType: 'Microsoft.Compute/virtualMachines/storageProfile.osDisk.osType',
    extensionType: 'Microsoft.Compute/virtualMachines/extensions',
    extensionField: 'Microsoft.Compute/virtualMachines/extensions',
    label: 'Linux virtual machines',
  },
  vmss: {
    type: 'Microsoft.Compute/virtualMachineScaleSets',
    osType: 'Microsoft.Compute/virtualMachineScaleSets/virtualMachineProfile.storageProfile.osDisk.osType',
    extensionType: 'Microsoft.Compute/virtualMachineScaleSets/extensions',
    extensionField: 'Microsoft.Compute/virtualMachineScaleSets/extensions',
    label: 'Linux virtual machine scale sets',
  },
} as const;

const effectParameter = {
  type: 'String',
  metadata: { displayName: 'Effect', description: 'DeployIfNotExists installs; AuditIfNotExists only reports.' },
  allowedValues: ['DeployIfNotExists', 'AuditIfNotExists', 'Disabled'],
  defaultValue: 'DeployIfNotExists',
};

/** The parts in which the DeployIfNotExists policies differ. */
interface DeployIfNotExistsSpec {
  target: PolicyTarget;
  displayName: string;
  description: string;
  /** Policy parameters besides `effect`. */
  parameters: Json;
  /** The resource type whose existence is checked, the roles the policy's identity needs, the check. */
  details: { type: string; roleDefinitionIds: string[]; existenceCondition: Json };
  /** The remediation deployment: its parameter values, the template's parameter declarations and resources. */
  deploymentParameters: Json;
  templateParameters: Json;
  resources: Json[];
}

/** A DeployIfNotExists policy definition on the Linux machines of `spec.target` (docs/deploy.md "Azure Policy"). */
function deployIfNotExistsPolicy(spec: DeployIfNotExistsSpec): Json {
  const t = TARGET[spec.target];
  return {
    properties: {
      displayName: spec.displayName,
      policyType: 'Custom',
      mode: 'Indexed',
      description: spec.description,
      metadata: { category: 'Monitoring', version: '1.0.0' },
      parameters: { effect: effectParameter, ...spec.parameters },
      policyRule: {
        if: {
          allOf: [
            { field: 'type', equals: t.type },
            { field: t.osType, like: 'Linux*' },
          ],
        },
        then: {
          effect: "[parameters('effect')]",
          details: {
            ...spec.details,
            deployment: {
              properties: {
                mode: 'incremental',
                parameters: spec.deploymentParameters,
                template: {
                  $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
                  contentVersion: '1.0.0.0',
                  parameters: spec.templateParameters,
                  resources: spec.resources,
                },
              },
            },
          },
        },
      },
    },
  };
}

/** DeployIfNotExists: the open-ama extension on every Linux VM / scale set in scope that lacks it. */
export function extensionPolicy(target: PolicyTarget): Json {
  const t = TARGET[target];
  return deployIfNotExistsPolicy({
    target,
    displayName: `Configure ${t.label} to run the open-ama agent`,
    description: `Installs the ${EXTENSION.publisher}.${EXTENSION.type} extension on ${t.label} that do not have it (docs/deploy.md "Azure Policy").`,
    parameters: {
      typeHandlerVersion: { type: 'String', defaultValue: '0.1', metadata: { displayName: 'Extension version' } },
      settings: {
        type: 'Object',
        defaultValue: {},
        metadata: { displayName: 'Public settings', description: 'open-ama public settings (docs/settings.md)' },
      },
    },
    details: {
      type: t.extensionType,
      roleDefinitionIds: [roleId(ROLES.virtualMachineContributor)],
      existenceCondition: {
        allOf: [
          { field: `${t.extensionField}/type`, equals: EXTENSION.type },
          { field: `${t.extensionField}/publisher`, equals: EXTENSION.publisher },
          { field: `${t.extensionField}/provisioningState`, in: ['Succeeded', 'Provisioning'] },
        ],
      },
    },
    deploymentParameters: {
      name: { value: "[field('name')]" },
      location: { value: "[field('location')]" },
      typeHandlerVersion: { value: "[parameters('typeHandlerVersion')]" },
      settings: { value: "[parameters('settings')]" },
    },
    templateParameters: {
      name: { type: 'string' },
      location: { type: 'string' },
      typeHandlerVersion: { type: 'string' },
      settings: { type: 'object' },
    },
    resources: [
      {
        type: t.extensionType,
        apiVersion: API.compute,
        name: `[concat(parameters('name'), '/${EXTENSION.name}')]`,
        location: "[parameters('location')]",
        properties: {
          publisher: EXTENSION.publisher,
          type: EXTENSION.type,
          typeHandlerVersion: "[parameters('typeHandlerVersion')]",
          autoUpgradeMinorVersion: true,
          settings: "[parameters('settings')]",
        },
      },
    ],
  });
}

/** DeployIfNotExists: associate every Linux VM in scope with a DCR. */
export function associationPolicy(): Json {
  return deployIfNotExistsPolicy({
    target: 'vm',
    displayName: 'Associate Linux virtual machines with an open-ama data collection rule',
    description:
      'Creates a data collection rule association between Linux VMs and the given DCR (docs/deploy.md "Azure Policy").',
    parameters: {
      dcrResourceId: { type: 'String', metadata: { displayName: 'Data collection rule resource ID' } },
    },
    details: {
      type: 'Microsoft.Insights/dataCollectionRuleAssociations',
      roleDefinitionIds: [roleId(ROLES.monitoringContributor), roleId(ROLES.logAnalyticsContributor)],
      existenceCondition: {
        field: 'Microsoft.Insights/dataCollectionRuleAssociations/dataCollectionRuleId',
        equals: "[parameters('dcrResourceId')]",
      },
    },
    deploymentParameters: {
      name: { value: "[field('name')]" },
      dcrResourceId: { value: "[parameters('dcrResourceId')]" },
    },
    templateParameters: { name: { type: 'string' }, dcrResourceId: { type: 'string' } },
    resources: [
      {
        type: 'Microsoft.Insights/dataCollectionRuleAssociations',
        apiVersion: API.monitor,
        name: "[concat('open-ama-', uniqueString(parameters('dcrResourceId')))]",
        scope: "[resourceId('Microsoft.Compute/virtualMachines', parameters('name'))]",
        properties: { dataCollectionRuleId: "[parameters('dcrResourceId')]" },
      },
    ],
  });
}

/** File name → document, as checked in under deploy/templates/. */
export function generatedTemplates(): Record<string, Json> {
  return {
    'open-ama-fleet.json': fleetTemplate(),
    'policy-open-ama-extension-vm.json': extensionPolicy('vm'),
    'policy-open-ama-extension-vmss.json': extensionPolicy('vmss'),
    'policy-open-ama-dcr-association-vm.json': associationPolicy(),
  };
}

export function renderJson(doc: Json): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export async function writeTemplates(outDir: string): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const [name, doc] of Object.entries(generatedTemplates())) {
    const file = path.join(outDir, name);
    await writeFile(file, renderJson(doc));
    written.push(file);
  }
  return written;
}
