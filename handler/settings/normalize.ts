// Public + protected settings → validated AgentConfig (docs/settings.md): keys this version does not
// know are dropped with a warning (unknown-keys.ts), the rest checked by the precompiled schema, then the
// rules a schema cannot say — proxy address for mode application, credentials for proxy.auth, GUID /
// ARM-ID identity values, AMA's next-gen schema mapped, Geneva mode refused. The settings types are
// generated from the same JSON schemas, so the code and the schema cannot disagree silently.
import {
  AGENT_CONFIG_SCHEMA_VERSION,
  DEFAULT_DISK_QUOTA_MB,
  DEFAULT_RESOURCE_LIMITS,
  type AgentConfig,
  type ProxyConfig,
  type StatusTarget,
} from '../../agent/config/index.js';
import { validateProtectedSettings, validatePublicSettings } from '../../settings-schemas/generated/validators.js';
import type { PublicSettings } from '../../settings-schemas/generated/public-settings.js';
import type { ProtectedSettings } from '../../settings-schemas/generated/protected-settings.js';
import { HandlerError } from '../errors.js';
import { describeErrors } from './validation-messages.js';
import { PROTECTED_KEYS, PUBLIC_KEYS, stripUnknownKeys } from './unknown-keys.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ARM_ID =
  /^\/subscriptions\/[^/]+\/resourcegroups\/[^/]+\/providers\/microsoft\.managedidentity\/userassignedidentities\/[^/]+$/i;
const GENEVA_PROTECTED_KEYS = [
  'certificate',
  'certificatePath',
  'certificateKey',
  'certificateKeyPath',
  'monitoringGCSEnvironment',
  'namespace',
  'monitoringGCSAccount',
  'monitoringGCSRegion',
  'configVersion',
  'monitoringGCSAuthIdType',
  'monitoringGCSAuthId',
  'monitoringTenant',
  'monitoringRole',
  'monitoringRoleInstance',
];

/** AMA's reading of a boolean-ish setting: true, or the string "true" in any case. */
const isTruthy = (v: unknown): boolean => v === true || (typeof v === 'string' && v.trim().toLowerCase() === 'true');

export interface BuildInput {
  publicSettings: unknown;
  protectedSettings: unknown | null;
  seq: number;
  status: StatusTarget;
  now?: Date;
}

const invalid = (msg: string): HandlerError => new HandlerError('SETTINGS_INVALID', `invalid settings: ${msg}`);

export function buildAgentConfig(input: BuildInput): AgentConfig {
  const prot = (input.protectedSettings ?? null) as unknown;
  if (prot !== null && typeof prot === 'object' && !Array.isArray(prot)) {
    const geneva = Object.keys(prot).filter((k) => GENEVA_PROTECTED_KEYS.includes(k) || /_key|_id/i.test(k));
    if (geneva.length > 0) {
      throw new HandlerError(
        'PROTECTED_SETTINGS_INVALID',
        `invalid protected settings: ${geneva.join(', ')} belong to the Geneva (first-party) mode, which open-ama does not support; open-ama runs the Azure Monitor (DCR) mode only`,
      );
    }
  }
  const publicPart = stripUnknownKeys(input.publicSettings, PUBLIC_KEYS, '');
  const protectedPart = stripUnknownKeys(prot, PROTECTED_KEYS, 'protectedSettings.');
  if (!validatePublicSettings(publicPart.known))
    throw invalid(describeErrors(validatePublicSettings.errors, '', PUBLIC_KEYS, 'publicSettings'));
  if (!validateProtectedSettings(protectedPart.known)) {
    throw new HandlerError(
      'PROTECTED_SETTINGS_INVALID',
      `invalid protected settings: ${describeErrors(validateProtectedSettings.errors, '', PROTECTED_KEYS, 'protectedSettings')}`,
    );
  }
  const pub: NonNullable<PublicSettings> = (publicPart.known as PublicSettings) ?? {};
  const secret: NonNullable<ProtectedSettings> = (protectedPart.known as ProtectedSettings) ?? {};
  const geneva = pub.genevaConfiguration as { enable?: unknown } | undefined;
  if (isTruthy(pub.GCS_AUTO_CONFIG) || isTruthy(geneva?.enable)) {
    throw invalid(
      'GCS_AUTO_CONFIG and genevaConfiguration.enable select the Geneva (first-party) mode, which open-ama does not support; open-ama runs the Azure Monitor (DCR) mode only',
    );
  }
  const nextGen = pub.azureMonitorConfiguration;
  if (nextGen) {
    const others = Object.keys(pub).filter(
      (k) =>
        k !== 'azureMonitorConfiguration' &&
        k !== 'dataCollectionRules' &&
        k !== 'dcrSource' &&
        k !== 'genevaConfiguration',
    );
    if (others.length > 0)
      throw invalid(
        `azureMonitorConfiguration cannot be combined with ${others.join(', ')} (AMA's next-generation schema)`,
      );
  }
  const proxySettings = nextGen ? nextGen.configuration?.proxy : pub.proxy;
  const proxyCreds = nextGen ? secret.azureMonitorConfiguration?.proxy : secret.proxy;
  const credPath = nextGen ? 'protectedSettings.azureMonitorConfiguration.proxy' : 'protectedSettings.proxy';
  const identity = (nextGen ? nextGen.configuration?.authentication : pub.authentication)?.managedIdentity;

  const proxy: ProxyConfig = { mode: proxySettings?.mode ?? 'none', bypass: proxySettings?.bypass ?? [] };
  if (proxy.mode === 'application') {
    if (!proxySettings?.address)
      throw invalid('proxy.address: is required when proxy.mode is "application" (http://host:port or http://host)');
    proxy.address = proxySettings.address;
    const auth =
      proxySettings.auth === true ||
      (typeof proxySettings.auth === 'string' && proxySettings.auth.toLowerCase() === 'true');
    if (auth) {
      const missing = (['username', 'password'] as const).filter((k) => !proxyCreds?.[k]);
      if (missing.length > 0) {
        throw new HandlerError(
          'PROTECTED_SETTINGS_INVALID',
          `invalid protected settings: proxy.auth is true but ${missing.map((k) => `${credPath}.${k}`).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing`,
        );
      }
      proxy.username = proxyCreds!.username;
      proxy.password = proxyCreds!.password;
    }
  }
  let managedIdentity: AgentConfig['managedIdentity'];
  if (identity) {
    const kind = identity['identifier-name'];
    const value = identity['identifier-value'].trim();
    if ((kind === 'object_id' || kind === 'client_id') && !GUID.test(value))
      throw invalid(`authentication.managedIdentity.identifier-value: must be a GUID for ${kind}`);
    if (kind === 'mi_res_id' && !ARM_ID.test(value))
      throw invalid(
        'authentication.managedIdentity.identifier-value: must be a user-assigned identity resource ID (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/…) for mi_res_id',
      );
    managedIdentity = { kind, value };
  }
  const ignored = [...publicPart.ignored, ...protectedPart.ignored];
  return {
    schemaVersion: AGENT_CONFIG_SCHEMA_VERSION,
    configVersion: input.seq,
    writtenAt: (input.now ?? new Date()).toISOString(),
    proxy,
    ...(managedIdentity ? { managedIdentity } : {}),
    dcrSource: pub.dcrSource ?? 'auto',
    dataCollectionRules: pub.dataCollectionRules ?? [],
    diskQuotaMB: pub.diskQuotaMB ?? DEFAULT_DISK_QUOTA_MB,
    ...(pub.selfMetrics ? { selfMetrics: pub.selfMetrics } : {}),
    logLevel: pub.logLevel ?? 'info',
    resourceLimits: { ...DEFAULT_RESOURCE_LIMITS, ...(pub.resourceLimits ?? {}) },
    status: input.status,
    ...(ignored.length > 0 ? { ignoredSettings: ignored } : {}),
  };
}
