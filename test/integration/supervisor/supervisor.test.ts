// The supervisor with real processes and signals: one supervisor + one collector per machine, a second
// start is a no-op, kill -9 of the collector → restarted and reported, kill -9 of the supervisor → the
// collector exits by itself and the next start recovers, a crash loop → error status naming the cause,
// stop leaves no process.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths, DEFAULT_RESOURCE_LIMITS } from '../../../agent/config/index.js';
import { ensureSupervisorRunning, isAlive, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { REPO, waitFor, writeConfig } from '../../helpers/collector-process.js';
import { processesMentioning } from '../../helpers/guest-agent-sim.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-sup-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function setup(collector: 'real' | 'flaky'): { root: string; script: string; env: NodeJS.ProcessEnv } {
  const root = mkdtempSync(path.join(dir, 'root-'));
  const bin = path.join(root, 'bin');
  mkdirSync(bin);
  copyFileSync(path.join(REPO, 'dist/supervisor.mjs'), path.join(bin, 'supervisor.mjs'));
  copyFileSync(collector === 'real' ? path.join(REPO, 'dist/collector.mjs') : path.join(REPO, 'test/fixtures/children/flaky-collector.mjs'), path.join(bin, 'collector.mjs'));
  mkdirSync(path.join(root, 'status'), { recursive: true });
  writeConfig(root, [], {});
  return { root, script: path.join(bin, 'supervisor.mjs'), env: { PATH: process.env.PATH, OPEN_AMA_ROOT: root, OPEN_AMA_OFFLINE: '1' } };
}

const start = (s: ReturnType<typeof setup>) =>
  ensureSupervisorRunning({ paths: agentPaths(s.env), version: '0.1.0', nodePath: process.execPath, supervisorScript: s.script, resourceLimits: DEFAULT_RESOURCE_LIMITS, env: s.env, timeoutMs: 15_000 });

const procs = (root: string, what: string): number[] => processesMentioning(root).filter((p) => p.includes(what)).map((p) => Number(p.split(' ')[0]));

describe('supervisor', () => {
  test('one supervisor and one collector; second start is a no-op; kill -9 of the collector restarts it; stop leaves nothing', async () => {
    const s = setup('real');
    const first = await start(s);
    expect(first.started).toBe(true);
    const client = new SupervisorClient(agentPaths(s.env).controlSocket);
    expect((await client.applyConfig(1, 15_000)).ok).toBe(true);
    const again = await start(s);
    expect(again).toMatchObject({ started: false, pid: first.pid });
    expect(procs(s.root, 'supervisor.mjs')).toHaveLength(1);
    expect(procs(s.root, 'collector.mjs')).toHaveLength(1);

    const victim = procs(s.root, 'collector.mjs')[0]!;
    process.kill(victim, 'SIGKILL');
    await waitFor(async () => (await client.status()).collector.restarts >= 1 && (await client.status()).collector.state === 'running', 20_000, 'collector restart');
    const st = await client.status();
    expect(st.collector.lastExit).toMatch(/SIGKILL/);
    expect(st.collector.pid).not.toBe(victim);
    await waitFor(() => /restarted 1 time/.test(readFileSync(path.join(s.root, 'status/1.status'), 'utf8')), 15_000, 'status reports the restart');

    await stopSupervisor(agentPaths(s.env), { timeoutMs: 20_000 });
    expect(processesMentioning(s.root)).toEqual([]);
  }, 90_000);

  test('kill -9 of the supervisor: the collector exits by itself, and the next start recovers', async () => {
    const s = setup('real');
    const sup = await start(s);
    await new SupervisorClient(agentPaths(s.env).controlSocket).applyConfig(1, 15_000);
    const col = procs(s.root, 'collector.mjs')[0]!;
    process.kill(sup.pid, 'SIGKILL');
    await waitFor(() => !isAlive(col), 15_000, 'collector exit after its parent died');
    const again = await start(s);
    expect(again.started).toBe(true);
    expect(again.pid).not.toBe(sup.pid);
    await stopSupervisor(agentPaths(s.env), { timeoutMs: 20_000 });
    expect(processesMentioning(s.root)).toEqual([]);
  }, 90_000);

  test('a crash loop turns the status to error with the last exit reason and stderr', async () => {
    const s = setup('flaky');
    await start(s);
    const client = new SupervisorClient(agentPaths(s.env).controlSocket);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    await waitFor(async () => (await client.status()).collector.state === 'crash-looping', 60_000, 'crash loop detected');
    await waitFor(() => /"status":"error"/.test(readFileSync(path.join(s.root, 'status/1.status'), 'utf8')), 20_000, 'error status');
    const doc = JSON.parse(readFileSync(path.join(s.root, 'status/1.status'), 'utf8'))[0].status;
    expect(doc.formattedMessage.message).toMatch(/collector keeps crashing: exited with code 1: boom: cannot bind 127.0.0.1:28330/);
    await stopSupervisor(agentPaths(s.env), { timeoutMs: 20_000 });
    expect(processesMentioning(s.root)).toEqual([]);
  }, 120_000);
});
