// Reads config/<seq>.settings (docs/guest-agent-protocol.md §3.1): {"runtimeSettings":[{"handlerSettings":{…}}]}.
// A 0-byte file, JSON null, a null handlerSettings and missing keys all mean "no settings" (null); a
// missing file is reported with `missing: true` (disable, uninstall and update must not fail on it —
// enable decides). Errors name the file and the parse position, never the content (it may hold secrets).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HandlerError } from '../errors.js';
import { jsonErrorPosition } from '../../agent/config/index.js';

export interface SettingsFile {
  /** The customer's public settings as parsed JSON (normally an object), or null. */
  publicSettings: unknown;
  /** Base64 CMS EnvelopedData, or null. */
  protectedSettings: string | null;
  /** Upper-case SHA-1 thumbprint of the certificate protectedSettings was encrypted for, or null. */
  thumbprint: string | null;
  /** True when config/<seq>.settings does not exist (all other fields are then null). */
  missing: boolean;
}

export function settingsFilePath(configFolder: string, seq: number): string {
  return path.join(configFolder, `${seq}.settings`);
}

export async function readSettingsFile(configFolder: string, seq: number): Promise<SettingsFile> {
  const file = settingsFilePath(configFolder, seq);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { ...NO_SETTINGS, missing: true };
    throw new HandlerError('SETTINGS_UNREADABLE', `cannot read ${file}: ${code ?? 'I/O error'}`);
  }
  return parseSettingsText(text, path.basename(file));
}

const NO_SETTINGS: SettingsFile = { publicSettings: null, protectedSettings: null, thumbprint: null, missing: false };

/** Parses the content of a settings file; `name` is the file name used in error messages. */
export function parseSettingsText(text: string, name = 'settings file'): SettingsFile {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim().length === 0) return { ...NO_SETTINGS };
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    // V8's message can quote the input: compute the position ourselves and say nothing else.
    const at = jsonErrorPosition(body);
    const where = at ? ` (syntax error at line ${at.line}, column ${at.column}, character ${at.offset})` : '';
    throw new HandlerError(
      'SETTINGS_MALFORMED',
      `${name} is not valid JSON${where}; the guest agent wrote it from the extension's settings — check them and re-apply`,
    );
  }
  if (doc === null) return { ...NO_SETTINGS };
  if (!isObject(doc)) throw malformed(name, 'the document must be a JSON object');
  const rs = doc.runtimeSettings;
  if (!Array.isArray(rs) || rs.length !== 1)
    throw malformed(name, 'runtimeSettings must be an array with exactly one element');
  const element: unknown = rs[0];
  if (element === null) return { ...NO_SETTINGS };
  if (!isObject(element)) throw malformed(name, 'runtimeSettings[0] must be an object');
  const hs = element.handlerSettings;
  if (hs === null || hs === undefined) return { ...NO_SETTINGS };
  if (!isObject(hs)) throw malformed(name, 'runtimeSettings[0].handlerSettings must be an object');

  const prot = hs.protectedSettings;
  const thumb = hs.protectedSettingsCertThumbprint;
  if (prot !== null && prot !== undefined && typeof prot !== 'string')
    throw malformed(name, 'protectedSettings must be a base64 string or null');
  if (thumb !== null && thumb !== undefined && typeof thumb !== 'string')
    throw malformed(name, 'protectedSettingsCertThumbprint must be a string or null');
  return {
    publicSettings: hs.publicSettings ?? null,
    protectedSettings: typeof prot === 'string' && prot.trim().length > 0 ? prot.trim() : null,
    thumbprint: typeof thumb === 'string' && thumb.trim().length > 0 ? thumb.trim().toUpperCase() : null,
    missing: false,
  };
}

function malformed(name: string, what: string): HandlerError {
  return new HandlerError('SETTINGS_MALFORMED', `${name}: ${what}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
