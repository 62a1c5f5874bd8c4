// The heartbeat file (docs/guest-agent-protocol.md §6.3): array, element 0, heartbeat {status Ready|NotReady, code,
// formattedMessage {lang, message}} with lower-case keys, redacted, written atomically.
import { afterAll, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildHeartbeatDocument, writeHeartbeat, type Heartbeat } from '../../../../handler/guest-agent/index.js';
import { clearRegisteredSecrets, registerSecret } from '../../../../agent/telemetry/index.js';

afterAll(() => clearRegisteredSecrets());

describe('heartbeat', () => {
  test('has the shape the agent reads: [{version, heartbeat: {status, code, formattedMessage: {lang, message}}}]', () => {
    expect(buildHeartbeatDocument({ status: 'Ready', message: 'Collector healthy; 3 destinations connected' })).toEqual(
      [
        {
          version: 1.0,
          heartbeat: {
            status: 'Ready',
            code: 0,
            formattedMessage: { lang: 'en-US', message: 'Collector healthy; 3 destinations connected' },
          },
        },
      ],
    );
    expect(
      (buildHeartbeatDocument({ status: 'NotReady', message: 'down' })[0] as { heartbeat: { status: string } })
        .heartbeat.status,
    ).toBe('NotReady');
  });

  test('only Ready or NotReady is ever written (the agent copies it verbatim)', () => {
    const doc = buildHeartbeatDocument({ status: 'ready', message: 'x' } as unknown as Heartbeat);
    expect((doc[0] as { heartbeat: { status: string } }).heartbeat.status).toBe('NotReady');
  });

  test('the message is redacted and bounded', () => {
    registerSecret('Heartbeat-Secret-77');
    const text = JSON.stringify(
      buildHeartbeatDocument({ status: 'Ready', message: `proxy Heartbeat-Secret-77 ${'y'.repeat(5000)}` }),
    );
    expect(text).not.toContain('Heartbeat-Secret-77');
    expect(text.length).toBeLessThan(1200);
  });

  test('writeHeartbeat replaces the file atomically and refreshes its mtime', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-hb-'));
    try {
      const file = path.join(dir, 'heartbeat.log');
      await writeHeartbeat(file, { status: 'NotReady', message: 'installing' });
      await fs.utimes(file, 1_000_000, 1_000_000);
      await writeHeartbeat(file, { status: 'Ready', message: 'running' });
      expect(await fs.readdir(dir)).toEqual(['heartbeat.log']);
      expect(JSON.parse(await fs.readFile(file, 'utf8'))).toEqual(
        buildHeartbeatDocument({ status: 'Ready', message: 'running' }),
      );
      expect((await fs.stat(file)).mtimeMs).toBeGreaterThan(1_000_000_000);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
