// Reads config/<seq>.settings (PROTOCOL.md §3.1): {"runtimeSettings":[{"handlerSettings":{…}}]}.
// 0-byte file → no settings; missing keys or null → null; a missing file is reported (disable,
// uninstall and update must not fail on it). Errors name the file and position, never the content.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { HandlerError } from '../errors.js';

export interface SettingsFile {
  publicSettings: unknown;
  protectedSettings: string | null;
  thumbprint: string | null;
  /** True when config/<seq>.settings does not exist. */
  missing: boolean;
}

export async function readSettingsFile(configFolder: string, seq: number): Promise<SettingsFile> {
  const file = path.join(configFolder, `${seq}.settings`);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { publicSettings: null, protectedSettings: null, thumbprint: null, missing: true };
    throw new HandlerError('SETTINGS_UNREADABLE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
  }
  return parseSettingsText(text, file);
}

export function parseSettingsText(text: string, file = 'settings file'): SettingsFile {
  const none: SettingsFile = { publicSettings: null, protectedSettings: null, thumbprint: null, missing: false };
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed.length === 0) return none;
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (err) {
    const pos = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new HandlerError('SETTINGS_MALFORMED', `${path.basename(file)} is not valid JSON${pos ? ` (error at character ${pos})` : ''}`);
  }
  if (doc === null) return none;
  const rs = (doc as { runtimeSettings?: unknown }).runtimeSettings;
  if (!Array.isArray(rs) || rs.length !== 1) {
    throw new HandlerError('SETTINGS_MALFORMED', `${path.basename(file)}: runtimeSettings must be an array with exactly one element`);
  }
  const hs = (rs[0] as { handlerSettings?: unknown } | null)?.handlerSettings;
  if (hs === null || hs === undefined) return none;
  if (typeof hs !== 'object') throw new HandlerError('SETTINGS_MALFORMED', `${path.basename(file)}: handlerSettings must be an object`);
  const h = hs as Record<string, unknown>;
  const prot = h.protectedSettings;
  const thumb = h.protectedSettingsCertThumbprint;
  if (prot !== null && prot !== undefined && typeof prot !== 'string') throw new HandlerError('SETTINGS_MALFORMED', `${path.basename(file)}: protectedSettings must be a base64 string or null`);
  if (thumb !== null && thumb !== undefined && typeof thumb !== 'string') throw new HandlerError('SETTINGS_MALFORMED', `${path.basename(file)}: protectedSettingsCertThumbprint must be a string or null`);
  return {
    publicSettings: h.publicSettings ?? null,
    protectedSettings: typeof prot === 'string' && prot.trim().length > 0 ? prot.trim() : null,
    thumbprint: typeof thumb === 'string' && thumb.length > 0 ? thumb.toUpperCase() : null,
    missing: false,
  };
}
