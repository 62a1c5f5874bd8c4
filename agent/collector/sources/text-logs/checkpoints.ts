// Text-log checkpoints (the model is Vector's checkpointer): per file key (`dev:ino`) the path, the offset after
// the last record handed to the sink, and the fingerprint. Saved only after sink.write resolved and sink.sync
// fsynced the queues written to: no loss across kill -9 or power loss; a kill between the queue append and
// the save re-reads that one batch (≤ one read chunk) — the only duplicates a text-log source causes.
// Versioned: every stored shape is read (and migrated to the current one) by readCheckpoints().

export interface FileCheckpoint {
  path: string;
  offset: number;
  fingerprint: string;
}

/** Version 1: the bare map, saved only once a record had been read (so "empty" and "never ran" looked alike). */
export type CheckpointsV1 = Record<string, FileCheckpoint>;
/** Version 2 (current): also says "this source ran before", so a restart never tails a file from its end. */
export interface CheckpointsV2 {
  v: 2;
  files: Record<string, FileCheckpoint>;
}
export type StoredCheckpoints = CheckpointsV1 | CheckpointsV2;
export const CHECKPOINT_VERSION = 2;

export interface LoadedCheckpoints {
  files: Map<string, FileCheckpoint>;
  /** False: the source never ran here — files present at its first scan are tailed from their end. */
  ranBefore: boolean;
  /** Entries that were not a file checkpoint (skipped), and why the whole document was not read, if so. */
  skipped: number;
  problem?: string;
}

/** The document the current version saves. */
export function toStored(files: Iterable<readonly [string, FileCheckpoint]>): CheckpointsV2 {
  const out: Record<string, FileCheckpoint> = {};
  for (const [key, cp] of files) out[key] = { path: cp.path, offset: cp.offset, fingerprint: cp.fingerprint };
  return { v: CHECKPOINT_VERSION, files: out };
}

/**
 * Any stored version (or nothing) → the current form. A document of an unknown (newer) version or shape is
 * not guessed at: it reports a problem and counts as "ran before", so files are read from their start
 * (duplicates rather than loss).
 */
export function readCheckpoints(stored: unknown): LoadedCheckpoints {
  const files = new Map<string, FileCheckpoint>();
  if (stored === undefined || stored === null) return { files, ranBefore: false, skipped: 0 };
  if (typeof stored !== 'object' || Array.isArray(stored))
    return { files, ranBefore: true, skipped: 0, problem: 'not an object' };
  const doc = stored as Record<string, unknown>;
  let map: Record<string, unknown>;
  let version: number;
  if ('v' in doc) {
    if (doc.v !== 2 || typeof doc.files !== 'object' || doc.files === null || Array.isArray(doc.files))
      return { files, ranBefore: true, skipped: 0, problem: `unknown checkpoint version ${JSON.stringify(doc.v)}` };
    map = doc.files as Record<string, unknown>;
    version = 2;
  } else {
    map = doc;
    version = 1;
  }
  let skipped = 0;
  for (const [key, cp] of Object.entries(map)) {
    if (isFileCheckpoint(cp)) files.set(key, { path: cp.path, offset: cp.offset, fingerprint: cp.fingerprint });
    else skipped++;
  }
  // A v1 document exists only once a record was read, except for an empty map, which was no evidence of a run.
  const ranBefore = version === 2 || Object.keys(map).length > 0;
  return { files, ranBefore, skipped };
}

function isFileCheckpoint(v: unknown): v is FileCheckpoint {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return (
    typeof c.path === 'string' &&
    typeof c.offset === 'number' &&
    Number.isSafeInteger(c.offset) &&
    c.offset >= 0 &&
    typeof c.fingerprint === 'string'
  );
}
