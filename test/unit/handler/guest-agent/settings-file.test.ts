// config/<seq>.settings (docs/guest-agent-protocol.md §3.1): the agent's exact shape, the 0-byte legacy file, null
// settings, missing keys, a missing file (reported, not an error), and malformed files whose error names
// the file and position but never quotes the content.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSettingsFile } from '../../../../handler/guest-agent/index.js';
import { HandlerError } from '../../../../handler/errors.js';

const THUMB = '3C4B7460E6E4DB6B5E0C2FACEDC39FD34FF7ECC6';
const BLOB = 'MIIB8AYJKoZIhvcNAQcDoIIB4TCCAd0CAQAxggFpMIIBZQIBADBNMDkxNzA1BgoJkiaJk/IsZAEZFidXaW5kb3dzIEF6dXJl';
const SECRET = 'Secret-In-Settings-9931';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-settings-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const write = (seq: number, text: string): Promise<void> => fs.writeFile(path.join(dir, `${seq}.settings`), text);
const none = { publicSettings: null, protectedSettings: null, thumbprint: null, missing: false };

async function malformed(seq: number): Promise<HandlerError> {
  const err = await readSettingsFile(dir, seq).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HandlerError);
  expect((err as HandlerError).code).toBe('SETTINGS_MALFORMED');
  expect((err as HandlerError).exitCode).toBe(53);
  return err as HandlerError;
}

describe('readSettingsFile', () => {
  test('reads the compact document the agent writes', async () => {
    await write(
      7,
      `{"runtimeSettings": [{"handlerSettings": {"publicSettings": {"workspaceId": "abc"}, "protectedSettings": "${BLOB}", "protectedSettingsCertThumbprint": "${THUMB}"}}]}`,
    );
    await expect(readSettingsFile(dir, 7)).resolves.toEqual({
      publicSettings: { workspaceId: 'abc' },
      protectedSettings: BLOB,
      thumbprint: THUMB,
      missing: false,
    });
  });

  test('a lower-case thumbprint is upper-cased (file names use upper case)', async () => {
    await write(
      1,
      JSON.stringify({
        runtimeSettings: [
          {
            handlerSettings: {
              publicSettings: {},
              protectedSettings: BLOB,
              protectedSettingsCertThumbprint: THUMB.toLowerCase(),
            },
          },
        ],
      }),
    );
    expect((await readSettingsFile(dir, 1)).thumbprint).toBe(THUMB);
  });

  test('the 0-byte legacy 0.settings means no settings at all', async () => {
    await write(0, '');
    await expect(readSettingsFile(dir, 0)).resolves.toEqual(none);
  });

  test('null settings (none given, or invalid in the goal state) are all null', async () => {
    await write(
      3,
      '{"runtimeSettings": [{"handlerSettings": {"publicSettings": null, "protectedSettings": null, "protectedSettingsCertThumbprint": null}}]}',
    );
    await expect(readSettingsFile(dir, 3)).resolves.toEqual(none);
    await write(4, 'null');
    await expect(readSettingsFile(dir, 4)).resolves.toEqual(none);
    await write(5, '{"runtimeSettings": [{"handlerSettings": null}]}');
    await expect(readSettingsFile(dir, 5)).resolves.toEqual(none);
  });

  test('missing keys are treated as null (older agents and Arc)', async () => {
    await write(2, '{"runtimeSettings": [{"handlerSettings": {"publicSettings": {"a": 1}}}]}');
    await expect(readSettingsFile(dir, 2)).resolves.toEqual({ ...none, publicSettings: { a: 1 } });
    await write(3, '{"runtimeSettings": [{}]}');
    await expect(readSettingsFile(dir, 3)).resolves.toEqual(none);
  });

  test('a missing file is not an error: all null with missing: true (disable/uninstall/update during an update)', async () => {
    await expect(readSettingsFile(dir, 12)).resolves.toEqual({ ...none, missing: true });
  });

  test('malformed JSON → SETTINGS_MALFORMED naming the file and the position, never the content', async () => {
    const text = `{"runtimeSettings":[{"handlerSettings":{"publicSettings":{"x":"${SECRET}"`;
    await write(0, text);
    const err = await malformed(0);
    expect(err.message).toMatch(/^0\.settings is not valid JSON \(syntax error at line 1, column \d+, character \d+\)/);
    expect(err.message).toContain(`character ${text.length}`); // unexpected end of input
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('publicSettings');
  });

  test('an unexpected token (for which V8 quotes the input) is reported by position only', async () => {
    const text = `{"runtimeSettings": [{"handlerSettings": {"publicSettings": {"password": ${SECRET}}}}]}`;
    await write(9, text);
    const err = await malformed(9);
    expect(err.message).toContain(`character ${text.indexOf(SECRET)}`);
    expect(err.message).not.toContain(SECRET);
    expect(err.message).not.toContain('password');
  });

  test.each([
    ['runtimeSettings is missing', '{}'],
    ['runtimeSettings is not an array', '{"runtimeSettings": {"handlerSettings": {}}}'],
    ['runtimeSettings is empty', '{"runtimeSettings": []}'],
    ['runtimeSettings has two elements', '{"runtimeSettings": [{}, {}]}'],
    ['the document is an array', '[{"runtimeSettings": [{}]}]'],
    ['handlerSettings is a string', '{"runtimeSettings": [{"handlerSettings": "x"}]}'],
    [
      'protectedSettings is an object',
      '{"runtimeSettings": [{"handlerSettings": {"protectedSettings": {"password": "p"}}}]}',
    ],
  ])('%s → SETTINGS_MALFORMED', async (_what, text) => {
    await write(1, text);
    const err = await malformed(1);
    expect(err.message).toMatch(/^1\.settings/);
    expect(err.message).not.toContain('"p"');
  });
});
