// enabled-state.json: what the handler's last successful enable applied ({ seq, version, configHash },
// 0600). The handler reads it to make a repeated enable a no-op; the supervisor reads it to know that
// the handler has handed over the status file for this configuration. One shape, read in one place.
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from './atomic-file.js';

export interface EnabledState {
  /** The settings sequence number the enable applied. */
  seq: number;
  /** The open-ama version that applied it. */
  version: string;
  /** sha256 of the effective AgentConfig without its writtenAt time. */
  configHash: string;
}

/** The recorded state, or undefined when the file is absent, unreadable or not of this shape. */
export async function readEnabledState(file: string): Promise<EnabledState | undefined> {
  let doc: unknown;
  try {
    doc = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { seq, version, configHash } = doc as Record<string, unknown>;
  if (!Number.isSafeInteger(seq) || (seq as number) < 0) return undefined;
  if (typeof version !== 'string' || typeof configHash !== 'string') return undefined;
  return { seq: seq as number, version, configHash };
}

export async function writeEnabledState(file: string, state: EnabledState): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(state) + '\n', { mode: 0o600 });
}
