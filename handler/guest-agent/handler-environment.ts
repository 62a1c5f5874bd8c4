// Reads ./HandlerEnvironment.json (PROTOCOL.md §2.2): a JSON array, element 0, folders taken from it
// (never hard-coded; Arc differs), unknown fields tolerated, a failed read/parse retried a few times
// because the guest agent may rewrite the file while we read it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HandlerError } from '../errors.js';

export interface HandlerEnvironment {
  name: string;
  logFolder: string;
  configFolder: string;
  statusFolder: string;
  heartbeatFile?: string;
  eventsFolder?: string;
}

export interface ReadOptions {
  attempts?: number;
  delayMs?: number;
}

export async function readHandlerEnvironment(cwd: string, opts: ReadOptions = {}): Promise<HandlerEnvironment> {
  const file = path.join(cwd, 'HandlerEnvironment.json');
  const attempts = opts.attempts ?? 3;
  let lastError: HandlerError | undefined;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, opts.delayMs ?? 300));
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new HandlerError('HANDLER_ENVIRONMENT_MISSING', `HandlerEnvironment.json not found in ${cwd}; the guest agent writes it when it installs the extension — reinstall the extension`);
      }
      lastError = new HandlerError('HANDLER_ENVIRONMENT_INVALID', `cannot read ${file}: ${(err as Error).message}`);
      continue;
    }
    try {
      return parseHandlerEnvironment(JSON.parse(text.replace(/^\uFEFF/, '')) as unknown, file);
    } catch (err) {
      lastError = err instanceof HandlerError ? err : new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file} is not valid JSON`);
    }
  }
  throw lastError ?? new HandlerError('HANDLER_ENVIRONMENT_INVALID', `cannot read ${file}`);
}

export function parseHandlerEnvironment(doc: unknown, file = 'HandlerEnvironment.json'): HandlerEnvironment {
  const first = Array.isArray(doc) ? doc[0] : doc;
  if (typeof first !== 'object' || first === null) throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file} must be a JSON array whose first element is an object`);
  const el = first as Record<string, unknown>;
  const env = el.handlerEnvironment;
  if (typeof env !== 'object' || env === null) throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: handlerEnvironment is missing`);
  const he = env as Record<string, unknown>;
  const str = (key: string, required: boolean): string | undefined => {
    const v = he[key];
    if (typeof v === 'string' && v.length > 0) return v;
    if (required) throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: handlerEnvironment.${key} must be a non-empty string`);
    return undefined;
  };
  const name = typeof el.name === 'string' && el.name.length > 0 ? el.name : undefined;
  if (!name) throw new HandlerError('HANDLER_ENVIRONMENT_INVALID', `${file}: name must be a non-empty string`);
  return {
    name,
    logFolder: str('logFolder', true)!,
    configFolder: str('configFolder', true)!,
    statusFolder: str('statusFolder', true)!,
    heartbeatFile: str('heartbeatFile', false),
    eventsFolder: str('eventsFolder', false) ?? str('eventsFolder_preview', false),
  };
}
