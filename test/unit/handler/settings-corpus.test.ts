// Settings users already have (issue 12): the real AzureMonitorLinuxAgent settings in test/fixtures/settings
// (snippets and templates kept unchanged from Microsoft Learn, see its README) go through the handler's
// own enable-path validation (buildAgentConfig) and must be read the way AMA reads them: accepted without an
// unknown-key warning, the right managed identity and proxy selected. ARM expressions are replaced only where
// the schema needs a concrete value, each by what ARM evaluates it to (said per case); documentation
// placeholders such as "http://[address]:[port]" are refused with a clear message, then checked filled in.
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildSettings, settingsRejection } from '../../support/settings.js';
import type { AgentConfig } from '../../../agent/config/index.js';

const DIR = path.resolve('test/fixtures/settings');
const build = buildSettings;
const rejection = settingsRejection;

const raw = (file: string): string => readFileSync(path.join(DIR, file), 'utf8');
const json = (file: string): unknown => JSON.parse(raw(file));
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

interface Extension {
  /** The extension type after resolving `[variables('…')]` from the enclosing template. */
  type: string;
  settings: unknown;
  protectedSettings: unknown;
}

/**
 * The VM-extension resources of an ARM template or of the template inside a policy definition. ARM property
 * names are case-insensitive, so `protectedsettings` (as one Learn sample writes it) is the protected settings.
 */
function extensions(doc: unknown): Extension[] {
  const found: Extension[] = [];
  const walk = (node: unknown, variables: Obj): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, variables));
    if (!isObj(node)) return;
    const vars = isObj(node.variables) ? node.variables : variables;
    if (typeof node.type === 'string' && /\/extensions$/i.test(node.type) && isObj(node.properties)) {
      const props = node.properties;
      const pick = (name: string): unknown =>
        Object.entries(props).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      const type = String(props.type).replace(/^\[variables\('([^']+)'\)\]$/, (_, v: string) => String(vars[v]));
      found.push({ type, settings: pick('settings'), protectedSettings: pick('protectedSettings') });
    }
    for (const child of Object.values(node)) walk(child, vars);
  };
  walk(doc, {});
  return found;
}

/** Replaces strings equal to an ARM expression by the value ARM evaluates it to; nothing else changes. */
function evaluate(value: unknown, arm: Record<string, string>): unknown {
  if (typeof value === 'string') return arm[value] ?? value;
  if (Array.isArray(value)) return value.map((v) => evaluate(v, arm));
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, arm)]));
  return value;
}

/** Every string still holding an ARM expression, so a case cannot forget to evaluate one. */
function armExpressions(value: unknown): string[] {
  if (typeof value === 'string') return /^\[[^[].*\]$/s.test(value) ? [value] : [];
  if (Array.isArray(value)) return value.flatMap(armExpressions);
  if (isObj(value)) return Object.values(value).flatMap(armExpressions);
  return [];
}

const accepted = (pub: unknown, prot: unknown = null): AgentConfig => {
  expect(armExpressions(pub)).toEqual([]);
  const cfg = build(pub, prot);
  // Every key in these settings is one AMA documents: none may be reported as unknown.
  expect(cfg.ignoredSettings).toBeUndefined();
  return cfg;
};

const ADDRESS_FORMAT = 'invalid settings: proxy.address: has the wrong format';

describe('Microsoft Learn: Azure Monitor Agent network configuration, Linux VM tab', () => {
  test('no proxy: {"proxy":{"mode":"none"}} selects no proxy', () => {
    const cfg = accepted(json('learn-netcfg-linux-no-proxy.json'));
    expect(cfg.proxy).toEqual({ mode: 'none', bypass: [] });
    expect(cfg.managedIdentity).toBeUndefined();
  });

  test('proxy without authentication: the "[address]:[port]" placeholder is refused by name, filled in it is used', () => {
    const text = raw('learn-netcfg-linux-proxy-no-auth.json');
    const e = rejection(JSON.parse(text));
    expect(e.code).toBe('SETTINGS_INVALID');
    expect(e.exitCode).toBe(53);
    expect(e.message).toContain(ADDRESS_FORMAT);
    // The same object with the page's two placeholders filled in; "auth": "false" (a string) means no credentials.
    const filled = JSON.parse(text.replace('[address]', '10.0.0.4').replace('[port]', '3128'));
    const cfg = accepted(filled);
    expect(cfg.proxy).toEqual({ mode: 'application', address: 'http://10.0.0.4:3128', bypass: [] });
  });

  // The current page prints "auth": "true" (a string); its 2022 version (MicrosoftDocs/azure-docs, "Define Azure
  // Monitor Agent network settings") printed "auth": true (a boolean). Both mean: use the credentials.
  test.each([
    ['learn-netcfg-linux-proxy-auth.json', 'learn-netcfg-linux-proxy-auth.protected.json'],
    ['learn-2022-dce-linux-proxy-auth.json', 'learn-2022-dce-linux-proxy-auth.protected.json'],
  ])(
    'proxy with authentication (%s): refused for the placeholder address, filled in the credentials are used',
    (file, protFile) => {
      const text = raw(file);
      const protText = raw(protFile);
      expect(rejection(JSON.parse(text), JSON.parse(protText)).message).toContain(ADDRESS_FORMAT);
      const filled = JSON.parse(text.replace('[address]', 'proxy.contoso.com').replace('[port]', '8080'));
      // "[username]" / "[password]" are non-empty strings, so they are taken as they are.
      const cfg = accepted(filled, JSON.parse(protText));
      expect(cfg.proxy).toEqual({
        mode: 'application',
        address: 'http://proxy.contoso.com:8080',
        bypass: [],
        username: '[username]',
        password: '[password]',
      });
      // auth true without the protected settings is refused, naming both missing members.
      const e = rejection(filled);
      expect(e.code).toBe('PROTECTED_SETTINGS_INVALID');
      expect(e.message).toContain(
        'proxy.auth is true but protectedSettings.proxy.username and protectedSettings.proxy.password are missing',
      );
    },
  );
});

describe('Microsoft Learn: Azure Monitor Agent network configuration, ARM policy template example', () => {
  // The page's only ARM example is a Windows Arc policy; the proxy settings are the same for both extensions.
  test('"address" without a port (as AMA accepts it) selects that proxy with the scheme default port', () => {
    const [ext, ...others] = extensions(json('learn-netcfg-arm-policy-windows-arc.json'));
    expect(others).toEqual([]);
    expect(ext!.type).toBe('AzureMonitorWindowsAgent');
    // "protectedsettings": { } (ARM names are case-insensitive) is an empty protected settings object.
    expect(ext!.protectedSettings).toEqual({});
    const cfg = accepted(ext!.settings, ext!.protectedSettings);
    expect(cfg.proxy).toEqual({ mode: 'application', address: 'http://XXX.XXX.XXX.XXX', bypass: [] });
  });
});

describe('Microsoft Learn: Install and manage Azure Monitor Agent (user-assigned identity)', () => {
  const RES_ID =
    '/subscriptions/<my-subscription-id>/resourceGroups/<my-resource-group>/providers/Microsoft.ManagedIdentity/userAssignedIdentities/<my-user-assigned-identity>';

  test('Azure CLI --settings: mi_res_id selects the user-assigned identity by its resource ID', () => {
    const cfg = accepted(json('learn-manage-linux-cli-uami.json'));
    expect(cfg.managedIdentity).toEqual({ kind: 'mi_res_id', value: RES_ID });
    expect(cfg.proxy.mode).toBe('none');
  });

  test('PowerShell -SettingString (Linux) is not JSON as printed: a quote is missing before the resource ID', () => {
    expect(() => JSON.parse(raw('learn-manage-linux-powershell-uami.txt'))).toThrow(SyntaxError);
  });
});

describe('Microsoft Learn: Resource Manager template samples for agents, Linux VM with user-assigned identity', () => {
  test('the template with its sample parameter file selects that identity', () => {
    const [ext, ...others] = extensions(json('learn-rm-agent-linux-uami-template.json'));
    expect(others).toEqual([]);
    expect(ext!.type).toBe('AzureMonitorLinuxAgent');
    expect(ext!.protectedSettings).toBeUndefined();
    // ARM evaluates [parameters('userAssignedManagedIdentity')] to the value of the sample parameter file.
    const params = json('learn-rm-agent-linux-uami-parameters.json') as {
      parameters: { userAssignedManagedIdentity: { value: string } };
    };
    const value = params.parameters.userAssignedManagedIdentity.value;
    const cfg = accepted(evaluate(ext!.settings, { "[parameters('userAssignedManagedIdentity')]": value }));
    expect(cfg.managedIdentity).toEqual({ kind: 'mi_res_id', value });
    // Not evaluated (a template deployed some other way than ARM), the expression is refused, not used as an ID.
    expect(rejection(ext!.settings).message).toContain(
      'authentication.managedIdentity.identifier-value: must be a user-assigned identity resource ID',
    );
  });
});

test('every fixture is covered by a case above and listed in the README', () => {
  const readme = raw('README.md');
  const files = readdirSync(DIR).filter((f) => f !== 'README.md');
  const self = readFileSync(new URL(import.meta.url), 'utf8');
  for (const f of files) {
    expect(readme).toContain(`\`${f}\``);
    expect(self).toContain(f);
  }
});
