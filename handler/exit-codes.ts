// Handler exit codes, keeping AMA's meanings (docs/error-codes.md). docs/error-codes.md documents each one;
// test/unit/handler/exit-codes.test.ts checks that the catalogue and the docs agree.

export const ExitCode = {
  Success: 0,
  GenericError: 1,
  UnsupportedOperatingSystem: 51,
  MissingDependency: 52,
  InvalidConfiguration: 53,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODE_MEANINGS: Record<ExitCodeValue, string> = {
  0: 'The operation succeeded.',
  1: 'Unexpected failure (a bug or an unclassified system error); see the handler log.',
  51: 'Unsupported operating system or CPU architecture (not Linux, not x64/arm64, or glibc too old for the bundled runtime).',
  52: 'A required dependency is missing or the disk is too full (no openssl to decrypt protected settings, not enough free space for the queue).',
  53: 'Invalid configuration: settings, protected settings (including undecryptable ones) or a data collection rule are malformed or inconsistent.',
};
