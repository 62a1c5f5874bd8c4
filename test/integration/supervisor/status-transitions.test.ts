// Status follows health: success → warning while the ingestion endpoint answers 403 (with an actionable
// message) → success again once it accepts, observed in the status file the guest agent reads.
import { afterAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { agentPaths, DEFAULT_RESOURCE_LIMITS } from '../../../agent/config/index.js';
import { ensureSupervisorRunning, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { REPO, syslogToLaDcr, waitFor, writeConfig } from '../../helpers/collector-process.js';
import { createTestCa } from '../../fakes/test-ca.js';
import { FakeIngestionServer } from '../../fakes/ingestion-server.js';
import { FakeImdsServer } from '../../fakes/imds-server.js';
import { freePort } from '../../fakes/tinyproxy.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-status-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Sub = { name: string; status: string; formattedMessage: { message: string } };
const readStatus = (root: string): { status: string; substatus: Sub[] } => JSON.parse(readFileSync(path.join(root, 'status/1.status'), 'utf8'))[0].status;

describe('status transitions', () => {
  test('success → warning on 403 → success after recovery', async () => {
    const ca = await createTestCa(path.join(dir, 'ca'));
    const ingestion = new FakeIngestionServer(ca);
    await ingestion.start();
    const imds = new FakeImdsServer({ mode: 'imds' });
    await imds.start();
    const root = mkdtempSync(path.join(dir, 'root-'));
    const bin = path.join(root, 'bin');
    mkdirSync(bin);
    mkdirSync(path.join(root, 'status'));
    for (const f of ['supervisor.mjs', 'collector.mjs']) copyFileSync(path.join(REPO, 'dist', f), path.join(bin, f));
    const port = await freePort();
    writeConfig(root, [syslogToLaDcr('dcr-ffffffffffffffffffffffffffffffff', ingestion.url)]);
    const env = { PATH: process.env.PATH, OPEN_AMA_ROOT: root, NODE_EXTRA_CA_CERTS: ca.caCertPath, OPEN_AMA_IMDS_URL: imds.base, OPEN_AMA_SYSLOG_PORT: String(port), OPEN_AMA_HEALTH_POLL_MS: '500' };
    const paths = agentPaths(env);
    try {
      await ensureSupervisorRunning({ paths, version: '0.1.0', nodePath: process.execPath, supervisorScript: path.join(bin, 'supervisor.mjs'), resourceLimits: DEFAULT_RESOURCE_LIMITS, env, timeoutMs: 15_000 });
      expect((await new SupervisorClient(paths.controlSocket).applyConfig(1, 20_000)).ok).toBe(true);
      const send = async (text: string): Promise<void> => {
        const s = net.connect(port, '127.0.0.1');
        await new Promise<void>((r) => s.once('connect', () => r()));
        await new Promise<void>((r) => s.end(text, () => r()));
      };
      await send('<14>Nov 25 10:00:00 h app: first\n');
      await waitFor(() => ingestion.records().length >= 1, 20_000, 'first upload');
      await waitFor(() => readStatus(root).substatus.some((s) => s.name.startsWith('destination') && s.status === 'success' && /last upload/.test(s.formattedMessage.message)), 20_000, 'success with last upload');

      ingestion.inject({ status: 403, times: 1, body: 'AuthorizationFailed' });
      await send('<14>Nov 25 10:00:01 h app: second\n');
      await waitFor(() => readStatus(root).substatus.some((s) => s.status === 'warning' && /403 .*Monitoring Metrics Publisher/.test(s.formattedMessage.message)), 30_000, 'warning naming the missing role');
      expect(readStatus(root).status).toBe('success'); // degraded is a substatus warning, not a failed extension

      await waitFor(() => ingestion.records().length >= 2, 60_000, 'upload after recovery');
      await waitFor(() => readStatus(root).substatus.every((s) => s.status === 'success'), 30_000, 'back to success');
    } finally {
      await stopSupervisor(paths, { timeoutMs: 20_000 });
      await ingestion.stop();
      await imds.stop();
    }
  }, 150_000);
});
