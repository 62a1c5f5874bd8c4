// The settings sequence number (PROTOCOL.md §3.2): ConfigSequenceNumber when it is a non-negative
// integer; otherwise the *.settings file with the newest mtime (ties: highest number) — never "the
// highest number", sequence numbers do not always increase. mrseq (§2.4) records the last applied seq.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../agent/config/index.js';
import { HandlerError } from '../errors.js';

export interface ResolvedSequence {
  seq: number;
  /** Set when ConfigSequenceNumber was present but unusable and the fallback picked seq. */
  warning?: string;
}

export async function resolveSequenceNumber(env: NodeJS.ProcessEnv, configFolder: string): Promise<ResolvedSequence> {
  const raw = env.ConfigSequenceNumber;
  if (raw !== undefined && /^\d+$/.test(raw.trim())) return { seq: Number(raw.trim()) };
  const fallback = await newestSettingsFile(configFolder);
  if (fallback === undefined) {
    throw new HandlerError(
      'SEQUENCE_NUMBER_INVALID',
      raw === undefined
        ? `ConfigSequenceNumber is not set and ${configFolder} has no <n>.settings file to fall back on`
        : `ConfigSequenceNumber "${raw.slice(0, 20)}" is not a non-negative integer and ${configFolder} has no <n>.settings file to fall back on`,
    );
  }
  return {
    seq: fallback,
    warning: raw === undefined ? undefined : `ConfigSequenceNumber "${raw.slice(0, 20)}" is not a non-negative integer; using ${fallback} (the most recently written settings file)`,
  };
}

async function newestSettingsFile(configFolder: string): Promise<number | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(configFolder);
  } catch {
    return undefined;
  }
  let best: { seq: number; mtime: number } | undefined;
  for (const name of names) {
    const m = /^(\d+)\.settings$/.exec(name);
    if (!m) continue;
    const st = await fs.stat(path.join(configFolder, name)).catch(() => undefined);
    if (!st) continue;
    const cand = { seq: Number(m[1]), mtime: st.mtimeMs };
    if (!best || cand.mtime > best.mtime || (cand.mtime === best.mtime && cand.seq > best.seq)) best = cand;
  }
  return best?.seq;
}

export async function readMrseq(extDir: string): Promise<number | undefined> {
  try {
    const text = (await fs.readFile(path.join(extDir, 'mrseq'), 'utf8')).trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

export async function writeMrseq(extDir: string, seq: number): Promise<void> {
  await writeFileAtomic(path.join(extDir, 'mrseq'), String(seq), { mode: 0o600 });
}
