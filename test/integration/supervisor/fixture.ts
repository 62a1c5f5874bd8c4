// Test fixture for the supervisor tests: bundles the supervisor (two versions, for the update handoff)
// and the collector stand-ins with esbuild, lays out temp roots (OPEN_AMA_ROOT) with bin/supervisor.mjs
// + bin/collector.mjs and an AgentConfig, reads status files, and finds or kills every process whose
// command line or environment mentions a root (so no test leaves anything behind).
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, afterEach, beforeAll, expect } from '@jest/globals';
import { build } from 'esbuild';
import { agentPaths, DEFAULT_RESOURCE_LIMITS, type AgentConfig, type AgentPaths } from '../../../agent/config/index.js';
import {
  ensureSupervisorRunning,
  stopSupervisor,
  type EnsureRunningResult,
} from '../../../agent/supervisor/control/index.js';
import { REPO, writeConfig } from '../../support/collector-process.js';

export { waitFor } from '../../support/net.js';

export type ChildKind = 'scripted' | 'crash-on-start' | 'leaky' | 'ignores-shutdown' | 'blocks-loop' | 'real';
export const V1 = '1.0.0-test';
export const V2 = '2.0.0-test';

export interface Bundles {
  dir: string;
  supervisor: Record<string, string>;
  child: Record<Exclude<ChildKind, 'real'>, string>;
}

const banner = { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" };

export async function buildBundles(): Promise<Bundles> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-sup-bundles-'));
  const supervisor: Record<string, string> = {};
  for (const v of [V1, V2]) {
    const outfile = path.join(dir, v, 'supervisor.mjs');
    await build({
      entryPoints: [path.join(REPO, 'agent/supervisor/main.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      banner,
      logLevel: 'warning',
      define: { __OPEN_AMA_VERSION__: JSON.stringify(v) },
    });
    supervisor[v] = outfile;
  }
  const kinds = ['scripted', 'crash-on-start', 'leaky', 'ignores-shutdown', 'blocks-loop'] as const;
  const child = {} as Bundles['child'];
  for (const k of kinds) {
    child[k] = path.join(dir, 'children', `${k}.mjs`);
    await build({
      entryPoints: [path.join(REPO, `test/fixtures/children/${k}.ts`)],
      outfile: child[k],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      logLevel: 'warning',
    });
  }
  return { dir, supervisor, child };
}

export const realCollector = path.join(REPO, 'dist/collector.mjs');
export const haveRealCollector = (): boolean => existsSync(realCollector);

export interface Machine {
  root: string;
  paths: AgentPaths;
  env: NodeJS.ProcessEnv;
  /** bin/<version>/supervisor.mjs with the collector next to it. */
  script(version?: string): string;
  ensure(version?: string, timeoutMs?: number): Promise<EnsureRunningResult>;
  statusFile: string;
  heartbeatFile: string;
}

/** Every machine made, so afterEach can stop whatever a failed test left running. */
const made: Machine[] = [];

export async function stopAllMachines(): Promise<void> {
  for (const m of made.splice(0)) await stopSupervisor(m.paths, { timeoutMs: 10_000 }).catch(() => undefined);
}

export function makeMachine(
  b: Bundles,
  parent: string,
  kind: ChildKind,
  o: { env?: Record<string, string>; config?: Partial<AgentConfig>; dcrs?: unknown[] } = {},
): Machine {
  const root = mkdtempSync(path.join(parent, `${kind}-`));
  for (const v of [V1, V2]) {
    const bin = path.join(root, 'opt/open-ama', v, 'dist');
    mkdirSync(bin, { recursive: true });
    copyFileSync(b.supervisor[v]!, path.join(bin, 'supervisor.mjs'));
    copyFileSync(kind === 'real' ? realCollector : b.child[kind], path.join(bin, 'collector.mjs'));
  }
  mkdirSync(path.join(root, 'status'), { recursive: true });
  const heartbeatFile = path.join(root, 'heartbeat.log');
  writeConfig(root, o.dcrs ?? [], {
    status: {
      handlerName: 'OpenAma.Monitor.OpenAmaLinuxAgent',
      extensionVersion: V1,
      statusFolder: path.join(root, 'status'),
      seq: 1,
      logFolder: path.join(root, 'log'),
      heartbeatFile,
    },
    ...o.config,
  });
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    OPEN_AMA_ROOT: root,
    OPEN_AMA_OFFLINE: '1',
    OPEN_AMA_HEALTH_POLL_MS: '500',
    ...o.env,
  };
  const paths = agentPaths(env);
  const script = (v = V1): string => path.join(root, 'opt/open-ama', v, 'dist/supervisor.mjs');
  const m: Machine = {
    root,
    paths,
    env,
    script,
    statusFile: path.join(root, 'status/1.status'),
    heartbeatFile,
    ensure: (v = V1, timeoutMs = 20_000) =>
      ensureSupervisorRunning({
        paths,
        version: v,
        nodePath: process.execPath,
        supervisorScript: script(v),
        resourceLimits: DEFAULT_RESOURCE_LIMITS,
        env,
        timeoutMs,
      }),
  };
  made.push(m);
  return m;
}

export function setHealth(m: Machine, health: object): void {
  // temp + rename: the child never reads a torn file
  writeFileSync(path.join(m.root, 'test-health.json.tmp'), JSON.stringify(health));
  renameSync(path.join(m.root, 'test-health.json.tmp'), path.join(m.root, 'test-health.json'));
}

export interface StatusDoc {
  status: string;
  code: number;
  operation: string;
  formattedMessage: { lang: string; message: string };
  substatus: { name: string; status: string; formattedMessage: { message: string } }[];
}

export function readStatus(m: Machine): StatusDoc | undefined {
  try {
    return (JSON.parse(readFileSync(m.statusFile, 'utf8')) as { status: StatusDoc }[])[0]!.status;
  } catch {
    return undefined;
  }
}

export function readHeartbeat(m: Machine): { status: string; message: string } | undefined {
  try {
    const hb = (
      JSON.parse(readFileSync(m.heartbeatFile, 'utf8')) as {
        heartbeat: { status: string; formattedMessage: { message: string } };
      }[]
    )[0]!.heartbeat;
    return { status: hb.status, message: hb.formattedMessage.message };
  } catch {
    return undefined;
  }
}

/** Pids whose command line or environment mentions `needle` (a temp root), optionally filtered by script. */
export function processesUnder(needle: string, script?: 'supervisor.mjs' | 'collector.mjs'): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const env = readFileSync(`/proc/${d}/environ`, 'utf8');
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      if ((cmd.includes(needle) || env.includes(needle)) && (!script || cmd.includes(script))) out.push(Number(d));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

/** afterAll: SIGKILL anything left under `dir` and report what was found (the tests assert it is empty). */
export function killEverythingUnder(dir: string): number[] {
  const left = processesUnder(dir);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return left;
}

export interface SupervisorFixture {
  /** A new machine (temp root) under this file's parent dir. */
  machine(kind: ChildKind, o?: Parameters<typeof makeMachine>[3]): Machine;
  /** This file's parent temp dir (valid from beforeAll on). */
  dir(): string;
}

/**
 * Registers a test file's hooks: bundles and a parent temp dir before all, every machine stopped after
 * each test, and at the end nothing left running under the dir (asserted) and everything removed.
 */
export function useSupervisorFixture(prefix: string): SupervisorFixture {
  let bundles: Bundles | undefined;
  let dir = '';
  beforeAll(async () => {
    bundles = await buildBundles();
    dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  }, 60_000);
  afterEach(stopAllMachines, 30_000);
  afterAll(() => {
    const left = killEverythingUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    if (bundles) rmSync(bundles.dir, { recursive: true, force: true });
    expect(left).toEqual([]);
  });
  return {
    machine: (kind, o = {}) => {
      if (!bundles) throw new Error('useSupervisorFixture: machine() called before beforeAll');
      return makeMachine(bundles, dir, kind, o);
    },
    dir: () => dir,
  };
}
