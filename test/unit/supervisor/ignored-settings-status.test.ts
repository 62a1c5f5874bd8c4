// Settings keys the handler ignored stay visible after the supervisor takes the status over: a
// `settings` warning substatus naming their paths, without turning the heartbeat NotReady.
import { describe, expect, test } from '@jest/globals';
import { composeStatus } from '../../../agent/supervisor/status-compose.js';

const base = {
  version: '1.2.3',
  configVersion: 4,
  logFolder: '/var/log/azure/x',
  collector: { state: 'running' as const, pid: 42, restarts: 0 },
  crashesInWindow: 0,
  crashLoopWindowMs: 300_000,
  retryEveryMs: 60_000,
  now: 0,
};

describe('composeStatus with ignored settings', () => {
  test('a settings warning substatus names each ignored path; heartbeat stays Ready', () => {
    const s = composeStatus({ ...base, ignoredSettings: ['proxy.adress (did you mean "address"?)', 'futureKey'] });
    expect(s.substatus).toContainEqual({
      name: 'settings',
      status: 'warning',
      code: 0,
      message: expect.stringMatching(
        /ignored 2 unknown setting\(s\).*proxy\.adress \(did you mean "address"\?\); futureKey/,
      ),
    });
    expect(s.heartbeat.status).toBe('Ready');
    expect(s.message).toBe('open-ama 1.2.3 running configuration 4');
  });

  test('none ignored: no settings substatus', () => {
    expect(composeStatus(base).substatus.map((x) => x.name)).not.toContain('settings');
  });
});
