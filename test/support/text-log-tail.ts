// A TextLogSource tailing real files in a temp dir, for the text-log suites: records, drops and warnings
// collected; a gate that holds sink.write (a busy queue); checkpoints in <dir>/.cp unless a test wraps the
// store (a crash before the save, the order of sync and save). useTextLogTail() registers the cleanup
// (sources stopped, dirs removed after each test).
import { afterEach } from '@jest/globals';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FileCheckpointStore } from '../../agent/collector/buffer/index.js';
import type { CheckpointStore, LogRecord, RecordSink } from '../../agent/collector/pipeline/index.js';
import { TextLogSource, type TextLogSpec } from '../../agent/collector/sources/text-logs/index.js';
import { createNullLogger } from '../../agent/telemetry/index.js';
import { waitFor } from './net.js';

export interface TailHarness {
  dir: string;
  records: LogRecord[];
  drops: Record<string, number>;
  warnings: string[];
  src: TextLogSource;
  /** While set, sink.write waits for it (a busy queue). */
  gate?: Promise<void>;
  writes: number;
  /** The source's checkpoint file. */
  checkpointFile: string;
}

export type TailSpec = Partial<TextLogSpec> & { patterns: (dir: string) => string[] };

export interface TailOptions {
  /** An existing dir (a restart over the same files and checkpoints); default a fresh one. */
  dir?: string;
  /** Wraps the checkpoint store of <dir>/.cp. */
  checkpoints?: (store: FileCheckpointStore) => CheckpointStore;
  /** Replaces the collecting sink. */
  sink?: RecordSink;
}

export interface TextLogTail {
  setup(spec: TailSpec, o?: TailOptions): TailHarness;
  /** start(), then wait for the first scan to have fixed the start positions (its checkpoint is saved). */
  start(h: TailHarness, timeoutMs?: number): Promise<void>;
}

/** `prefix` names the temp dirs; dirs are 0755 so a link's target can be owned by another user. */
export function useTextLogTail(prefix: string): TextLogTail {
  const dirs: string[] = [];
  const sources: TextLogSource[] = [];
  afterEach(async () => {
    while (sources.length) await sources.pop()!.stop();
    while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
  });
  const setup = (spec: TailSpec, o: TailOptions = {}): TailHarness => {
    const dir = o.dir ?? mkdtempSync(path.join(os.tmpdir(), prefix));
    if (!o.dir) chmodSync(dir, 0o755);
    if (!dirs.includes(dir)) dirs.push(dir);
    const id = spec.id ?? 'text-logs/x';
    const h = {
      dir,
      records: [],
      drops: {},
      warnings: [],
      writes: 0,
      checkpointFile: path.join(dir, '.cp', `${id.replace(/\//g, '_')}.json`),
    } as unknown as TailHarness;
    const logger = createNullLogger();
    logger.warn = ((msg: string) => {
      h.warnings.push(msg);
      return logger;
    }) as typeof logger.warn;
    const store = new FileCheckpointStore(path.join(dir, '.cp'));
    h.src = new TextLogSource(
      {
        id,
        filePatterns: spec.patterns(dir),
        format: spec.format ?? 'text',
        recordStartTimestampFormat: spec.recordStartTimestampFormat,
        stream: 'Custom-T',
        columns: spec.columns ?? ['TimeGenerated', 'RawData'],
        pollIntervalMs: spec.pollIntervalMs ?? 100,
        partialFlushMs: spec.partialFlushMs ?? 300,
        symlinks: spec.symlinks,
        watch: spec.watch,
      },
      {
        logger,
        computer: 'vm',
        drops: { drop: (reason, n) => void (h.drops[reason] = (h.drops[reason] ?? 0) + n) },
        checkpoints: o.checkpoints ? o.checkpoints(store) : store,
        sink: o.sink ?? {
          write: async (_s, r) => {
            h.writes++;
            await h.gate;
            h.records.push(...r);
          },
        },
      },
    );
    sources.push(h.src);
    return h;
  };
  const start = async (h: TailHarness, timeoutMs = 5000): Promise<void> => {
    await h.src.start();
    await waitFor(() => existsSync(h.checkpointFile), timeoutMs, 'first scan');
  };
  return { setup, start };
}

export const raw = (rs: LogRecord[]): string[] => rs.map((r) => String(r.RawData));
export const lines = (from: number, to: number, prefix = 'line'): string =>
  Array.from({ length: to - from }, (_, i) => `${prefix} ${from + i}\n`).join('');
export const seqs = (rs: LogRecord[]): number[] => raw(rs).map((s) => Number(s.split(' ')[1]));
