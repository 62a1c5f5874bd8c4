// The OS-package gate the integration suites use: a missing program is named with the package to install.
import { describe, expect, test } from '@jest/globals';
import { findProgram, unmetRequirements } from '../../support/os-requirements.js';

describe('OS requirements of the integration suites', () => {
  test('a program on PATH is found; one nowhere is not', () => {
    expect(findProgram('sh')).toMatch(/\/sh$/);
    expect(findProgram('open-ama-no-such-program')).toBeUndefined();
  });

  test('unmet requirements name every missing program and one apt-get line for their packages', () => {
    const why = unmetRequirements([
      { program: 'sh', debianPackage: 'dash' },
      { program: 'open-ama-no-such-a', debianPackage: 'pkg-a' },
      { program: 'open-ama-no-such-b', debianPackage: 'pkg-b' },
    ]);
    expect(why).toBe(
      'open-ama-no-such-a is not installed; open-ama-no-such-b is not installed (apt-get install -y pkg-a pkg-b)',
    );
    expect(unmetRequirements([{ program: 'sh', debianPackage: 'dash' }])).toBeUndefined();
  });

  test('a probe decides instead of the PATH look-up', () => {
    const why = unmetRequirements([{ program: 'sh', debianPackage: 'faketime', probe: () => 'preload has no effect' }]);
    expect(why).toBe('preload has no effect (apt-get install -y faketime)');
  });
});
