// HandlerEnvironment.json (docs/guest-agent-protocol.md §2): array element 0, unknown fields tolerated, preview events
// folder fallback, clear errors for a missing or invalid file, and a torn read retried.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readHandlerEnvironment } from '../../../../handler/guest-agent/index.js';
import { HandlerError } from '../../../../handler/errors.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-he-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const NAME = 'OpenAma.Monitor.OpenAmaLinuxAgent';
function agentDocument(extra: Record<string, unknown> = {}, elementExtra: Record<string, unknown> = {}): unknown[] {
  return [
    {
      name: NAME,
      version: 1.0,
      ...elementExtra,
      handlerEnvironment: {
        logFolder: `/var/log/azure/${NAME}`,
        configFolder: `/var/lib/waagent/${NAME}-1.0.0/config`,
        statusFolder: `/var/lib/waagent/${NAME}-1.0.0/status`,
        heartbeatFile: `/var/lib/waagent/${NAME}-1.0.0/heartbeat.log`,
        eventsFolder: `/var/log/azure/${NAME}/events`,
        eventsFolder_preview: `/var/log/azure/${NAME}/events`,
        ...extra,
      },
    },
  ];
}
const write = (doc: unknown): Promise<void> =>
  fs.writeFile(path.join(dir, 'HandlerEnvironment.json'), typeof doc === 'string' ? doc : JSON.stringify(doc));
const noWait = { sleep: async () => undefined };

async function errorOf(p: Promise<unknown>): Promise<HandlerError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandlerError);
  return err as HandlerError;
}

describe('readHandlerEnvironment', () => {
  test('reads the folders from element 0 of the array the agent writes', async () => {
    await write(agentDocument());
    await expect(readHandlerEnvironment(dir)).resolves.toEqual({
      name: NAME,
      logFolder: `/var/log/azure/${NAME}`,
      configFolder: `/var/lib/waagent/${NAME}-1.0.0/config`,
      statusFolder: `/var/lib/waagent/${NAME}-1.0.0/status`,
      heartbeatFile: `/var/lib/waagent/${NAME}-1.0.0/heartbeat.log`,
      eventsFolder: `/var/log/azure/${NAME}/events`,
    });
  });

  test('uses only element 0 and tolerates unknown fields (Windows agent / Arc additions)', async () => {
    const doc = agentDocument(
      { hostResolverAddress: '168.63.129.16', deploymentid: 'x' },
      { seqNo: 3, rolename: 'r', instance: 'i' },
    );
    doc.push({ name: 'Other.Handler', handlerEnvironment: { logFolder: '/elsewhere' } });
    await write(doc);
    const env = await readHandlerEnvironment(dir);
    expect(env.name).toBe(NAME);
    expect(env.logFolder).toBe(`/var/log/azure/${NAME}`);
    expect(Object.keys(env).sort()).toEqual([
      'configFolder',
      'eventsFolder',
      'heartbeatFile',
      'logFolder',
      'name',
      'statusFolder',
    ]);
  });

  test('a UTF-8 byte order mark is ignored', async () => {
    await write(`\uFEFF${JSON.stringify(agentDocument())}`);
    await expect(readHandlerEnvironment(dir)).resolves.toMatchObject({ name: NAME });
  });

  test('eventsFolder falls back to eventsFolder_preview; with neither there is no events folder', async () => {
    await write(agentDocument({ eventsFolder: undefined, eventsFolder_preview: '/preview/events' }));
    expect((await readHandlerEnvironment(dir)).eventsFolder).toBe('/preview/events');
    await write(agentDocument({ eventsFolder: undefined, eventsFolder_preview: undefined, heartbeatFile: undefined }));
    const env = await readHandlerEnvironment(dir);
    expect(env.eventsFolder).toBeUndefined();
    expect(env.heartbeatFile).toBeUndefined();
  });

  test('a missing file is HANDLER_ENVIRONMENT_MISSING naming the file and the working directory', async () => {
    const err = await errorOf(readHandlerEnvironment(dir, noWait));
    expect(err.code).toBe('HANDLER_ENVIRONMENT_MISSING');
    expect(err.message).toContain('HandlerEnvironment.json');
    expect(err.message).toContain(dir);
  });

  test.each([
    ['a missing configFolder', agentDocument({ configFolder: undefined }), 'handlerEnvironment.configFolder'],
    ['an empty statusFolder', agentDocument({ statusFolder: '' }), 'handlerEnvironment.statusFolder'],
    ['a numeric logFolder', agentDocument({ logFolder: 42 }), 'handlerEnvironment.logFolder'],
    ['a non-string eventsFolder', agentDocument({ eventsFolder: ['x'] }), 'handlerEnvironment.eventsFolder'],
    [
      'no name',
      [{ handlerEnvironment: (agentDocument()[0] as { handlerEnvironment: unknown }).handlerEnvironment }],
      'field name',
    ],
    ['no handlerEnvironment', [{ name: NAME }], 'handlerEnvironment'],
    ['an object instead of an array', agentDocument()[0], 'array'],
    ['an empty array', [], 'array'],
  ])('%s is HANDLER_ENVIRONMENT_INVALID naming the field', async (_what, doc, field) => {
    await write(doc);
    const err = await errorOf(readHandlerEnvironment(dir, noWait));
    expect(err.code).toBe('HANDLER_ENVIRONMENT_INVALID');
    expect(err.message).toContain(field);
  });

  test('a torn read (the agent rewriting the file) is retried and the complete file is used', async () => {
    const full = JSON.stringify(agentDocument());
    await write(full.slice(0, 57));
    let waits = 0;
    const env = await readHandlerEnvironment(dir, {
      sleep: async () => {
        waits++;
        if (waits === 2) await write(full); // the agent finishes writing while we wait
      },
    });
    expect(env.name).toBe(NAME);
    expect(waits).toBe(2);
  });

  test('a file that stays invalid fails after the configured number of attempts', async () => {
    await write('[{"name": ');
    let waits = 0;
    const err = await errorOf(readHandlerEnvironment(dir, { attempts: 4, sleep: async () => void waits++ }));
    expect(err.code).toBe('HANDLER_ENVIRONMENT_INVALID');
    expect(err.message).toMatch(/not valid JSON/);
    expect(waits).toBe(3);
  });
});
