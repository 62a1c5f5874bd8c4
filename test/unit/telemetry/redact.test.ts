// Redaction of proxy credentials (issue 13): loading the agent config registers the proxy password in
// whatever process loads it (handler, supervisor and collector share readAgentConfig); only the password
// and its encodings are registered, never the username; a short password is not registered raw (it would
// mangle words) but its URL and Basic forms are still scrubbed; an empty username in a proxy URL too.
import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readAgentConfig } from '../../../agent/config/index.js';
import {
  clearRegisteredSecrets,
  redactString,
  registerProxyCredentials,
  REDACTED,
} from '../../../agent/telemetry/index.js';
import { testAgentConfig } from '../../support/agent-config.js';

afterEach(() => clearRegisteredSecrets());

describe('proxy credentials', () => {
  test('loading the agent config registers the proxy password (raw, URL-encoded, Basic) and not the username', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'oa-redact-'));
    try {
      const file = path.join(dir, 'agent-config.json');
      const proxy = {
        mode: 'application' as const,
        address: 'http://proxy.example:3128',
        username: 'alice',
        password: 'p@ss/word',
        bypass: [],
      };
      writeFileSync(file, JSON.stringify(testAgentConfig({ proxy })));
      clearRegisteredSecrets();
      expect(redactString('p@ss/word')).toBe('p@ss/word');
      await readAgentConfig(file);
      expect(redactString('tunnel failed with p@ss/word')).toBe(`tunnel failed with ${REDACTED}`);
      expect(redactString('url-encoded p%40ss%2Fword')).toBe(`url-encoded ${REDACTED}`);
      const basic = Buffer.from('alice:p@ss/word').toString('base64');
      expect(redactString(`proxy-authorization=${basic}`)).toBe(`proxy-authorization=${REDACTED}`);
      // the username is not a secret: messages naming alice stay readable
      expect(redactString('proxy user alice was refused; alice-laptop is fine')).toBe(
        'proxy user alice was refused; alice-laptop is fine',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a short password is not registered raw (no mangling) but its URL and Basic forms are scrubbed', () => {
    registerProxyCredentials('alice', 'ab1');
    expect(redactString('about ab1 tab1e')).toBe('about ab1 tab1e');
    expect(redactString('connect http://alice:ab1@proxy.example:3128 failed')).toBe(
      `connect http://${REDACTED}@proxy.example:3128 failed`,
    );
    const basic = Buffer.from('alice:ab1').toString('base64');
    expect(redactString(`header ${basic}`)).toBe(`header ${REDACTED}`);
  });

  test('an empty username in a proxy URL (http://:pw@host) still has its password scrubbed', () => {
    expect(redactString('proxy http://:s3cret-pw@proxy.example:3128 refused')).toBe(
      `proxy http://${REDACTED}@proxy.example:3128 refused`,
    );
    registerProxyCredentials('', 's3cret-pw');
    expect(redactString('error near s3cret-pw')).toBe(`error near ${REDACTED}`);
  });

  test('no password, nothing registered; URLs without userinfo are left alone', () => {
    registerProxyCredentials('alice', undefined);
    expect(redactString('alice via http://proxy.example:3128/ and https://host:443/a@b')).toBe(
      'alice via http://proxy.example:3128/ and https://host:443/a@b',
    );
  });
});
