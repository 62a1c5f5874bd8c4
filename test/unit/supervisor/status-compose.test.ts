// What the supervisor tells the guest agent, from the collector's state and health: top-level success
// unless nothing can flow (crash loop → error with the cause), warnings in substatuses, the heartbeat
// NotReady with the first problem.
import { describe, expect, test } from '@jest/globals';
import type { CollectorHealth } from '../../../agent/collector/ipc.js';
import { composeStatus, type StatusInput } from '../../../agent/supervisor/status-compose.js';

const now = Date.parse('2025-06-01T10:00:00Z');
const input = (over: Partial<StatusInput>): StatusInput => ({
  version: '1.2.3',
  configVersion: 4,
  logFolder: '/var/log/azure/x',
  collector: { state: 'running', pid: 42, restarts: 0 },
  crashesInWindow: 0,
  crashLoopWindowMs: 300_000,
  retryEveryMs: 60_000,
  now,
  ...over,
});
const health = (over: Partial<CollectorHealth>): CollectorHealth => ({
  configVersion: 4,
  dcrs: [],
  destinations: [],
  sources: [],
  recordsIn: 0,
  recordsOut: 0,
  droppedByReason: {},
  rssBytes: 0,
  ...over,
});

describe('composeStatus', () => {
  test('healthy: success, Ready', () => {
    const s = composeStatus(
      input({ health: health({ dcrs: [{ immutableId: 'dcr-1', source: 'inline', state: 'loaded' }] }) }),
    );
    expect(s).toMatchObject({
      status: 'success',
      code: 0,
      message: 'open-ama 1.2.3 running configuration 4',
      heartbeat: { status: 'Ready' },
    });
    expect(s.substatus.map((x) => [x.name, x.status])).toEqual([
      ['collector', 'success'],
      ['dataCollectionRules', 'success'],
    ]);
    expect(s.substatus[1]!.message).toBe('1 loaded (dcr-1 from inline)');
  });

  test('restarting after a crash: collector substatus warning with the exit reason and when it restarts', () => {
    const s = composeStatus(
      input({
        collector: {
          state: 'backoff',
          restarts: 2,
          lastExit: 'was killed by SIGKILL',
          nextRestartAt: '2025-06-01T10:00:04Z',
        },
      }),
    );
    expect(s.status).toBe('success');
    expect(s.substatus[0]).toMatchObject({
      status: 'warning',
      message: 'collector restarting after a crash: it was killed by SIGKILL; restart 2 due in 4 s',
    });
    expect(s.heartbeat).toMatchObject({
      status: 'NotReady',
      message: expect.stringContaining('was killed by SIGKILL'),
    });
  });

  test('crash loop: error naming the cause and where to look', () => {
    const s = composeStatus(
      input({
        collector: {
          state: 'crash-looping',
          restarts: 5,
          lastExit: 'exited with code 1: boom: cannot bind 127.0.0.1:28330',
        },
        crashesInWindow: 5,
      }),
    );
    expect(s).toMatchObject({ status: 'error', code: 1, heartbeat: { status: 'NotReady' } });
    expect(s.message).toBe(
      'open-ama 1.2.3: no data can flow — the collector keeps crashing: exited with code 1: boom: cannot bind 127.0.0.1:28330. Details in collector.log and supervisor.log in /var/log/azure/x',
    );
    expect(s.substatus[0]!.message).toBe(
      'collector is crash-looping (5 crashes within 5 min, retrying every 60 s): it exited with code 1: boom: cannot bind 127.0.0.1:28330',
    );
  });

  test('rejected DCRs and failing sources are named with their reasons; all rejected is an error substatus', () => {
    const s = composeStatus(
      input({
        health: health({
          dcrs: [
            {
              immutableId: 'dcr-a',
              source: 'file',
              state: 'rejected',
              reason: 'missing stream Custom-OpenAma-Syslog; run open-ama dcr fix',
            },
          ],
          sources: [{ id: 'dcr-a/syslog', state: 'failed', detail: 'cannot listen on 127.0.0.1:28330: EADDRINUSE' }],
        }),
      }),
    );
    expect(s.substatus.map((x) => [x.name, x.status])).toEqual([
      ['collector', 'success'],
      ['dataCollectionRules', 'error'],
      ['sources', 'error'],
    ]);
    expect(s.substatus[1]!.message).toBe(
      '1 rejected: dcr-a: missing stream Custom-OpenAma-Syslog; run open-ama dcr fix; 0 loaded',
    );
    expect(s.substatus[2]!.message).toBe('dcr-a/syslog failed: cannot listen on 127.0.0.1:28330: EADDRINUSE');
    expect(s.message).toMatch(
      /^open-ama 1\.2\.3 running configuration 4 — 2 problem\(s\), first: dataCollectionRules: 1 rejected: dcr-a/,
    );
  });
});
