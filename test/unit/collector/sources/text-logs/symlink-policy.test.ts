// The symlink policy setting (OPEN_AMA_TEXT_LOG_SYMLINKS): unset → owner-readable, the two names, and any
// other value → the strictest policy with a message naming the variable and the accepted values.
import { describe, expect, test } from '@jest/globals';
import { symlinkPolicyFrom } from '../../../../../agent/collector/sources/text-logs/file-opener.js';

describe('symlink policy setting', () => {
  test('unset or empty: owner-readable', () => {
    expect(symlinkPolicyFrom(undefined)).toEqual({ policy: 'owner-readable' });
    expect(symlinkPolicyFrom('')).toEqual({ policy: 'owner-readable' });
  });
  test('the two names', () => {
    expect(symlinkPolicyFrom('never')).toEqual({ policy: 'never' });
    expect(symlinkPolicyFrom('owner-readable')).toEqual({ policy: 'owner-readable' });
  });
  test('anything else: never, with a clear problem', () => {
    const r = symlinkPolicyFrom('always');
    expect(r.policy).toBe('never');
    expect(r.problem).toBe('OPEN_AMA_TEXT_LOG_SYMLINKS="always" is not one of owner-readable, never; using never');
  });
});
