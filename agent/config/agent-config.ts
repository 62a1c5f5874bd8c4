// AgentConfig: the one versioned contract handler → supervisor → collector (docs/architecture.md).
// Written atomically with mode 0600 (it may hold proxy credentials); configVersion = settings seq.
import { promises as fs } from 'node:fs';
import { registerProxyCredentials } from '../telemetry/redact.js';
import { writeFileAtomic } from './atomic-file.js';

export const AGENT_CONFIG_SCHEMA_VERSION = 1;

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
export type DcrSourceMode = 'auto' | 'inline' | 'arm' | 'control-plane';
export type ManagedIdentityKind = 'object_id' | 'client_id' | 'mi_res_id';

export interface ProxyConfig {
  mode: 'none' | 'application';
  /** http(s)://host[:port] (no port: 80 / 443), present when mode = application. */
  address?: string;
  /** Credentials from protected settings; only when proxy.auth is true. Never logged. */
  username?: string;
  password?: string;
  /** Host patterns that bypass the proxy (IMDS/HIMDS always bypass). */
  bypass: string[];
}

export interface ManagedIdentitySelector {
  kind: ManagedIdentityKind;
  value: string;
}

/** Where the supervisor keeps the guest agent informed (from HandlerEnvironment + seq). */
export interface StatusTarget {
  handlerName: string;
  extensionVersion: string;
  statusFolder: string;
  seq: number;
  /** Present when the manifest sets reportHeartbeat. */
  heartbeatFile?: string;
  logFolder: string;
  /** Present when the guest agent supports the telemetry pipeline. */
  eventsFolder?: string;
}

export interface ResourceLimits {
  /** systemd CPUQuota in percent of one core. */
  cpuQuotaPercent: number;
  /** systemd MemoryMax and watchdog RSS limit, in MB. */
  memoryMaxMB: number;
}

export interface AgentConfig {
  schemaVersion: typeof AGENT_CONFIG_SCHEMA_VERSION;
  /** Monotonic per apply; equals the settings sequence number that produced it. */
  configVersion: number;
  writtenAt: string;
  proxy: ProxyConfig;
  managedIdentity?: ManagedIdentitySelector;
  dcrSource: DcrSourceMode;
  /** Inline DCRs from settings (validated JSON objects, ARM "properties" shape plus immutableId/endpoints). */
  dataCollectionRules: unknown[];
  diskQuotaMB: number;
  selfMetrics?: { port: number };
  logLevel: LogLevel;
  resourceLimits: ResourceLimits;
  status: StatusTarget;
  /**
   * Settings keys this version does not know and ignored (JSON paths, each with a "did you mean" hint
   * when one is close): kept here so the status keeps saying so after the supervisor takes it over.
   */
  ignoredSettings?: string[];
}

/** The warning substatus for ignored settings keys (handler enable and supervisor status alike). */
export function ignoredSettingsSubstatus(
  config: Pick<AgentConfig, 'ignoredSettings'>,
): { name: string; status: 'warning'; code: number; message: string }[] {
  const ignored = config.ignoredSettings ?? [];
  if (ignored.length === 0) return [];
  return [
    {
      name: 'settings',
      status: 'warning',
      code: 0,
      message: `ignored ${ignored.length} unknown setting(s), not known to this version (a newer or older one may use them): ${ignored.join('; ')}`,
    },
  ];
}

export const DEFAULT_DISK_QUOTA_MB = 10000;
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { cpuQuotaPercent: 50, memoryMaxMB: 512 };

export async function writeAgentConfig(file: string, config: AgentConfig): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(config, null, 2) + '\n', { mode: 0o600, mkdirMode: 0o755 });
}

export class AgentConfigError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentConfigError';
  }
}

/** Reads and minimally checks the file; returns undefined when it does not exist. */
export async function readAgentConfig(file: string): Promise<AgentConfig | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new AgentConfigError(`cannot read agent config ${file}: ${(err as Error).message}`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new AgentConfigError(`agent config ${file} is not valid JSON`, { cause: err });
  }
  return migrateAgentConfig(parsed, file);
}

/** Upgrades older on-disk formats (update A→B) to the current schema; rejects unknown future ones. */
export function migrateAgentConfig(parsed: unknown, file = 'agent config'): AgentConfig {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AgentConfigError(`${file} must be a JSON object`);
  }
  const obj = parsed as Partial<AgentConfig> & { schemaVersion?: unknown };
  if (obj.schemaVersion !== AGENT_CONFIG_SCHEMA_VERSION) {
    throw new AgentConfigError(
      `${file} has schemaVersion ${String(obj.schemaVersion)}; this build reads ${AGENT_CONFIG_SCHEMA_VERSION}`,
    );
  }
  if (typeof obj.configVersion !== 'number' || !Number.isInteger(obj.configVersion) || obj.configVersion < 0) {
    throw new AgentConfigError(`${file}: configVersion must be a non-negative integer`);
  }
  if (typeof obj.status !== 'object' || obj.status === null)
    throw new AgentConfigError(`${file}: status target missing`);
  // Every process that loads the config (handler, supervisor, collector) scrubs the proxy password from its output.
  registerProxyCredentials(obj.proxy?.username, obj.proxy?.password);
  return {
    ...obj,
    resourceLimits: obj.resourceLimits ?? DEFAULT_RESOURCE_LIMITS,
    dataCollectionRules: obj.dataCollectionRules ?? [],
  } as AgentConfig;
}
