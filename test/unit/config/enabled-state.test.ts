// enabled-state.json has one shape for the handler (writer, idempotent enable) and the supervisor
// (status hand-over): written 0600 and read back; anything not of that shape reads as "no state".
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readEnabledState, writeEnabledState } from '../../../agent/config/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-enabled-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('enabled-state.json', () => {
  test('round trip, mode 0600', async () => {
    const file = path.join(dir, 'a.json');
    await writeEnabledState(file, { seq: 3, version: '1.2.3', configHash: 'ab' });
    expect(await readEnabledState(file)).toEqual({ seq: 3, version: '1.2.3', configHash: 'ab' });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  test.each([
    ['absent', undefined],
    ['not JSON', '{"seq":'],
    ['an array', '[1]'],
    ['seq as a string', '{"seq":"3","version":"1.2.3","configHash":"ab"}'],
    ['negative seq', '{"seq":-1,"version":"1.2.3","configHash":"ab"}'],
    ['no configHash', '{"seq":3,"version":"1.2.3"}'],
  ])('%s reads as no state', async (name, text) => {
    const file = path.join(dir, `${name}.json`);
    if (text !== undefined) writeFileSync(file, text);
    expect(await readEnabledState(file)).toBeUndefined();
  });
});
