// The settings contract (handler/settings): unknown public and protected keys are ignored with their
// JSON path and a "did you mean" hint (forward compatibility: the guest agent hands the same settings to
// older and newer versions), known keys with a wrong type or value are still refused (exit 53), AMA's
// own keys are accepted, and the known keys are exactly the JSON schema's.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { buildSettings, settingsRejection } from '../../support/settings.js';
import { PUBLIC_KEYS } from '../../../handler/settings/unknown-keys.js';
import { SETTINGS_KEYS } from '../../../settings-schemas/generated/settings-keys.js';

const build = buildSettings;
const rejection = settingsRejection;

describe('unknown settings keys are ignored with a warning', () => {
  test('top-level, nested and next-generation paths, each with its closest known key', () => {
    const cfg = build({
      logLevl: 'debug',
      futureFeature: { on: true },
      proxy: { mode: 'none', adress: 'http://p:3128' },
      resourceLimits: { memoryMaxMb: 100 },
    });
    expect(cfg.ignoredSettings).toEqual([
      'logLevl (did you mean "logLevel"?)',
      'futureFeature',
      'proxy.adress (did you mean "address"?)',
      'resourceLimits.memoryMaxMb (did you mean "memoryMaxMB"?)',
    ]);
    // The ignored keys change nothing; the known ones still apply.
    expect(cfg.logLevel).toBe('info');
    expect(cfg.resourceLimits.memoryMaxMB).toBe(512);
    const nextGen = build({
      azureMonitorConfiguration: { enable: true, configuration: { proxy: { mdoe: 'none' }, extra: 1 } },
    });
    expect(nextGen.ignoredSettings).toEqual([
      'azureMonitorConfiguration.configuration.proxy.mdoe (did you mean "mode"?)',
      'azureMonitorConfiguration.configuration.extra',
    ]);
  });

  test('unknown protected keys are named under protectedSettings, their values never', () => {
    const cfg = build(
      { proxy: { mode: 'application', address: 'http://p:3128', auth: true } },
      { proxy: { username: 'u', password: 'Secret-Value-9', passwrd: 'Secret-Value-9' }, token: 'Secret-Value-9' },
    );
    expect(cfg.ignoredSettings).toEqual([
      'protectedSettings.proxy.passwrd (did you mean "password"?)',
      'protectedSettings.token',
    ]);
    expect(JSON.stringify(cfg.ignoredSettings)).not.toContain('Secret-Value-9');
    expect(cfg.proxy).toMatchObject({ username: 'u', password: 'Secret-Value-9' });
  });

  test('a strange key is shown quoted and cut, and an own "__proto__" key is dropped without effect', () => {
    const cfg = build(JSON.parse(`{"${'k'.repeat(100)} x": 1, "__proto__": {"logLevel": "debug"}}`));
    expect(cfg.ignoredSettings).toEqual([`"${'k'.repeat(64)}…"`, '__proto__']);
    expect(cfg.logLevel).toBe('info');
  });

  test('known keys with a wrong type or value are still refused, unknown ones beside them do not hide that', () => {
    const e = rejection({ diskQuotaMB: 'lots', logLevel: 'verbose', futureKey: 1 });
    expect(e.code).toBe('SETTINGS_INVALID');
    expect(e.exitCode).toBe(53);
    expect(e.message).toMatch(/diskQuotaMB: must be integer/);
    expect(e.message).toMatch(/logLevel: must be one of/);
    expect(e.message).not.toMatch(/futureKey/);
    expect(rejection({ traceFlags: { x: 1 } }).message).toMatch(/traceFlags: must be string or integer/);
    expect(rejection(null, { proxy: { username: 5 } }).code).toBe('PROTECTED_SETTINGS_INVALID');
  });

  test('no unknown keys: no ignoredSettings at all', () => {
    expect(build({ logLevel: 'debug' }).ignoredSettings).toBeUndefined();
    expect(build(null).ignoredSettings).toBeUndefined();
  });
});

describe('no settings at all', () => {
  // What the built-in Arc policy for Linux deploys (an extension resource without settings): the guest agent
  // hands the handler null public and protected settings.
  test('the machine identity and no proxy', () => {
    const cfg = build(null);
    expect(cfg.managedIdentity).toBeUndefined();
    expect(cfg.proxy).toEqual({ mode: 'none', bypass: [] });
  });
});

describe("AMA's own keys", () => {
  test('traceFlags (string or number) is accepted and ignored without a warning', () => {
    expect(build({ traceFlags: '0x2' }).ignoredSettings).toBeUndefined();
    expect(build({ traceFlags: 2 }).ignoredSettings).toBeUndefined();
  });

  test('Geneva mode is refused only when selected; present but off it is ignored', () => {
    expect(rejection({ GCS_AUTO_CONFIG: 'True' }).message).toMatch(/Geneva \(first-party\) mode/);
    expect(rejection({ genevaConfiguration: { enable: true } }).message).toMatch(/Geneva/);
    expect(() => build({ GCS_AUTO_CONFIG: false, genevaConfiguration: { enable: 'false' } })).not.toThrow();
    expect(rejection(null, { monitoringGCSAccount: 'a' }).code).toBe('PROTECTED_SETTINGS_INVALID');
  });

  test('AMA proxy and managed identity keys map into the agent config', () => {
    const cfg = build(
      {
        proxy: { mode: 'application', address: 'http://proxy:3128', auth: 'true' },
        authentication: {
          managedIdentity: {
            'identifier-name': 'client_id',
            'identifier-value': '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0',
          },
        },
      },
      { proxy: { username: 'u', password: 'p' } },
    );
    expect(cfg.proxy).toMatchObject({ mode: 'application', address: 'http://proxy:3128', username: 'u' });
    expect(cfg.managedIdentity).toEqual({ kind: 'client_id', value: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0' });
  });

  test('a proxy address without a port is accepted as AMA accepts it (the scheme default applies); other shapes are not', () => {
    for (const address of ['http://proxy.contoso.com', 'https://10.0.0.4', 'http://proxy/']) {
      expect(build({ proxy: { mode: 'application', address } }).proxy).toEqual({
        mode: 'application',
        address,
        bypass: [],
      });
    }
    for (const address of [
      'proxy.contoso.com:3128',
      'http://proxy:3128/path',
      'http://u:p@proxy:3128',
      'socks5://p:1080',
    ]) {
      expect(rejection({ proxy: { mode: 'application', address } }).message).toContain(
        "proxy.address: has the wrong format (expected http://host:port or https://host:port, or no port for the scheme's default)",
      );
    }
  });
});

describe('the schema is the source of the known keys', () => {
  const schema = JSON.parse(readFileSync('settings-schemas/public-settings.schema.json', 'utf8')) as {
    properties: Record<string, { properties?: Record<string, unknown> }>;
  };

  test("PUBLIC_KEYS lists the schema's top-level and nested properties", () => {
    expect(PUBLIC_KEYS['']).toEqual(Object.keys(schema.properties));
    expect(PUBLIC_KEYS.proxy).toEqual(Object.keys(schema.properties.proxy!.properties!));
    // A $ref is followed: the next-generation proxy has the flat proxy's keys.
    expect(PUBLIC_KEYS['azureMonitorConfiguration.configuration.proxy']).toEqual(PUBLIC_KEYS.proxy);
  });

  test('docs/settings.md names every public and protected schema path', () => {
    const doc = readFileSync('docs/settings.md', 'utf8');
    const missing = [
      ...SETTINGS_KEYS.public.paths.filter((p) => !doc.includes(`\`${p}\``)),
      ...SETTINGS_KEYS.protected.paths.map((p) => `protectedSettings.${p}`).filter((p) => !doc.includes(`\`${p}\``)),
    ];
    expect(missing).toEqual([]);
  });
});
