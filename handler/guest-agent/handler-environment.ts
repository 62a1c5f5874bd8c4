// Reads ./HandlerEnvironment.json (docs/guest-agent-protocol.md §2): a JSON array whose element 0 holds the folders
// (never hard-coded; Arc differs), unknown fields tolerated, eventsFolder falling back to
// eventsFolder_preview. The guest agent may rewrite the file while we read it, so a failed read or
// parse is retried a few times with a short delay; a missing file is reported at once.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HandlerError } from '../errors.js';

export const HANDLER_ENVIRONMENT_FILE = 'HandlerEnvironment.json';

export interface HandlerEnvironment {
  name: string;
  logFolder: string;
  configFolder: string;
  statusFolder: string;
  heartbeatFile?: string;
  eventsFolder?: string;
}

export interface ReadHandlerEnvironmentOptions {
  /** Total read attempts (default 5). */
  attempts?: number;
  /** Delay between attempts (default 200 ms). */
  delayMs?: number;
  /** How to wait between attempts; tests pass one that repairs the file instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function readHandlerEnvironment(
  cwd: string,
  opts: ReadHandlerEnvironmentOptions = {},
): Promise<HandlerEnvironment> {
  const file = path.join(cwd, HANDLER_ENVIRONMENT_FILE);
  const attempts = Math.max(1, opts.attempts ?? 5);
  const sleep = opts.sleep ?? defaultSleep;
  let lastError: HandlerError | undefined;
  for (let attempt = 0; attempt < attempts; attempt++) {
    if (attempt > 0) await sleep(opts.delayMs ?? 200);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') {
        throw new HandlerError(
          'HANDLER_ENVIRONMENT_MISSING',
          `${HANDLER_ENVIRONMENT_FILE} not found in ${cwd} (the working directory); the guest agent writes it when it installs the extension — reinstall the extension`,
        );
      }
      lastError = new HandlerError('HANDLER_ENVIRONMENT_INVALID', `cannot read ${file}: ${code ?? 'I/O error'}`, {
        cause: err,
      });
      continue;
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text.replace(/^\uFEFF/, ''));
    } catch {
      // Possibly a torn read while the agent rewrites the file: try again.
      lastError = new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file} is not valid JSON`);
      continue;
    }
    try {
      return parseHandlerEnvironment(doc, file);
    } catch (err) {
      lastError = err as HandlerError;
    }
  }
  throw lastError ?? new HandlerError('HANDLER_ENVIRONMENT_INVALID', `cannot read ${file}`);
}

/** Validates the parsed document; errors name the offending field. */
export function parseHandlerEnvironment(doc: unknown, file = HANDLER_ENVIRONMENT_FILE): HandlerEnvironment {
  if (!Array.isArray(doc) || doc.length === 0) {
    throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file} must be a JSON array with at least one element`);
  }
  const first: unknown = doc[0];
  if (!isObject(first)) throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: element 0 must be an object`);
  const he = first.handlerEnvironment;
  if (!isObject(he))
    throw new HandlerError(
      'HANDLER_ENVIRONMENT_INVALID',
      `${file}: field handlerEnvironment is missing or not an object`,
    );

  const optional = (key: string): string | undefined => {
    const v = he[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string' && v.length > 0) return v;
    throw new HandlerError(
      'HANDLER_ENVIRONMENT_INVALID',
      `${file}: field handlerEnvironment.${key} must be a non-empty string`,
    );
  };
  const required = (key: string): string => {
    const v = optional(key);
    if (v === undefined)
      throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: field handlerEnvironment.${key} is missing`);
    return v;
  };
  if (typeof first.name !== 'string' || first.name.length === 0) {
    throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: field name must be a non-empty string`);
  }
  const env: HandlerEnvironment = {
    name: first.name,
    logFolder: required('logFolder'),
    configFolder: required('configFolder'),
    statusFolder: required('statusFolder'),
  };
  const heartbeatFile = optional('heartbeatFile');
  const eventsFolder = optional('eventsFolder') ?? optional('eventsFolder_preview');
  if (heartbeatFile !== undefined) env.heartbeatFile = heartbeatFile;
  if (eventsFolder !== undefined) env.eventsFolder = eventsFolder;
  return env;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
