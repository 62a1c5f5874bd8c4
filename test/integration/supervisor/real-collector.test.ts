// The supervisor with the real collector bundle (dist/collector.mjs, built by `npm run build`): one of
// each, a kill -9 of the collector is repaired, a kill -9 of the supervisor makes the collector flush
// and exit by itself, the next ensure recovers, stop leaves nothing; and the status follows a real 403
// from the loopback ingestion fake (success → warning naming the role → success).
import { describe, expect, test } from '@jest/globals';

import * as net from 'node:net';
import * as path from 'node:path';
import { isAlive, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';

import { syslogToLaDcr } from '../../support/collector-process.js';

import { createTestCa } from '../../fakes/test-ca.js';

import { FakeIngestionServer } from '../../fakes/ingestion-server.js';

import { FakeImdsServer } from '../../fakes/imds-server.js';

import {
  haveRealCollector,
  processesUnder,
  readStatus,
  realCollector,
  useSupervisorFixture,
  waitFor,
} from './fixture.js';
import { freePort } from '../../support/net.js';

const maybe = haveRealCollector() ? describe : describe.skip;
if (!haveRealCollector())
  console.warn(`skipping the real-collector supervisor tests: ${realCollector} does not exist (run npm run build)`);

const fx = useSupervisorFixture('oa-sup-real-');

maybe('supervisor with the real collector', () => {
  test('one supervisor and one collector; kill -9 of the collector is repaired; kill -9 of the supervisor lets the collector exit by itself; the next ensure recovers; stop leaves nothing', async () => {
    const m = fx.machine('real');
    const first = await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect(await client.applyConfig(1, 20_000)).toMatchObject({ ok: true, configVersion: 1 });
    expect(processesUnder(m.root, 'supervisor.mjs')).toEqual([first.pid]);
    expect(processesUnder(m.root, 'collector.mjs')).toHaveLength(1);

    const victim = (await client.status()).collector.pid!;
    process.kill(victim, 'SIGKILL');
    await waitFor(
      async () => {
        const s = await client.status();
        return s.collector.restarts === 1 && s.collector.state === 'running';
      },
      20_000,
      'collector restart',
    );
    await waitFor(
      () => /restarted 1 time\(s\).*SIGKILL/.test(readStatus(m)?.substatus[0]?.formattedMessage.message ?? ''),
      15_000,
      'status reports the restart',
    );

    const col = (await client.status()).collector.pid!;
    process.kill(first.pid, 'SIGKILL');
    await waitFor(() => !isAlive(col), 20_000, 'the real collector to exit after its supervisor died');
    const again = await m.ensure();
    expect(again.started).toBe(true);
    expect((await client.applyConfig(1, 20_000)).ok).toBe(true);
    await stopSupervisor(m.paths, { timeoutMs: 30_000 });
    expect(processesUnder(m.root)).toEqual([]);
  }, 120_000);

  test('status follows a real 403 from the ingestion endpoint: success → warning naming the missing role → success', async () => {
    const ca = await createTestCa(path.join(fx.dir(), 'ca'));
    const ingestion = new FakeIngestionServer(ca);
    await ingestion.start();
    const imds = new FakeImdsServer({ mode: 'imds' });
    await imds.start();
    try {
      const port = await freePort();
      const m = fx.machine('real', {
        dcrs: [syslogToLaDcr('dcr-ffffffffffffffffffffffffffffffff', ingestion.url)],
        env: { NODE_EXTRA_CA_CERTS: ca.caCertPath, OPEN_AMA_IMDS_URL: imds.base, OPEN_AMA_SYSLOG_PORT: String(port) },
      });
      await m.ensure();
      expect((await new SupervisorClient(m.paths.controlSocket).applyConfig(1, 20_000)).ok).toBe(true);
      const send = async (text: string): Promise<void> => {
        const s = net.connect(port, '127.0.0.1');
        await new Promise<void>((r) => s.once('connect', () => r()));
        await new Promise<void>((r) => s.end(text, () => r()));
      };
      const destinationOk = (): boolean =>
        readStatus(m)?.substatus.some(
          (s) =>
            s.name.startsWith('destination') &&
            s.status === 'success' &&
            /last successful upload 20/.test(s.formattedMessage.message),
        ) === true;
      await send('<14>Nov 25 10:00:00 h app: first\n');
      await waitFor(() => ingestion.records().length >= 1, 20_000, 'first upload');
      await waitFor(destinationOk, 20_000, 'success with the last upload time');

      ingestion.inject({ status: 403, times: 1, body: 'AuthorizationFailed' });
      await send('<14>Nov 25 10:00:01 h app: second\n');
      await waitFor(
        () =>
          readStatus(m)?.substatus.some(
            (s) => s.status === 'warning' && /403 .*Monitoring Metrics Publisher/.test(s.formattedMessage.message),
          ) === true,
        30_000,
        'warning naming the missing role',
      );
      expect(readStatus(m)?.status).toBe('success');

      await waitFor(() => ingestion.records().length >= 2, 60_000, 'upload after recovery');
      await waitFor(
        () => readStatus(m)?.substatus.every((s) => s.status === 'success') === true,
        30_000,
        'back to success',
      );
      await stopSupervisor(m.paths, { timeoutMs: 30_000 });
      expect(processesUnder(m.root)).toEqual([]);
    } finally {
      await ingestion.stop();
      await imds.stop();
    }
  }, 150_000);
});
