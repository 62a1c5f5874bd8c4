// A collector that cannot even be started (its runtime is missing) is an exit like any other: the child
// handle ends, the supervisor backs off and retries, and lastExit says why (the spawn error), instead of
// the supervisor waiting forever for an exit that never comes.
import { describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CollectorProcess } from '../../../agent/supervisor/collector-process.js';
import { DEFAULT_TIMINGS } from '../../../agent/supervisor/timings.js';
import { createNullLogger } from '../../../agent/telemetry/index.js';

describe('CollectorProcess when the collector cannot be started', () => {
  test('a missing runtime: backoff, a restart counted, lastExit names the spawn error', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-spawn-fail-'));
    const cp = new CollectorProcess({
      nodePath: path.join(dir, 'no-such-runtime', 'node'),
      script: path.join(dir, 'collector.mjs'),
      env: {},
      pidFile: path.join(dir, 'collector.pid'),
      logger: createNullLogger(),
      timings: { ...DEFAULT_TIMINGS, backoffBaseMs: 60_000, backoffCapMs: 60_000 },
      memoryLimitMB: () => 512,
      onChange: () => undefined,
    });
    try {
      cp.start();
      const deadline = Date.now() + 10_000;
      while (cp.state !== 'backoff' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(cp.state).toBe('backoff');
      expect(cp.restarts).toBe(1);
      expect(cp.pid).toBeUndefined();
      expect(cp.lastExit).toMatch(/exited with code \?: spawn .*no-such-runtime\/node ENOENT/);
    } finally {
      await cp.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
