// winston logger writing JSON lines into the guest agent's log folder, size-rotated, with redaction
// applied by a format (not at call sites). Every line carries the component and, for the handler,
// the operation, seq and version (passed as defaultMeta). Flush with closeLogger() before exit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import winston from 'winston';
import { redactString, redactValue } from './redact.js';
import type { LogLevel } from '../config/agent-config.js';

export interface LoggerOptions {
  /** Directory for the log file; created 0755 if missing. */
  logDir: string;
  /** File name, e.g. "handler.log", "supervisor.log", "collector.log". */
  fileName: string;
  level?: LogLevel;
  /** Rotation: bytes per file and files kept (default 10 MiB × 5). */
  maxBytes?: number;
  maxFiles?: number;
  /** Fields on every line, e.g. { component: 'handler', operation: 'enable', seq: 3, version: '1.0.0' }. */
  defaultMeta?: Record<string, unknown>;
  /** Also write to stderr (short human lines). The guest agent keeps only 3,200 bytes of output. */
  console?: boolean;
}

const redactFormat = winston.format((info) => {
  const clean = redactValue({ ...info }) as Record<string | symbol, unknown>;
  for (const key of Object.keys(info)) delete (info as Record<string, unknown>)[key];
  Object.assign(info, clean);
  if (typeof info.message === 'string') info.message = redactString(info.message);
  return info;
});

export type Logger = winston.Logger;

export function createLogger(options: LoggerOptions): Logger {
  fs.mkdirSync(options.logDir, { recursive: true, mode: 0o755 });
  const transports: winston.transport[] = [
    new winston.transports.File({
      filename: path.join(options.logDir, options.fileName),
      maxsize: options.maxBytes ?? 10 * 1024 * 1024,
      maxFiles: options.maxFiles ?? 5,
      tailable: true,
      format: winston.format.combine(redactFormat(), winston.format.timestamp(), winston.format.json()),
    }),
  ];
  if (options.console) {
    transports.push(
      new winston.transports.Console({
        stderrLevels: ['error', 'warn', 'info', 'debug'],
        format: winston.format.combine(
          redactFormat(),
          winston.format.printf((i) => `${String(i.level)}: ${String(i.message)}`),
        ),
      }),
    );
  }
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: options.defaultMeta,
    transports,
  });
}

/** A logger that drops everything (for unit tests of pure modules). */
export function createNullLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}

/** Flushes file transports; resolves when everything logged so far is on disk (bounded wait). */
export async function closeLogger(logger: Logger, timeoutMs = 2000): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    logger.on('finish', () => {
      clearTimeout(timer);
      resolve();
    });
    logger.end();
  });
}
