// The disk queue's quota follows the configuration on a hot apply (no restart). The collector runs in process
// with syslog → an unreachable ingestion endpoint, so everything queues:
// - diskQuotaMB: at 1000 MB nothing is dropped; after applying 1 MB further records are refused and counted
//   as "quota", and health reports the queue's use against the new quota.
// - An AgentSettings DCR's MaxDiskQuotaInMB wins over diskQuotaMB 1: with it (4000 MB) 1.3 MB queue without
//   a quota drop; health names the quota and where it came from; out-of-range values are clamped with a
//   warning, UseTimeReceivedForForwardedEvents is reported not applicable; without the DCR the settings'
//   1 MB applies again and records are refused.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths, type AgentConfig } from '../../../../agent/config/index.js';
import { Collector } from '../../../../agent/collector/collector.js';
import { createNullLogger } from '../../../../agent/telemetry/index.js';
import { SelfMetrics } from '../../../../agent/telemetry/self-metrics.js';
import { syslogToLaDcr, writeConfig } from '../../../support/collector-process.js';
import { freePort, waitFor } from '../../../support/net.js';

const SETTINGS_DCR = 'dcr-5e77165e77165e77165e77165e771650';
/** An AgentSettings DCR as Learn shows it (kind AgentSettings, agentSettings.logs name/value strings). */
const agentSettingsDcr = (logs: { name: string; value: string }[]): unknown => ({
  kind: 'AgentSettings',
  location: 'westeurope',
  properties: { immutableId: SETTINGS_DCR, description: 'agent settings', agentSettings: { logs } },
});

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-disk-quota-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** An in-process collector whose syslog records all stay queued (nothing listens at the ingestion endpoint). */
async function queueingCollector(
  dcrs: (syslog: unknown) => unknown[],
  extra: Partial<AgentConfig>,
): Promise<{ collector: Collector; port: number; syslog: unknown }> {
  const port = await freePort();
  const deadPort = await freePort();
  const syslog = syslogToLaDcr('dcr-eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee', `https://127.0.0.1:${deadPort}`);
  writeConfig(root, dcrs(syslog), extra);
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
  return { collector, port, syslog };
}

async function send(port: number, from: number, count: number): Promise<void> {
  const sock = net.connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => sock.once('connect', () => r()).once('error', j));
  const filler = 'x'.repeat(400);
  for (let i = from; i < from + count; i++) sock.write(`<134>Nov 25 10:00:00 host app[42]: seq=${i} ${filler}\n`);
  await new Promise<void>((r) => sock.end(() => r()));
}

describe('disk quota hot apply', () => {
  test('diskQuotaMB lowered by a new configuration is enforced by the running queue and reported in health', async () => {
    const { collector, port, syslog } = await queueingCollector((s) => [s], { diskQuotaMB: 1000 });
    try {
      await collector.applyConfig();
      await send(port, 0, 3000);
      await waitFor(() => (collector.health().queue?.usedBytes ?? 0) > 1024 * 1024, 20_000, 'over 1 MB queued');
      expect(collector.health().droppedByReason.quota ?? 0).toBe(0);
      expect(collector.health().queue?.quotaBytes).toBe(1000 * 1048576);

      writeConfig(root, [syslog], { diskQuotaMB: 1, configVersion: 2 });
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

  test('AgentSettings DCR: MaxDiskQuotaInMB sets the queue quota over diskQuotaMB; clamped when out of range; gone → diskQuotaMB', async () => {
    const settings = agentSettingsDcr([
      { name: 'MaxDiskQuotaInMB', value: '4000' },
      { name: 'UseTimeReceivedForForwardedEvents', value: '1' },
    ]);
    const { collector, port, syslog } = await queueingCollector((s) => [s, settings], { diskQuotaMB: 1 });
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
