// Runs the real collector bundle (dist/collector.mjs) standalone under a temp OPEN_AMA_ROOT with an
// AgentConfig file, for end-to-end tests against the loopback fakes.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import type { AgentConfig } from '../../agent/config/index.js';
import { testAgentConfig } from './agent-config.js';

export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

export function writeConfig(root: string, dcrs: unknown[], extra: Partial<AgentConfig> = {}): void {
  const dir = path.join(root, 'etc/opt/open-ama');
  mkdirSync(dir, { recursive: true });
  const cfg = testAgentConfig({
    writtenAt: new Date().toISOString(),
    dataCollectionRules: dcrs,
    status: {
      handlerName: 'x',
      extensionVersion: '0',
      statusFolder: path.join(root, 'status'),
      seq: 1,
      logFolder: path.join(root, 'log'),
    },
    ...extra,
  });
  writeFileSync(path.join(dir, 'agent-config.json'), JSON.stringify(cfg), { mode: 0o600 });
}

export function startCollector(root: string, env: Record<string, string>): ResultPromise {
  return execa(process.execPath, [path.join(REPO, 'dist', 'collector.mjs')], {
    env: { ...process.env, OPEN_AMA_ROOT: root, ...env },
    reject: false,
    stdio: 'ignore',
  });
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const SYSLOG_COMPANION_COLUMNS = [
  'TimeGenerated',
  'Computer',
  'EventTime',
  'Facility',
  'HostName',
  'HostIP',
  'SeverityLevel',
  'SyslogMessage',
  'ProcessID',
  'ProcessName',
  'CollectorHostName',
].map((name) => ({ name, type: name === 'ProcessID' ? 'int' : /Time/.test(name) ? 'datetime' : 'string' }));

export function syslogToLaDcr(id: string, endpoint: string): unknown {
  return {
    properties: {
      immutableId: id,
      endpoints: { logsIngestion: endpoint },
      streamDeclarations: { 'Custom-OpenAma-Syslog': { columns: SYSLOG_COMPANION_COLUMNS } },
      dataSources: { syslog: [{ name: 'all', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['*'] }] },
      destinations: {
        logAnalytics: [
          {
            name: 'la',
            workspaceResourceId:
              '/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w',
          },
        ],
      },
      dataFlows: [
        { streams: ['Microsoft-Syslog'], destinations: ['la'], transformKql: 'source' },
        {
          streams: ['Custom-OpenAma-Syslog'],
          destinations: ['la'],
          transformKql: 'source',
          outputStream: 'Microsoft-Syslog',
        },
      ],
    },
  };
}
