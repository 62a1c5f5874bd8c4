// An AgentSettings DCR's MaxDiskQuotaInMB reaches the running disk queue: the collector in process with
// syslog → an unreachable ingestion endpoint (everything queues) and diskQuotaMB 1 in the settings. With
// the AgentSettings DCR (4000 MB) 1.3 MB queue without a quota drop; health names the quota and where it
// came from; out-of-range values are clamped with a warning, UseTimeReceivedForForwardedEvents is
// reported not applicable; without the DCR the settings' 1 MB applies again and records are refused.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths } from '../../../../agent/config/index.js';
import { Collector } from '../../../../agent/collector/collector.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import { SelfMetrics } from '../../../../agent/telemetry/self-metrics.js';
import { freePort, waitFor } from '../../../support/net.js';
import { syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';

const SETTINGS_DCR = 'dcr-5e77165e77165e77165e77165e771650';
/** An AgentSettings DCR as Learn shows it (kind AgentSettings, agentSettings.logs name/value strings). */
const agentSettingsDcr = (logs: { name: string; value: string }[]): unknown => ({
  kind: 'AgentSettings',
  location: 'westeurope',
  properties: { immutableId: SETTINGS_DCR, description: 'agent settings', agentSettings: { logs } },
});

let root: string;
beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-agent-settings-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function send(port: number, from: number, count: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  const filler = 'x'.repeat(400);
  for (let i = from; i < from + count; i++) sock.write(`<134>Nov 25 10:00:00 host app[42]: seq=${i} ${filler}\n`);
  await new Promise<void>((r) => sock.end(() => r()));
}

describe('AgentSettings DCR', () => {
  test('MaxDiskQuotaInMB sets the queue quota over diskQuotaMB; clamped when out of range; gone → diskQuotaMB', async () => {
    const port = await freePort();
    const deadPort = await freePort(); // nothing listens: uploads fail, records stay queued
    const syslog = syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', `https://127.0.0.1:${deadPort}`);
    const settings = agentSettingsDcr([
      { name: 'MaxDiskQuotaInMB', value: '4000' },
      { name: 'UseTimeReceivedForForwardedEvents', value: '1' },
    ]);
    writeConfig(root, [syslog, settings], { diskQuotaMB: 1 });
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
      let h = collector.health();
      expect(h.queue).toMatchObject({ quotaBytes: 4000 * 1048576, quotaSource: `AgentSettings DCR ${SETTINGS_DCR}` });
      expect(h.dcrs.find((d) => d.immutableId === SETTINGS_DCR)).toMatchObject({
        state: 'loaded',
        warnings: expect.arrayContaining([
          expect.stringMatching(
            /UseTimeReceivedForForwardedEvents applies to Windows Event Forwarding only; not applicable on Linux/,
          ),
        ]),
      });
      // Over the settings' 1 MB: nothing refused, because the DCR's 4000 MB is what the queue enforces.
      await send(port, 0, 3000);
      await waitFor(() => (collector.health().queue?.usedBytes ?? 0) > 1.2 * 1048576, 20_000, 'over 1.2 MB queued');
      expect(collector.health().droppedByReason.quota ?? 0).toBe(0);

      // Out of AMA's range: clamped, with a warning on the DCR.
      writeConfig(root, [syslog, agentSettingsDcr([{ name: 'MaxDiskQuotaInMB', value: '2000000' }])], {
        diskQuotaMB: 1,
        configVersion: 2,
      });
      await collector.applyConfig();
      h = collector.health();
      expect(h.queue?.quotaBytes).toBe(1_000_000 * 1048576);
      expect(h.dcrs.find((d) => d.immutableId === SETTINGS_DCR)?.warnings).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/MaxDiskQuotaInMB 2000000 is outside 4000–1000000 MB; clamped to 1000000/),
        ]),
      );

      // The AgentSettings DCR removed: diskQuotaMB (1 MB) applies to the running queue at once.
      writeConfig(root, [syslog], { diskQuotaMB: 1, configVersion: 3 });
      await collector.applyConfig();
      expect(collector.health().queue).toMatchObject({ quotaBytes: 1048576, quotaSource: 'diskQuotaMB' });
      await send(port, 3000, 1000);
      await waitFor(() => (collector.health().droppedByReason.quota ?? 0) > 0, 20_000, 'quota drops at 1 MB');
    } finally {
      await collector.stop();
    }
  }, 60_000);
});
