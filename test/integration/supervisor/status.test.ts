// The status file and heartbeat the supervisor keeps for the guest agent (scripted collector stand-in
// reporting health): nothing before the handler hands over, then success → warning while a
// destination answers 403 (message naming the missing role) → success after recovery, with the
// heartbeat following Ready → NotReady → Ready.
import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import type { CollectorHealth, DestinationHealth } from '../../../agent/collector/ipc.js';
import { stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { processesUnder, readHeartbeat, readStatus, setHealth, useSupervisorFixture, waitFor } from './fixture.js';

const fx = useSupervisorFixture('oa-sup-status-');

const DCR = 'dcr-0123456789abcdef0123456789abcdef';
const dest = (over: Partial<DestinationHealth>): DestinationHealth => ({
  id: `${DCR}/la-main`,
  kind: 'logs-ingestion',
  state: 'ok',
  backlogRecords: 0,
  backlogBytes: 0,
  droppedRecords: 0,
  ...over,
});
const health = (d: DestinationHealth): Partial<CollectorHealth> => ({
  dcrs: [{ immutableId: DCR, source: 'inline', state: 'loaded' }],
  destinations: [d],
});

describe('status reporter', () => {
  test('before a configuration is applied through the socket the supervisor leaves the status file to the handler', async () => {
    const m = fx.machine('scripted');
    await m.ensure();
    await new Promise((r) => setTimeout(r, 1500)); // three health polls
    expect(existsSync(m.statusFile)).toBe(false);
    expect((await new SupervisorClient(m.paths.controlSocket).status()).reportingStatus).toBe(false);
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 30_000);

  test('success → warning while a destination answers 403 (naming the missing role) → success after recovery; heartbeat follows', async () => {
    const m = fx.machine('scripted');
    setHealth(m, health(dest({ lastSuccessAt: '2025-06-01T10:00:00Z' })));
    await m.ensure();
    const applied = await new SupervisorClient(m.paths.controlSocket).applyConfig(1, 10_000);
    expect(applied).toMatchObject({ ok: true, health: { destinations: [{ state: 'ok' }] } });
    await waitFor(
      () => readStatus(m)?.substatus.some((s) => s.name === `destination ${DCR}/la-main`) === true,
      10_000,
      'first status with the destination',
    );
    expect(readStatus(m)).toMatchObject({ status: 'success', operation: 'Enable', code: 0 });
    expect(readStatus(m)!.substatus.map((s) => s.status)).toEqual(['success', 'success', 'success']);
    expect(readHeartbeat(m)).toMatchObject({ status: 'Ready' });

    const forbidden =
      '403 from DCR dcr-0123456789abcdef0123456789abcdef — the machine identity lacks Monitoring Metrics Publisher on the DCR (or a network ACL blocks it)';
    setHealth(
      m,
      health(
        dest({
          state: 'degraded',
          lastError: forbidden,
          backlogRecords: 120,
          backlogBytes: 40_000,
          lastSuccessAt: '2025-06-01T10:00:00Z',
        }),
      ),
    );
    await waitFor(() => readStatus(m)?.substatus.some((s) => s.status === 'warning') === true, 10_000, 'warning');
    const degraded = readStatus(m)!;
    expect(degraded.status).toBe('success'); // degraded is a substatus warning; the extension itself works
    const sub = degraded.substatus.find((s) => s.name === `destination ${DCR}/la-main`)!;
    expect(sub.status).toBe('warning');
    expect(sub.formattedMessage.message).toBe(
      `Logs Ingestion API degraded: ${forbidden}; backlog 120 records kept on disk for retry, last successful upload 2025-06-01T10:00:00Z`,
    );
    expect(degraded.formattedMessage.message).toMatch(/1 problem\(s\), first: destination .*403 from DCR/);
    expect(readHeartbeat(m)).toMatchObject({
      status: 'NotReady',
      message: expect.stringMatching(/Monitoring Metrics Publisher/),
    });

    setHealth(m, health(dest({ lastSuccessAt: '2025-06-01T10:05:00Z' })));
    await waitFor(
      () => readStatus(m)?.substatus.every((s) => s.status === 'success') === true,
      10_000,
      'back to success',
    );
    expect(readStatus(m)!.formattedMessage.message).toBe('open-ama 1.0.0-test running configuration 1');
    expect(readHeartbeat(m)).toMatchObject({ status: 'Ready' });
    await stopSupervisor(m.paths, { timeoutMs: 20_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 60_000);
});
