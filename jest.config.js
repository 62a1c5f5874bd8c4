// Jest runs the TypeScript sources as native ES modules (swc strips types; `npm run typecheck` checks them).
// Integration tests spawn real processes, openssl, rsyslog and loopback servers, so they run serially per file.
// Suites skipped for a missing OS package append a line to OPEN_AMA_TEST_SKIP_LOG (set here, inherited by the
// workers); the summary reporter prints those lines after the totals (test/support/os-requirements.ts).
import * as os from 'node:os';
import * as path from 'node:path';

process.env.OPEN_AMA_TEST_SKIP_LOG ??= path.join(os.tmpdir(), `open-ama-test-skips-${process.pid}.log`);

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000,
  maxWorkers: 2,
  reporters: ['default', '<rootDir>/test/summary-reporter.cjs'],
};
