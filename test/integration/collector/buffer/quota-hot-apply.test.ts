// A new diskQuotaMB reaches the running queue on a hot apply (no restart): the collector in process
// with syslog → an unreachable ingestion endpoint (everything queues); at 1000 MB nothing is dropped,
// after applying 1 MB further records are refused and counted as "quota", and health reports the
// queue's use against the new quota.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';

import { mkdtempSync, rmSync } from 'node:fs';

import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths } from '../../../../agent/config/index.js';

import { Collector } from '../../../../agent/collector/collector.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import { SelfMetrics } from '../../../../agent/telemetry/self-metrics.js';
import { syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { freePort, waitFor } from '../../../support/net.js';

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-quota-hot-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function send(port: number, from: number, count: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  const filler = 'x'.repeat(400);
  for (let i = from; i < from + count; i++) sock.write(`<134>Nov 25 10:00:00 host app[42]: seq=${i} ${filler}\n`);
  await new Promise<void>((r) => sock.end(() => r()));
}

describe('disk quota hot apply', () => {
  test('diskQuotaMB lowered by a new configuration is enforced by the running queue and reported in health', async () => {
    const port = await freePort();
    const deadPort = await freePort(); // nothing listens: uploads fail, records stay queued
    const dcr = syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', `https://127.0.0.1:${deadPort}`);
    writeConfig(root, [dcr], { diskQuotaMB: 1000 });
    const env = {
      OPEN_AMA_ROOT: root,
      OPEN_AMA_SYSLOG_PORT: String(port),
      OPEN_AMA_IMDS_URL: `http://127.0.0.1:${deadPort}`,
      OPEN_AMA_OFFLINE: '1',
    };
    const collector = new Collector({
      paths: agentPaths(env),
      env,
      logger: createNullLogger(),
      metrics: new SelfMetrics(),
    });
    try {
      await collector.applyConfig();
      await send(port, 0, 3000);
      await waitFor(() => (collector.health().queue?.usedBytes ?? 0) > 1024 * 1024, 20_000, 'over 1 MB queued');
      expect(collector.health().droppedByReason.quota ?? 0).toBe(0);
      expect(collector.health().queue?.quotaBytes).toBe(1000 * 1048576);

      writeConfig(root, [dcr], { diskQuotaMB: 1, configVersion: 2 });
      const { report } = await collector.applyConfig();
      expect(report.hot).toBe(true);
      expect(collector.health().queue?.quotaBytes).toBe(1048576);
      await send(port, 3000, 1000);
      await waitFor(
        () => (collector.health().droppedByReason.quota ?? 0) > 0,
        20_000,
        'quota drops under the new quota',
      );
      const h = collector.health();
      expect(h.recordsIn).toBeGreaterThanOrEqual(4000);
    } finally {
      await collector.stop();
    }
  }, 60_000);
});
