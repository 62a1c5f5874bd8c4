// The supervisor's life cycle with real processes and signals (collector stand-in: scripted child):
// one supervisor + one collector per machine, no-op second start, concurrent starts, graceful stop
// that leaves nothing, kill -9 of the collector or of the supervisor, and the update handoff v1 → v2.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { isAlive, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { DEFAULT_RESOURCE_LIMITS } from '../../../agent/config/index.js';
import { collectorNodeFlags, supervisorNodeFlags } from '../../../agent/supervisor/node-flags.js';
import { processesUnder, readStatus, useSupervisorFixture, V1, V2, waitFor } from './fixture.js';

const fx = useSupervisorFixture('oa-sup-life-');

describe('supervisor life cycle', () => {
  test('ensure starts exactly one supervisor and one collector; a second ensure is a no-op with the same pid; stop leaves no process', async () => {
    const m = fx.machine('scripted');
    const first = await m.ensure();
    expect(first).toMatchObject({ started: true, mode: 'detached', version: V1 });
    await waitFor(() => processesUnder(m.root, 'collector.mjs').length === 1, 10_000, 'collector');
    const again = await m.ensure();
    expect(again).toMatchObject({ started: false, pid: first.pid, version: V1 });
    expect(processesUnder(m.root, 'supervisor.mjs')).toEqual([first.pid]);
    expect(processesUnder(m.root, 'collector.mjs')).toHaveLength(1);
    expect(statSync(m.paths.controlSocket).mode & 0o777).toBe(0o600);
    // its own session: it outlives the caller's process group
    const stat = readFileSync(`/proc/${first.pid}/stat`, 'utf8');
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(session)).toBe(first.pid);
    expect(Number(pgrp)).not.toBe(process.pid);
    // started with the supervisor's V8 flags (agent/supervisor/node-flags.ts), the collector with its own
    const nulList = (pid: number, file: 'cmdline' | 'environ'): string[] =>
      readFileSync(`/proc/${pid}/${file}`, 'utf8').split('\0');
    expect(nulList(first.pid, 'cmdline')).toEqual(expect.arrayContaining(supervisorNodeFlags()));
    const collectorPid = processesUnder(m.root, 'collector.mjs')[0]!;
    const collectorArgv = nulList(collectorPid, 'cmdline');
    expect(collectorArgv).toEqual(expect.arrayContaining(collectorNodeFlags(DEFAULT_RESOURCE_LIMITS.memoryMaxMB)));
    expect(collectorArgv).toContain(`--max-old-space-size=${DEFAULT_RESOURCE_LIMITS.memoryMaxMB}`);
    expect(collectorArgv).not.toContain('--no-opt');
    // and one glibc arena (agent/supervisor/node-flags.ts collectorEnv)
    const environ = nulList(collectorPid, 'environ');
    expect(environ).toContain('MALLOC_ARENA_MAX=1');

    expect(await stopSupervisor(m.paths, { timeoutMs: 20_000 })).toEqual({ wasRunning: true });
    expect(processesUnder(m.root)).toEqual([]);
    expect(existsSync(path.join(m.root, 'test-flushed'))).toBe(true); // the collector got "shutdown" and flushed
    for (const f of [m.paths.controlSocket, m.paths.pidFile]) expect(existsSync(f)).toBe(false);
    expect(await stopSupervisor(m.paths, { timeoutMs: 5_000 })).toEqual({ wasRunning: false });
  }, 60_000);

  test('two concurrent ensure calls yield one supervisor', async () => {
    const m = fx.machine('scripted');
    const [a, b, c] = await Promise.all([m.ensure(), m.ensure(), m.ensure()]);
    expect(new Set([a.pid, b.pid, c.pid]).size).toBe(1);
    await waitFor(
      () => processesUnder(m.root, 'supervisor.mjs').length === 1,
      10_000,
      'losers of the lock race to exit',
    );
    await waitFor(() => processesUnder(m.root, 'collector.mjs').length === 1, 10_000, 'one collector');
    expect(processesUnder(m.root, 'supervisor.mjs')).toEqual([a.pid]);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('kill -9 of the collector: it is restarted after a backoff, and the status substatus says so', async () => {
    const m = fx.machine('scripted');
    await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect(await client.applyConfig(1, 10_000)).toMatchObject({ ok: true, configVersion: 1 });
    const victim = (await client.status()).collector.pid!;
    process.kill(victim, 'SIGKILL');
    await waitFor(
      async () => {
        const s = await client.status();
        return s.collector.restarts === 1 && s.collector.state === 'running';
      },
      15_000,
      'collector restarted',
    );
    const st = await client.status();
    expect(st.collector.lastExit).toBe('was killed by SIGKILL');
    expect(st.collector.pid).not.toBe(victim);
    expect(isAlive(victim)).toBe(false);
    await waitFor(
      () =>
        /restarted 1 time\(s\), last at .*: was killed by SIGKILL/.test(
          readStatus(m)?.substatus[0]?.formattedMessage.message ?? '',
        ),
      15_000,
      'status reports the restart',
    );
    expect(readStatus(m)).toMatchObject({ status: 'success', operation: 'Enable' });
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('kill -9 of the supervisor: the collector exits by itself, and the next ensure recovers over the stale pidfile and socket', async () => {
    const m = fx.machine('scripted');
    const sup = await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    await client.applyConfig(1, 10_000);
    const col = (await client.status()).collector.pid!;
    process.kill(sup.pid, 'SIGKILL');
    await waitFor(() => !isAlive(col), 10_000, 'collector exit after its parent died');
    expect(existsSync(m.paths.pidFile) && existsSync(m.paths.controlSocket)).toBe(true); // stale leftovers
    const again = await m.ensure();
    expect(again.started).toBe(true);
    expect(again.pid).not.toBe(sup.pid);
    expect(Number(readFileSync(m.paths.pidFile, 'utf8'))).toBe(again.pid);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('update handoff: with v1 running, ensure for v2 stops v1 gracefully and starts v2 with a new collector', async () => {
    const m = fx.machine('scripted');
    const v1 = await m.ensure(V1);
    const client = new SupervisorClient(m.paths.controlSocket);
    await client.applyConfig(1, 10_000);
    const col1 = (await client.status()).collector.pid!;
    const v2 = await m.ensure(V2);
    expect(v2).toMatchObject({ started: true, version: V2 });
    expect(isAlive(v1.pid)).toBe(false);
    expect(isAlive(col1)).toBe(false);
    expect((await client.ping()).version).toBe(V2);
    expect(await client.applyConfig(1, 10_000)).toMatchObject({ ok: true });
    expect(processesUnder(m.root, 'supervisor.mjs')).toEqual([v2.pid]);
    const cols = processesUnder(m.root, 'collector.mjs');
    expect(cols).toHaveLength(1);
    expect(readFileSync(`/proc/${cols[0]}/cmdline`, 'utf8')).toContain(`${V2}/dist/collector.mjs`);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('apply-config answers with the acknowledgement: hot when the collector runs, the reason when it rejects, and why when the file lags', async () => {
    const m = fx.machine('scripted');
    await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    // "hot" only once the collector has said ready; before that the answer is (rightly) a fresh start
    await waitFor(async () => (await client.status()).collector.state === 'running', 10_000, 'collector ready');
    expect(await client.applyConfig(1, 10_000)).toMatchObject({ ok: true, hot: true, configVersion: 1 });
    const lagging = await client.applyConfig(7, 10_000);
    expect(lagging.ok).toBe(false);
    expect(lagging.reason).toMatch(
      /agent-config\.json holds configuration 1; write configuration 7 before applying it/,
    );
    const cfgFile = m.paths.agentConfigFile;
    writeFileSync(cfgFile, readFileSync(cfgFile, 'utf8').replace('"configVersion":1', '"configVersion":2'));
    writeFileSync(
      path.join(m.root, 'test-reject.json'),
      JSON.stringify({ 2: 'DCR dcr-1 is missing stream Custom-OpenAma-Syslog' }),
    );
    expect(await client.applyConfig(2, 10_000)).toMatchObject({
      ok: false,
      reason: 'DCR dcr-1 is missing stream Custom-OpenAma-Syslog',
    });
    const st = await client.status();
    expect(st).toMatchObject({
      version: V1,
      appliedConfigVersion: 1,
      collector: { state: 'running', restarts: 0 },
      reportingStatus: true,
    });
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);
});
