// Reads the standalone shim's --settings and --protected-settings files (docs/deploy.md "Standalone"): opened
// O_NOFOLLOW and checked on the open descriptor (a regular file, at most 1 MiB, owned by root — or by the
// invoking user when not root — and not writable by group/others). The protected file must also be
// unreadable by anyone else (mode 0600 or stricter). Contents must be a JSON object. Errors name the file
// and the rule, never the contents.
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';

export const MAX_SETTINGS_BYTES = 1024 * 1024;

export class SettingsInputError extends Error {}

export interface SettingsFileRules {
  /** Protected settings: group/other may not read either (0600 or stricter). */
  secret: boolean;
  /** The uid that must own the file (default: the effective uid, which is 0 for a real install). */
  ownerUid?: number;
}

export async function readSettingsFile(file: string, rules: SettingsFileRules): Promise<Record<string, unknown>> {
  const what = rules.secret ? 'protected settings file' : 'settings file';
  let handle;
  try {
    handle = await open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SettingsInputError(
      code === 'ELOOP'
        ? `${what} ${file} is a symbolic link; pass the real file`
        : `cannot open the ${what} ${file}: ${code ?? 'I/O error'}`,
    );
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new SettingsInputError(`${what} ${file} is not a regular file`);
    const owner = rules.ownerUid ?? process.geteuid?.() ?? 0;
    if (st.uid !== owner)
      throw new SettingsInputError(
        `${what} ${file} is owned by uid ${st.uid}, not ${owner === 0 ? 'root' : `uid ${owner}`}; chown it before installing`,
      );
    const forbidden = rules.secret ? 0o077 : 0o022;
    if ((st.mode & forbidden) !== 0)
      throw new SettingsInputError(
        rules.secret
          ? `${what} ${file} has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`
          : `${what} ${file} has mode ${(st.mode & 0o777).toString(8)}; it must not be writable by group or others`,
      );
    if (st.size > MAX_SETTINGS_BYTES)
      throw new SettingsInputError(`${what} ${file} is ${st.size} bytes; at most ${MAX_SETTINGS_BYTES} are accepted`);
    const buf = Buffer.alloc(MAX_SETTINGS_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_SETTINGS_BYTES)
      throw new SettingsInputError(`${what} ${file} grew beyond ${MAX_SETTINGS_BYTES} bytes while being read`);
    let doc: unknown;
    try {
      doc = JSON.parse(
        buf
          .subarray(0, bytesRead)
          .toString('utf8')
          .replace(/^\uFEFF/, ''),
      );
    } catch (err) {
      // JSON.parse's message can quote the input: only the position is kept for the protected file.
      const detail = rules.secret
        ? (/position \d+/.exec((err as Error).message)?.[0] ?? 'syntax error')
        : (err as Error).message;
      throw new SettingsInputError(`${what} ${file} is not valid JSON (${detail})`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
      throw new SettingsInputError(`${what} ${file} must hold a JSON object`);
    return doc as Record<string, unknown>;
  } finally {
    await handle.close();
  }
}
