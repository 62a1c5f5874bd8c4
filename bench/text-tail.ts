// Text-log tail throughput: the real TextLogSource (in this process) reading a file of seeded corpus lines
// (bench/corpus.ts textLine, ~150 B) into records, each serialised to JSON in the sink as the lane would.
// The file is written completely BEFORE the clock starts (the writer is outside the window); the source
// starts with checkpoints saying it ran before (so a new file is read from its start, as after the first
// run), and the clock runs from its start until the last record arrived: reading, line splitting, record
// building and JSON, without the writer or inotify batching (EVENT_READ_DELAY_MS) in the figure.
// bench/main.ts runs it on the agent's runtime (the packaged node re-running the bench bundle).
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextLogSource } from '../agent/collector/sources/text-logs/index.js';
import { createNullLogger } from '../agent/telemetry/index.js';
import { waitFine } from './collector-load.js';
import { textLine, type LineSize } from './corpus.js';

export interface TailResult {
  mibPerSec: number;
  mib: number;
  seconds: number;
}

export async function measureTextTail(dir: string, lines: number, size: LineSize = 'small'): Promise<TailResult> {
  const d = mkdtempSync(path.join(dir, 'tail-'));
  const file = path.join(d, 'big.log');
  writeFileSync(file, '');
  const per = 10_000;
  const chunks: string[] = [];
  for (let c = 0; c < 4; c++)
    chunks.push(Array.from({ length: per }, (_, i) => textLine(size, c * per + i) + '\n').join(''));
  let bytes = 0;
  for (let i = 0; i < lines / per; i++) {
    const chunk = chunks[i % chunks.length]!;
    appendFileSync(file, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  let n = 0;
  const src = new TextLogSource(
    {
      id: 'bench',
      filePatterns: [file],
      format: 'text',
      stream: 'S',
      columns: ['TimeGenerated', 'RawData'],
      pollIntervalMs: 50,
    },
    {
      logger: createNullLogger(),
      computer: 'b',
      drops: { drop: () => undefined },
      // A source that ran before reads files it has not seen from their start (not from their end).
      checkpoints: { load: async <T>() => ({ v: 2, files: {} }) as T, save: async () => undefined },
      sink: { write: async (_s, r) => void ((n += r.length), r.forEach((x) => JSON.stringify(x))) },
    },
  );
  const t0 = performance.now();
  await src.start();
  await waitFine(
    () => n >= lines,
    120_000,
    () => `tail (${n}/${lines})`,
  );
  const seconds = (performance.now() - t0) / 1000;
  await src.stop();
  return { mibPerSec: bytes / 1048576 / seconds, mib: bytes / 1048576, seconds };
}
