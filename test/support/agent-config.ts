// A complete AgentConfig for tests and benchmarks: the handler's defaults (no proxy, inline DCRs, 1000 MB
// quota, default resource limits) with the given fields replaced.
import { AGENT_CONFIG_SCHEMA_VERSION, DEFAULT_RESOURCE_LIMITS, type AgentConfig } from '../../agent/config/index.js';

export function testAgentConfig(overrides: Partial<AgentConfig> = {}, statusDir = '/tmp/open-ama-test'): AgentConfig {
  return {
    schemaVersion: AGENT_CONFIG_SCHEMA_VERSION,
    configVersion: 1,
    writtenAt: '2026-11-25T10:00:00Z',
    proxy: { mode: 'none', bypass: [] },
    dcrSource: 'inline',
    dataCollectionRules: [],
    diskQuotaMB: 1000,
    logLevel: 'info',
    resourceLimits: DEFAULT_RESOURCE_LIMITS,
    status: { handlerName: 'x', extensionVersion: '0', statusFolder: statusDir, seq: 1, logFolder: statusDir },
    ...overrides,
  };
}
