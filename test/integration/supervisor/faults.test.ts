// The supervisor against misbehaving collectors (purpose-built children, real signals): a crash loop
// turns the status to error naming the cause; a leaking collector is restarted by the memory watchdog,
// which says so; one whose event loop blocks is killed and restarted by the liveness watchdog, which says
// so; a collector that ignores "shutdown" and SIGTERM is SIGKILLed at the deadline.
import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_RESOURCE_LIMITS } from '../../../agent/config/index.js';
import { isAlive, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { processesUnder, readHeartbeat, readStatus, useSupervisorFixture, waitFor } from './fixture.js';

const fx = useSupervisorFixture('oa-sup-faults-');

describe('supervisor with misbehaving collectors', () => {
  test('a crash loop (exit 1, "boom: cannot bind" on stderr) turns the status to error naming the cause, and apply-config says why', async () => {
    const m = fx.machine('crash-on-start', { env: { OPEN_AMA_BACKOFF_BASE_MS: '100' } });
    await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    const applied = await client.applyConfig(1, 3_000);
    expect(applied.ok).toBe(false);
    expect(applied.reason).toMatch(
      /the collector is not running .*exited with code 1: .*boom: cannot bind 127\.0\.0\.1:28330/,
    );
    await waitFor(
      async () => (await client.status()).collector.state === 'crash-looping',
      30_000,
      'crash loop detected',
    );
    const st = await client.status();
    expect(st.collector.restarts).toBeGreaterThanOrEqual(5);
    expect(st.collector.nextRestartAt).toBeDefined(); // it keeps retrying, slowly
    await waitFor(() => readStatus(m)?.status === 'error', 10_000, 'error status');
    const doc = readStatus(m)!;
    expect(doc.formattedMessage.message).toMatch(
      /no data can flow — the collector keeps crashing: exited with code 1: .*boom: cannot bind 127\.0\.0\.1:28330 \(address already in use\)/,
    );
    expect(doc.substatus[0]).toMatchObject({ name: 'collector', status: 'error' });
    expect(doc.substatus[0]!.formattedMessage.message).toMatch(
      /crash-looping \(\d+ crashes within 5 min, retrying every 60 s\): it exited with code 1/,
    );
    expect(readHeartbeat(m)).toMatchObject({ status: 'NotReady' });
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('the memory watchdog restarts a leaking collector gracefully and the status says why', async () => {
    const m = fx.machine('leaky', {
      env: { OPEN_AMA_WATCHDOG_INTERVAL_MS: '300' },
      config: { resourceLimits: { ...DEFAULT_RESOURCE_LIMITS, memoryMaxMB: 100 } },
    });
    await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    const first = (await client.status()).collector.pid!;
    await waitFor(async () => (await client.status()).collector.restarts >= 1, 30_000, 'watchdog restart');
    const st = await client.status();
    expect(st.collector.lastExit).toMatch(
      /^restarted by the memory watchdog: RSS \d+ MB stayed above the 100 MB limit \(resourceLimits\.memoryMaxMB\) for 3 checks/,
    );
    expect(isAlive(first)).toBe(false);
    expect(readFileSync(path.join(m.root, 'test-flushed'), 'utf8')).toBe(String(first)); // graceful: "shutdown", not a kill
    await waitFor(
      () => /memory watchdog/.test(readStatus(m)?.substatus[0]?.formattedMessage.message ?? ''),
      15_000,
      'status names the watchdog',
    );
    expect(readFileSync(path.join(m.root, 'log/supervisor.log'), 'utf8')).toMatch(/memory watchdog/);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);

  test('the liveness watchdog kills a collector whose event loop is blocked, restarts it, and the status says why', async () => {
    const m = fx.machine('blocks-loop', {
      env: { OPEN_AMA_WATCHDOG_INTERVAL_MS: '300', OPEN_AMA_LIVENESS_TIMEOUT_MS: '2000' },
    });
    await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    const first = (await client.status()).collector.pid!;
    await new Promise((r) => setTimeout(r, 3_000)); // a healthy collector answers: no restart
    expect((await client.status()).collector).toMatchObject({ pid: first, restarts: 0 });
    writeFileSync(path.join(m.root, 'test-block-loop'), '');
    await waitFor(async () => (await client.status()).collector.restarts >= 1, 30_000, 'liveness restart');
    expect(existsSync(path.join(m.root, `test-block-loop.taken-by-${first}`))).toBe(true); // it did block
    const st = await client.status();
    expect(st.collector.lastExit).toMatch(
      /^collector unresponsive for \d+ s \(no answer to health requests: its event loop is blocked\), killed and restarted$/,
    );
    expect(isAlive(first)).toBe(false);
    await waitFor(async () => (await client.status()).collector.state === 'running', 15_000, 'new collector running');
    expect((await client.status()).collector.pid).not.toBe(first);
    await waitFor(
      () =>
        /restarted 1 time\(s\), last at .*: collector unresponsive for \d+ s/.test(
          readStatus(m)?.substatus[0]?.formattedMessage.message ?? '',
        ),
      15_000,
      'status substatus names the liveness watchdog',
    );
    expect(readFileSync(path.join(m.root, 'log/supervisor.log'), 'utf8')).toMatch(/collector unresponsive for \d+ s/);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 90_000);

  test('a collector that ignores "shutdown" and SIGTERM is SIGKILLed at the deadline, and no process is orphaned', async () => {
    const m = fx.machine('ignores-shutdown', { env: { OPEN_AMA_COLLECTOR_STOP_MS: '1500' } });
    const sup = await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    const col = (await client.status()).collector.pid!;
    process.kill(col, 'SIGTERM'); // ignored
    await new Promise((r) => setTimeout(r, 300));
    expect(isAlive(col)).toBe(true);
    expect(await stopSupervisor(m.paths, { timeoutMs: 20_000 })).toEqual({ wasRunning: true });
    expect(isAlive(col)).toBe(false);
    expect(isAlive(sup.pid)).toBe(false);
    expect(processesUnder(m.root)).toEqual([]);
    expect(readFileSync(path.join(m.root, 'log/supervisor.log'), 'utf8')).toMatch(
      /did not exit within 1\.5 s of \\"shutdown\\": SIGKILL/,
    );
  }, 60_000);

  test('SIGTERM to the supervisor stops it gracefully: the collector flushes, socket and pidfile are removed', async () => {
    const m = fx.machine('scripted');
    const sup = await m.ensure();
    await new SupervisorClient(m.paths.controlSocket).applyConfig(1, 10_000);
    process.kill(sup.pid, 'SIGTERM');
    await waitFor(() => processesUnder(m.root).length === 0, 15_000, 'everything gone');
    expect(readFileSync(path.join(m.root, 'test-flushed'), 'utf8')).toMatch(/^\d+$/);
    expect(() => readFileSync(m.paths.pidFile)).toThrow();
    expect(() => readFileSync(m.paths.controlSocket)).toThrow();
  }, 60_000);
});
