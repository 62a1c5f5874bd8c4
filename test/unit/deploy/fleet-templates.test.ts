// Fleet as code without a Bicep compiler (none is installable from the registries we reach): the ARM JSON and
// policy definitions in deploy/templates/ are exactly what deploy/fleet-templates.ts generates; the ARM template
// is structurally sound (schema, API versions, every parameter reference declared, every dependsOn resolvable)
// and declares the same parameters and resource type@apiVersion pairs as open-ama-fleet.bicep; each policy is a
// DeployIfNotExists definition Azure accepts in shape (effect parameter, Linux filter, existenceCondition on the
// related resource's aliases, roleDefinitionIds, a nested template whose parameters match what is passed);
// publisher and type are package.json's; the VM Application sample's commands are deploy/vmapp-commands.ts's.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  associationPolicy,
  extensionPolicy,
  fleetTemplate,
  generatedTemplates,
  renderJson,
} from '../../../deploy/fleet-templates.js';
import { vmAppCommands } from '../../../deploy/vmapp-commands.js';
import { findRepoRoot, readProjectMetadata } from '../../../packaging/project-metadata.js';

const repo = findRepoRoot(process.cwd());
const dir = path.join(repo, 'deploy/templates');
const meta = readProjectMetadata(repo);
type Json = Record<string, unknown>;

/** Every string in a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

function referenced(v: unknown, fn: 'parameters' | 'field'): Set<string> {
  const out = new Set<string>();
  for (const s of strings(v)) for (const m of s.matchAll(new RegExp(`${fn}\\('([^']+)'\\)`, 'g'))) out.add(m[1]!);
  return out;
}

describe('deploy/templates/ is what the generator writes', () => {
  test.each(Object.keys(generatedTemplates()))(
    '%s is up to date (open-ama deploy templates --out deploy/templates)',
    (name) => {
      expect(readFileSync(path.join(dir, name), 'utf8')).toBe(renderJson(generatedTemplates()[name]!));
    },
  );
});

describe('open-ama-fleet.json (ARM)', () => {
  const t = fleetTemplate() as {
    $schema: string;
    parameters: Record<string, unknown>;
    resources: (Json & {
      type: string;
      apiVersion: string;
      name: string;
      copy?: { name: string };
      dependsOn?: string[];
    })[];
  };

  test('is a deployment template whose resources all have type, API version and name', () => {
    expect(t.$schema).toMatch(/deploymentTemplate\.json#$/);
    for (const r of t.resources) {
      expect(r.type).toMatch(/^Microsoft\.[A-Za-z]+\/[A-Za-z/]+$/);
      expect(r.apiVersion).toMatch(/^\d{4}-\d{2}-\d{2}(-preview)?$/);
      expect(r.name).toBeTruthy();
    }
  });

  test('references only declared parameters, and depends only on resources it declares', () => {
    for (const p of referenced(t.resources, 'parameters')) expect(Object.keys(t.parameters)).toContain(p);
    const copies = t.resources.map((r) => r.copy?.name).filter(Boolean);
    for (const r of t.resources)
      for (const d of r.dependsOn ?? []) {
        const m = /^\[resourceId\('([^']+)', parameters\('([^']+)'\)\)\]$/.exec(d);
        if (m) expect(t.resources.some((x) => x.type === m[1] && x.name === `[parameters('${m[2]}')]`)).toBe(true);
        else expect(copies).toContain(d);
      }
  });

  test('installs package.json publisher and type', () => {
    const ext = t.resources.find((r) => r.type === 'Microsoft.Compute/virtualMachines/extensions')!;
    expect(ext.properties).toMatchObject({ publisher: meta.publisher, type: meta.type });
  });

  test('declares the same parameters and resource type@apiVersion pairs as open-ama-fleet.bicep', () => {
    const bicep = readFileSync(path.join(dir, 'open-ama-fleet.bicep'), 'utf8');
    const params = [...bicep.matchAll(/^param (\w+) /gm)].map((m) => m[1]);
    expect(params.sort()).toEqual(Object.keys(t.parameters).sort());
    const declared = [...bicep.matchAll(/^resource \w+ '([^@']+)@([^']+)' = (?!.*existing)/gm)].map(
      (m) => `${m[1]}@${m[2]}`,
    );
    expect(declared.sort()).toEqual(t.resources.map((r) => `${r.type}@${r.apiVersion}`).sort());
  });
});

describe('Azure Policy definitions (DeployIfNotExists)', () => {
  const policies: [string, Json][] = [
    ['extension on VMs', extensionPolicy('vm')],
    ['extension on scale sets', extensionPolicy('vmss')],
    ['DCR association on VMs', associationPolicy()],
  ];

  test.each(policies)('%s: shape, Linux filter, existence condition, roles, nested template', (_name, doc) => {
    const p = doc.properties as {
      policyType: string;
      mode: string;
      parameters: Record<string, { type: string; allowedValues?: string[]; defaultValue?: unknown }>;
      policyRule: {
        if: { allOf: { field: string; equals?: string; like?: string }[] };
        then: {
          effect: string;
          details: {
            type: string;
            roleDefinitionIds: string[];
            existenceCondition: unknown;
            deployment: {
              properties: { mode: string; parameters: Record<string, { value: unknown }>; template: Json };
            };
          };
        };
      };
    };
    expect(p).toMatchObject({ policyType: 'Custom', mode: 'Indexed' });
    expect(p.parameters.effect).toMatchObject({
      allowedValues: expect.arrayContaining(['DeployIfNotExists', 'AuditIfNotExists', 'Disabled']),
      defaultValue: 'DeployIfNotExists',
    });
    const conds = p.policyRule.if.allOf;
    const type = conds.find((c) => c.field === 'type')!.equals!;
    expect(['Microsoft.Compute/virtualMachines', 'Microsoft.Compute/virtualMachineScaleSets']).toContain(type);
    expect(conds).toContainEqual({ field: expect.stringMatching(/osDisk\.osType$/), like: 'Linux*' });
    const then = p.policyRule.then;
    expect(then.effect).toBe("[parameters('effect')]");
    // existenceCondition may only use aliases of the related resource (details.type).
    for (const f of strings(then.details.existenceCondition).filter((s) => s.startsWith('Microsoft.')))
      expect(f.startsWith(`${then.details.type}/`)).toBe(true);
    expect(then.details.roleDefinitionIds.length).toBeGreaterThan(0);
    for (const r of then.details.roleDefinitionIds)
      expect(r).toMatch(
        /^\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$/,
      );
    const dep = then.details.deployment.properties;
    expect(dep.mode).toBe('incremental');
    const tpl = dep.template as { parameters: Record<string, unknown>; resources: Json[] };
    expect(Object.keys(dep.parameters).sort()).toEqual(Object.keys(tpl.parameters).sort());
    for (const used of referenced(tpl.resources, 'parameters')) expect(Object.keys(tpl.parameters)).toContain(used);
    // The policy's own parameters and field() appear only outside the nested template.
    const outside = { ...p.policyRule, then: { ...then, details: { ...then.details, deployment: dep.parameters } } };
    for (const used of referenced(outside, 'parameters')) expect(Object.keys(p.parameters)).toContain(used);
    expect(referenced(tpl, 'field').size).toBe(0);
    for (const f of referenced(dep.parameters, 'field')) expect(['name', 'location']).toContain(f);
  });

  test('the extension policies deploy package.json publisher and type and check both in existenceCondition', () => {
    for (const target of ['vm', 'vmss'] as const) {
      const text = JSON.stringify(extensionPolicy(target));
      expect(text).toContain(`"equals":"${meta.publisher}"`);
      expect(text).toContain(`"equals":"${meta.type}"`);
      expect(text).toContain(`"publisher":"${meta.publisher}","type":"${meta.type}"`);
    }
  });
});

describe('open-ama-vmapp.bicep', () => {
  test('runs the same install / remove / update commands as open-ama deploy vmapp', () => {
    const bicep = readFileSync(path.join(dir, 'open-ama-vmapp.bicep'), 'utf8');
    const v = (name: string): string | undefined => new RegExp(`^var ${name} = '(.*)'$`, 'm').exec(bicep)?.[1];
    const cmds = vmAppCommands({ packageFileName: 'open-ama.zip', configFileName: 'open-ama-settings.json' });
    expect({ install: v('install'), remove: v('remove'), update: v('update') }).toEqual(cmds);
    expect(bicep).toContain("packageFileName: 'open-ama.zip'");
    expect(bicep).toContain("configFileName: 'open-ama-settings.json'");
  });
});
