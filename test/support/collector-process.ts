// Runs the real collector bundle (dist/collector.mjs) the way the supervisor does: a child with an IPC
// channel (ready / health-request) under a temp OPEN_AMA_ROOT with an AgentConfig file, pointed at the
// loopback fakes. The one way every integration test, fault scenario and benchmark starts a collector;
// killAllCollectors() in afterEach/afterAll ends whatever a failed test left running.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { CollectorHealth, CollectorToSupervisor } from '../../agent/collector/ipc.js';
import { waitFor } from './net.js';
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

const COLLECTOR = path.join(REPO, 'dist', 'collector.mjs');
const running = new Set<RunningCollector>();

export class RunningCollector {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readyResolve?: () => void;
  readonly ready: Promise<void>;
  private healthWaiters: ((h: CollectorHealth) => void)[] = [];
  stderr = '';

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    this.ready = new Promise((r) => (this.readyResolve = r));
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    child.on('message', (raw: unknown) => {
      const msg = raw as CollectorToSupervisor;
      if (msg.type === 'ready') this.readyResolve?.();
      else if (msg.type === 'health') for (const w of this.healthWaiters.splice(0)) w(msg.health);
    });
    child.on('error', () => undefined);
    void this.exited.then(() => running.delete(this));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The health the supervisor would put in the status file. */
  health(): Promise<CollectorHealth> {
    return new Promise((resolve, reject) => {
      this.healthWaiters.push(resolve);
      if (!this.child.connected) reject(new Error('collector has no IPC channel (exited?)'));
      else this.child.send({ type: 'health-request' });
    });
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (flush to the durable queue, then exit); SIGKILL if it hangs for 30 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Starts the collector and waits until it applied its config and the syslog port (if any) accepts. */
export async function startCollector(
  root: string,
  env: Record<string, string>,
  syslogPort?: number,
): Promise<RunningCollector> {
  const child = spawn(process.execPath, [COLLECTOR], {
    env: { ...process.env, OPEN_AMA_ROOT: root, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const c = new RunningCollector(child);
  running.add(c);
  await Promise.race([
    c.ready,
    c.exited.then(() => Promise.reject(new Error(`collector exited before ready: ${c.stderr}`))),
  ]);
  if (syslogPort !== undefined) {
    await waitFor(
      async () => {
        try {
          (await connectTo(syslogPort)).destroy();
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      'syslog listener',
    );
  }
  return c;
}

/** afterEach: SIGKILL every collector a scenario left running. */
export async function killAllCollectors(): Promise<void> {
  for (const c of [...running]) await c.kill9();
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

/** One Log Analytics destination named `la` (a fresh object: tests may edit the DCR). */
const laDestinations = (): Record<string, unknown> => ({
  logAnalytics: [
    {
      name: 'la',
      workspaceResourceId: '/subscriptions/x/resourceGroups/r/providers/Microsoft.OperationalInsights/workspaces/w',
    },
  ],
});

export function syslogToLaDcr(id: string, endpoint: string): unknown {
  return {
    properties: {
      immutableId: id,
      endpoints: { logsIngestion: endpoint },
      streamDeclarations: { 'Custom-OpenAma-Syslog': { columns: SYSLOG_COMPANION_COLUMNS } },
      dataSources: { syslog: [{ name: 'all', streams: ['Microsoft-Syslog'], facilityNames: ['*'], logLevels: ['*'] }] },
      destinations: laDestinations(),
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

/**
 * A DCR tailing the text logs `pattern` matches into `stream` (TimeGenerated a datetime, the other columns
 * strings) and sending them to Log Analytics as `outputStream`.
 */
export function textLogToLaDcr(
  id: string,
  endpoint: string,
  pattern: string,
  o: { stream: string; columns: string[]; outputStream: string },
): unknown {
  return {
    properties: {
      immutableId: id,
      endpoints: { logsIngestion: endpoint },
      streamDeclarations: {
        [o.stream]: {
          columns: o.columns.map((name) => ({ name, type: name === 'TimeGenerated' ? 'datetime' : 'string' })),
        },
      },
      dataSources: { logFiles: [{ name: 'app', streams: [o.stream], filePatterns: [pattern], format: 'text' }] },
      destinations: laDestinations(),
      dataFlows: [{ streams: [o.stream], destinations: ['la'], transformKql: 'source', outputStream: o.outputStream }],
    },
  };
}

function connectTo(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}
