// The settings sequence number (docs/guest-agent-protocol.md §3.2): ConfigSequenceNumber when it is a non-negative
// integer; otherwise the <n>.settings file with the newest mtime (ties: highest number) — never "the
// highest number", sequence numbers do not always increase. mrseq (§2.4) records the last applied seq
// as a plain decimal string without newline, written atomically.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../agent/config/index.js';
import { HandlerError } from '../errors.js';

export interface ResolvedSequence {
  seq: number;
  /** Set when ConfigSequenceNumber was present but unusable and the fallback picked seq (for a substatus and the log). */
  warning?: string;
}

const SETTINGS_NAME = /^(\d+)\.settings$/;

/** A non-negative safe integer written in decimal, or undefined. */
export function parseSequenceNumber(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

export async function resolveSequenceNumber(env: NodeJS.ProcessEnv, configFolder: string): Promise<ResolvedSequence> {
  const raw = env.ConfigSequenceNumber;
  const fromEnv = parseSequenceNumber(raw);
  if (fromEnv !== undefined) return { seq: fromEnv };

  // The raw value comes from the agent, not the customer, but keep it short and printable in messages.
  const shown = raw === undefined ? '' : JSON.stringify(raw.slice(0, 20).replace(/[^\x20-\x7e]/g, '?'));
  const fallback = await newestSettingsFile(configFolder);
  if (fallback === undefined) {
    throw new HandlerError(
      'SEQUENCE_NUMBER_INVALID',
      raw === undefined
        ? `ConfigSequenceNumber is not set and ${configFolder} has no <n>.settings file to fall back on`
        : `ConfigSequenceNumber ${shown} is not a non-negative integer and ${configFolder} has no <n>.settings file to fall back on`,
    );
  }
  if (raw === undefined) return { seq: fallback };
  return {
    seq: fallback,
    warning: `ConfigSequenceNumber ${shown} is not a non-negative integer; using ${fallback} (the most recently written settings file)`,
  };
}

/** The seq of the <n>.settings file with the newest mtime (nanosecond precision), ties → highest n. */
export async function newestSettingsFile(configFolder: string): Promise<number | undefined> {
  let names: string[];
  try {
    names = await fs.readdir(configFolder);
  } catch {
    return undefined;
  }
  let best: { seq: number; mtimeNs: bigint } | undefined;
  for (const name of names) {
    const seq = parseSequenceNumber(SETTINGS_NAME.exec(name)?.[1]);
    if (seq === undefined) continue;
    const st = await fs.stat(path.join(configFolder, name), { bigint: true }).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (!best || st.mtimeNs > best.mtimeNs || (st.mtimeNs === best.mtimeNs && seq > best.seq))
      best = { seq, mtimeNs: st.mtimeNs };
  }
  return best?.seq;
}

/** The last fully applied seq, or undefined when mrseq is absent or not a plain number. */
export async function readMrseq(extDir: string): Promise<number | undefined> {
  try {
    return parseSequenceNumber(await fs.readFile(path.join(extDir, 'mrseq'), 'utf8'));
  } catch {
    return undefined;
  }
}

export async function writeMrseq(extDir: string, seq: number): Promise<void> {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError(`mrseq must be a non-negative integer, got ${seq}`);
  await writeFileAtomic(path.join(extDir, 'mrseq'), String(seq), { mode: 0o600 });
}
