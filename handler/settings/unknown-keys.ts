// Settings forward compatibility: the guest agent hands the same settings to older and newer versions
// during rollouts and rollbacks, so keys this version does not know are dropped with a warning naming
// their JSON path (and the closest known key), never refused. The known keys per path come from the
// JSON schema (settings-schemas/generated/settings-keys.js); what remains is then validated strictly.
import { SETTINGS_KEYS } from '../../settings-schemas/generated/settings-keys.js';
import { closestKey, displayKey } from './validation-messages.js';

export const PUBLIC_KEYS = SETTINGS_KEYS.public.keys;
export const PROTECTED_KEYS = SETTINGS_KEYS.protected.keys;

export interface Stripped {
  /** The document with unknown keys removed (objects copied, never modified in place). */
  known: unknown;
  /** `<json path>` of each dropped key, with ` (did you mean "<key>"?)` when a known key is close. */
  ignored: string[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** `prefix` is written before every reported path (e.g. 'protectedSettings.'); '' for public settings. */
export function stripUnknownKeys(doc: unknown, known: Record<string, string[]>, prefix: string): Stripped {
  const ignored: string[] = [];
  const walk = (value: unknown, at: string): unknown => {
    const allowed = known[at];
    if (!allowed || !isPlainObject(value)) return value;
    const kept: [string, unknown][] = [];
    for (const [key, child] of Object.entries(value)) {
      if (allowed.includes(key)) {
        kept.push([key, walk(child, at ? `${at}.${key}` : key)]);
        continue;
      }
      const hint = closestKey(key, allowed);
      ignored.push(`${prefix}${at ? `${at}.` : ''}${displayKey(key)}${hint ? ` (did you mean "${hint}"?)` : ''}`);
    }
    return Object.fromEntries(kept);
  };
  return { known: walk(doc, ''), ignored };
}
