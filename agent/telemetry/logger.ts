// JSON-lines logger for the handler, supervisor and collector: levels, redaction applied to every line
// before it is written (not at call sites), size rotation, written into the guest agent's log folder through
// sonic-boom (pino's file writer, synchronous). Every line carries the component and, for the handler, the
// operation, seq and version (defaultMeta). Flush with closeLogger() before exit.
//
// Line: {"level":"info","timestamp":"<ISO 8601>",<defaultMeta>,<meta>,"message":"…"}. Rotation keeps the
// naming operators know (docs/troubleshooting.md): the live file is always <name>.log, older ones
// <name>1.log (newest) … <name><maxFiles-1>.log; a line is never split across files. Not winston, not
// pino: the daemons write a few lines a minute, and each library cost every long-running process memory
// for work this module does in a few lines (winston ~5 MB RSS, pino ~1 MB more than its writer alone;
// docs/dependencies.md, docs/performance.md).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SonicBoom } from 'sonic-boom';
import { redactString, redactValue } from './redact.js';
import type { LogLevel } from '../config/agent-config.js';

export interface LoggerOptions {
  /** Directory for the log file; created 0755 if missing. */
  logDir: string;
  /** File name, e.g. "handler.log", "supervisor.log", "collector.log". */
  fileName: string;
  level?: LogLevel;
  /** Rotation: bytes per file and files kept, the live one included (default 10 MiB × 5). */
  maxBytes?: number;
  maxFiles?: number;
  /** Fields on every line, e.g. { component: 'handler', operation: 'enable', seq: 3, version: '1.0.0' }. */
  defaultMeta?: Record<string, unknown>;
  /** Also write to stderr (short human lines). The guest agent keeps only 3,200 bytes of output. */
  console?: boolean;
}

type LogMethod = (message: string, meta?: Record<string, unknown>) => void;

export interface Logger {
  /** Fields on every line from now on (the handler adds seq once it knows it). */
  defaultMeta?: Record<string, unknown>;
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}

const LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];

/** The file a logger writes, with its rotation; absent for the null logger. */
interface LogSink {
  /** Writes what is buffered, closes the file; resolves when done or after timeoutMs. */
  close(timeoutMs: number): Promise<void>;
}
const sinks = new WeakMap<Logger, LogSink>();

/** `collector.log` → `collector<n>.log`: the names the rotated files have always had. */
function rotatedName(file: string, n: number): string {
  const ext = path.extname(file);
  return `${file.slice(0, file.length - ext.length)}${n}${ext}`;
}

/**
 * The log file: counts bytes, and before a line that would take the file past maxBytes shifts the files
 * (<name>.log → <name>1.log → …, the oldest dropped) and reopens <name>.log. Writes are synchronous (one
 * write(2) per line): the daemons log a few lines a minute (drops are summed per window,
 * docs/reliability.md), a line logged just before a crash or exit is on disk, and a rotation cannot race
 * writes still queued for the old file.
 */
class RotatingFile {
  private size: number;
  private closed = false;
  private readonly out?: SonicBoom;

  constructor(
    private readonly file: string,
    private readonly maxBytes: number,
    private readonly maxFiles: number,
  ) {
    this.size = sizeOf(file);
    try {
      this.out = new SonicBoom({ dest: file, append: true, sync: true });
      // A failing disk must not crash the process that logs: sonic-boom emits 'error' and drops the line.
      this.out.on('error', () => undefined);
    } catch (err) {
      // Unwritable log folder: the process still runs; one line on stderr (the collector's reaches the
      // supervisor's stderr tail) says why its log stays empty.
      process.stderr.write(
        `open-ama: cannot open ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'}); not logging to a file\n`,
      );
    }
  }

  write(line: string): void {
    if (this.closed || !this.out) return;
    const bytes = Buffer.byteLength(line);
    if (this.size > 0 && this.size + bytes > this.maxBytes) this.rotate(this.out);
    this.size += bytes;
    try {
      this.out.write(line);
    } catch {
      // Never throw at a log call (sonic-boom reports write errors through 'error', handled above).
    }
  }

  private rotate(out: SonicBoom): void {
    try {
      fs.rmSync(rotatedName(this.file, this.maxFiles - 1), { force: true });
      for (let n = this.maxFiles - 2; n >= 1; n--)
        renameIfPresent(rotatedName(this.file, n), rotatedName(this.file, n + 1));
      if (this.maxFiles > 1) renameIfPresent(this.file, rotatedName(this.file, 1));
      else fs.rmSync(this.file, { force: true });
      out.reopen();
      this.size = 0;
    } catch {
      // Rotation failed (read-only or full disk): keep appending to the file we have; never throw at a log call.
    }
  }

  close(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.closed = true;
      if (!this.out) return done();
      this.out.once('close', done);
      this.out.once('error', done);
      this.out.end();
    });
  }
}

function sizeOf(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    fs.renameSync(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** One JSON line: level and timestamp first, then the fields, the message last; never throws. */
function jsonLine(level: LogLevel, fields: Record<string, unknown>, message: string): string {
  const timestamp = new Date().toISOString();
  const line: Record<string, unknown> = { level, timestamp, ...fields };
  // A field of the same name does not replace these (its key keeps its place).
  line.level = level;
  line.timestamp = timestamp;
  line.message = message;
  try {
    return `${JSON.stringify(line)}\n`;
  } catch {
    // A field JSON cannot write (a cycle, a BigInt): the line without the fields, saying so.
    return `${JSON.stringify({ level, timestamp, message, fields: '[not serialisable]' })}\n`;
  }
}

function makeLogger(
  level: LogLevel,
  defaultMeta: Record<string, unknown> | undefined,
  file: RotatingFile | undefined,
  toStderr: boolean,
): Logger {
  const threshold = LEVELS.indexOf(level);
  const method = (name: LogLevel): LogMethod => {
    if (LEVELS.indexOf(name) > threshold) return () => undefined; // below the level: nothing to do per call
    return (message, meta) => {
      const clean = redactString(message);
      if (file)
        file.write(jsonLine(name, redactValue({ ...logger.defaultMeta, ...meta }) as Record<string, unknown>, clean));
      if (toStderr) process.stderr.write(`${name}: ${clean}\n`);
    };
  };
  const logger: Logger = {
    defaultMeta,
    error: method('error'),
    warn: method('warn'),
    info: method('info'),
    debug: method('debug'),
  };
  return logger;
}

export function createLogger(options: LoggerOptions): Logger {
  fs.mkdirSync(options.logDir, { recursive: true, mode: 0o755 });
  const file = new RotatingFile(
    path.join(options.logDir, options.fileName),
    options.maxBytes ?? 10 * 1024 * 1024,
    Math.max(1, options.maxFiles ?? 5),
  );
  const logger = makeLogger(options.level ?? 'info', options.defaultMeta, file, options.console === true);
  sinks.set(logger, file);
  return logger;
}

/** A logger that drops everything (for unit tests of pure modules). */
export function createNullLogger(): Logger {
  return makeLogger('error', undefined, undefined, false);
}

/** Flushes the file; resolves when everything logged so far is on disk (bounded wait). Log calls after it are dropped. */
export async function closeLogger(logger: Logger, timeoutMs = 2000): Promise<void> {
  const sink = sinks.get(logger);
  sinks.delete(logger);
  await sink?.close(timeoutMs);
}
