// Error classes with a stable code, a human message the operator can act on, and a cause.
// The driver maps each to an exit code and a status message; messages never contain secrets.
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

export type HandlerErrorCode =
  | 'HANDLER_ENVIRONMENT_MISSING'
  | 'HANDLER_ENVIRONMENT_INVALID'
  | 'SEQUENCE_NUMBER_INVALID'
  | 'SETTINGS_UNREADABLE'
  | 'SETTINGS_MALFORMED'
  | 'SETTINGS_INVALID'
  | 'PROTECTED_SETTINGS_CERT_MISSING'
  | 'PROTECTED_SETTINGS_UNDECRYPTABLE'
  | 'PROTECTED_SETTINGS_INVALID'
  | 'OPENSSL_MISSING'
  | 'UNSUPPORTED_OS'
  | 'UNSUPPORTED_ARCH'
  | 'LOW_DISK_SPACE'
  | 'STATUS_WRITE_FAILED'
  | 'SUPERVISOR_START_FAILED'
  | 'CONFIG_NOT_APPLIED'
  | 'INTERNAL';

const EXIT_BY_CODE: Record<HandlerErrorCode, ExitCodeValue> = {
  HANDLER_ENVIRONMENT_MISSING: ExitCode.GenericError,
  HANDLER_ENVIRONMENT_INVALID: ExitCode.GenericError,
  SEQUENCE_NUMBER_INVALID: ExitCode.InvalidConfiguration,
  SETTINGS_UNREADABLE: ExitCode.InvalidConfiguration,
  SETTINGS_MALFORMED: ExitCode.InvalidConfiguration,
  SETTINGS_INVALID: ExitCode.InvalidConfiguration,
  PROTECTED_SETTINGS_CERT_MISSING: ExitCode.InvalidConfiguration,
  PROTECTED_SETTINGS_UNDECRYPTABLE: ExitCode.InvalidConfiguration,
  PROTECTED_SETTINGS_INVALID: ExitCode.InvalidConfiguration,
  OPENSSL_MISSING: ExitCode.MissingDependency,
  UNSUPPORTED_OS: ExitCode.UnsupportedOperatingSystem,
  UNSUPPORTED_ARCH: ExitCode.UnsupportedOperatingSystem,
  LOW_DISK_SPACE: ExitCode.MissingDependency,
  STATUS_WRITE_FAILED: ExitCode.GenericError,
  SUPERVISOR_START_FAILED: ExitCode.GenericError,
  CONFIG_NOT_APPLIED: ExitCode.InvalidConfiguration,
  INTERNAL: ExitCode.GenericError,
};

export class HandlerError extends Error {
  readonly code: HandlerErrorCode;
  readonly exitCode: ExitCodeValue;

  constructor(code: HandlerErrorCode, message: string, options?: { cause?: unknown; exitCode?: ExitCodeValue }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'HandlerError';
    this.code = code;
    this.exitCode = options?.exitCode ?? EXIT_BY_CODE[code];
  }
}

export function exitCodeFor(code: HandlerErrorCode): ExitCodeValue {
  return EXIT_BY_CODE[code];
}

/** Any thrown value → HandlerError (unknown errors become INTERNAL with exit 1). */
export function toHandlerError(err: unknown): HandlerError {
  if (err instanceof HandlerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HandlerError('INTERNAL', `unexpected error: ${message}`, { cause: err });
}

/** Every error code (the catalogue test checks each against docs/error-codes.md). */
export const HANDLER_ERROR_CODES = Object.keys(EXIT_BY_CODE) as HandlerErrorCode[];
