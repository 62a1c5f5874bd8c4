// randomHex (agent/config/random-name.ts): the requested number of bytes from /dev/urandom as hex, a new
// value each call (the temp-file and control-socket names that must not be guessable).
import { expect, test } from '@jest/globals';
import { randomHex } from '../../../agent/config/random-name.js';

test('randomHex gives 2 × bytes lowercase hex characters, different on every call', () => {
  const values = Array.from({ length: 50 }, () => randomHex(6));
  for (const v of values) expect(v).toMatch(/^[0-9a-f]{12}$/);
  expect(new Set(values).size).toBe(50);
  expect(randomHex(1)).toMatch(/^[0-9a-f]{2}$/);
});
