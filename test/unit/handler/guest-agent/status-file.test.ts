// The status file as the guest agent parses it (docs/guest-agent-protocol.md §6.1, §6.2): one-element array, version 1.0,
// UTC second timestamp, lower-case status, formattedMessage {lang, message} at both levels, secrets
// redacted, messages truncated, the whole file a few KiB even with 50 substatuses, atomic, clear failure.
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  buildStatusDocument,
  MAX_STATUS_BYTES,
  writeStatusFile,
  type ExtensionStatus,
  type SubStatus,
} from '../../../../handler/guest-agent/index.js';
import { HandlerError } from '../../../../handler/errors.js';
import { clearRegisteredSecrets, registerSecret } from '../../../../agent/telemetry/index.js';

const NAME = 'OpenAma.Monitor.OpenAmaLinuxAgent';
const NOW = new Date('2025-06-01T10:20:30.987Z');

interface Doc {
  version: number;
  timestampUTC: string;
  status: {
    name: string;
    operation: string;
    status: string;
    code: number;
    configurationAppliedTime?: string;
    formattedMessage: { lang: string; message: string };
    substatus: { name: string; status: string; code: number; formattedMessage: { lang: string; message: string } }[];
  };
}
const only = (doc: unknown[]): Doc => {
  expect(doc).toHaveLength(1);
  return doc[0] as Doc;
};

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-status-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});
afterAll(() => clearRegisteredSecrets());

describe('buildStatusDocument', () => {
  test('has exactly the shape of §6.1: array of one, version 1.0, lower-case status, lang + message at both levels', () => {
    const st: ExtensionStatus = {
      operation: 'Enable',
      status: 'success',
      code: 0,
      message: 'Enable succeeded',
      configurationAppliedTime: '2025-06-01T10:20:29.500Z',
      substatus: [{ name: 'AgentService', status: 'warning', code: 3, message: '1 rule references an unknown table' }],
    };
    const doc = only(buildStatusDocument(NAME, st, NOW));
    expect(doc).toEqual({
      version: 1.0,
      timestampUTC: '2025-06-01T10:20:30Z',
      status: {
        name: NAME,
        operation: 'Enable',
        status: 'success',
        code: 0,
        configurationAppliedTime: '2025-06-01T10:20:29Z',
        formattedMessage: { lang: 'en-US', message: 'Enable succeeded' },
        substatus: [
          {
            name: 'AgentService',
            status: 'warning',
            code: 3,
            formattedMessage: { lang: 'en-US', message: '1 rule references an unknown table' },
          },
        ],
      },
    });
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/"Lang"|"Message"|"Success"|"Error"/);
  });

  test.each(['transitioning', 'warning', 'error', 'success'] as const)(
    'status %s is written lower-case as given',
    (s) => {
      const doc = only(
        buildStatusDocument(
          NAME,
          {
            operation: 'Install',
            status: s,
            code: 0,
            message: 'm',
            substatus: [{ name: 'n', status: s, code: 0, message: 'x' }],
          },
          NOW,
        ),
      );
      expect(doc.status.status).toBe(s);
      expect(doc.status.substatus[0]!.status).toBe(s);
    },
  );

  test('a value outside the four (e.g. "Success" from an untyped caller) becomes error, as the agent would report it', () => {
    const bad = {
      operation: 'Enable',
      status: 'Success',
      code: 0,
      message: 'm',
      substatus: [{ name: 'n', status: 'OK', code: 0, message: 'x' }],
    } as unknown as ExtensionStatus;
    const doc = only(buildStatusDocument(NAME, bad, NOW));
    expect(doc.status.status).toBe('error');
    expect(doc.status.substatus[0]!.status).toBe('error');
  });

  test('an unparseable configurationAppliedTime is left out rather than failing the write', () => {
    const doc = only(
      buildStatusDocument(
        NAME,
        { operation: 'Enable', status: 'success', code: 0, message: 'm', configurationAppliedTime: 'yesterday' },
        NOW,
      ),
    );
    expect(doc.status).not.toHaveProperty('configurationAppliedTime');
  });

  test("messages are truncated to 1024 characters with the agent's suffix, at both levels", () => {
    const long = 'x'.repeat(5000);
    const doc = only(
      buildStatusDocument(
        NAME,
        {
          operation: 'Enable',
          status: 'error',
          code: 53,
          message: long,
          substatus: [{ name: 'n', status: 'error', code: 1, message: long }],
        },
        NOW,
      ),
    );
    expect(doc.status.formattedMessage.message).toHaveLength(1024);
    expect(doc.status.formattedMessage.message.endsWith(' ... [TRUNCATED]')).toBe(true);
    expect(doc.status.substatus[0]!.formattedMessage.message.length).toBeLessThanOrEqual(1024);
    expect(doc.status.substatus[0]!.formattedMessage.message.endsWith(' ... [TRUNCATED]')).toBe(true);
  });

  test('a registered secret is redacted from every message, even one long enough to be truncated', () => {
    const secret = 'S3cr3t-Status-Sentinel!';
    registerSecret(secret);
    const doc = buildStatusDocument(
      NAME,
      {
        operation: 'Enable',
        status: 'error',
        code: 1,
        message: `${'a'.repeat(1000)}proxy password ${secret}`,
        substatus: [
          {
            name: 'Proxy',
            status: 'error',
            code: 1,
            message: `login with ${secret} refused by http://u:${secret}@proxy:3128`,
          },
        ],
      },
      NOW,
    );
    const text = JSON.stringify(doc);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(secret.slice(0, 12));
    expect(text).toContain('[REDACTED]');
  });

  test('50 long substatuses still give a file of a few KiB, keeping the first ones and summarising the rest with the worst status', () => {
    const subs: SubStatus[] = Array.from({ length: 50 }, (_, i) => ({
      name: `Destination${i}`,
      status: i === 45 ? 'error' : 'success',
      code: 0,
      message: `details ${i} `.repeat(200),
    }));
    const doc = buildStatusDocument(
      NAME,
      { operation: 'Enable', status: 'success', code: 0, message: 'm'.repeat(3000), substatus: subs },
      NOW,
    );
    const bytes = Buffer.byteLength(JSON.stringify(doc));
    expect(bytes).toBeLessThanOrEqual(MAX_STATUS_BYTES);
    const st = only(doc).status;
    expect(st.substatus[0]!.name).toBe('Destination0');
    const last = st.substatus[st.substatus.length - 1]!;
    expect(last.name).toBe('OmittedSubstatus');
    expect(last.status).toBe('error');
    expect(last.formattedMessage.message).toMatch(/^\d+ more substatus entries omitted/);
    for (const s of st.substatus) expect(s.formattedMessage).toEqual({ lang: 'en-US', message: expect.any(String) });
  });

  test('multi-byte and escaped characters are counted in bytes: the file stays within the budget', () => {
    const subs: SubStatus[] = Array.from({ length: 20 }, (_, i) => ({
      name: `S${i}`,
      status: 'success',
      code: 0,
      message: '\u0001€😀'.repeat(400),
    }));
    const doc = buildStatusDocument(
      NAME,
      { operation: 'Enable', status: 'success', code: 0, message: '\u0002'.repeat(2000), substatus: subs },
      NOW,
    );
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThanOrEqual(MAX_STATUS_BYTES);
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc); // still valid, no split surrogate pairs lost
  });
});

describe('writeStatusFile', () => {
  test('writes <seq>.status atomically: the parsed content is the document and no temp file is left', async () => {
    await writeStatusFile(dir, 7, NAME, { operation: 'Enable', status: 'transitioning', code: 0, message: 'Enabling' });
    await writeStatusFile(dir, 7, NAME, { operation: 'Enable', status: 'success', code: 0, message: 'Enabled' });
    expect(await fs.readdir(dir)).toEqual(['7.status']);
    const doc = only(JSON.parse(await fs.readFile(path.join(dir, '7.status'), 'utf8')) as unknown[]);
    expect(doc.status).toMatchObject({
      name: NAME,
      status: 'success',
      formattedMessage: { lang: 'en-US', message: 'Enabled' },
    });
    expect(doc.timestampUTC).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  test('an unusable status folder → STATUS_WRITE_FAILED naming the file', async () => {
    const notADir = path.join(dir, 'status');
    await fs.writeFile(notADir, 'a file where the directory should be'); // works as root too
    const err = await writeStatusFile(notADir, 3, NAME, {
      operation: 'Enable',
      status: 'error',
      code: 1,
      message: 'x',
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HandlerError);
    expect((err as HandlerError).code).toBe('STATUS_WRITE_FAILED');
    expect((err as HandlerError).message).toContain(path.join(notADir, '3.status'));
  });
});
