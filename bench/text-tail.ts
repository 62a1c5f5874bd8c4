// Text-log tail throughput: the real TextLogSource (in this process) following a file that a writer
// appends seeded corpus lines to (bench/corpus.ts textLine, ~150 B), each record serialised to JSON in
// the sink as the lane would. MiB/s of file bytes from the first append until the last record arrived
// (the writer's time included).
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { TextLogSource } from '../agent/collector/sources/text-logs/text-log-source.js';
import { createNullLogger } from '../agent/telemetry/index.js';
import { waitFine } from './collector-load.js';
import { textLine, type LineSize } from './corpus.js';

export async function measureTextTail(
  dir: string,
  lines: number,
  size: LineSize = 'small',
): Promise<{ mibPerSec: number; mib: number; seconds: number }> {
  const d = mkdtempSync(path.join(dir, 'tail-'));
  const file = path.join(d, 'big.log');
  writeFileSync(file, '');
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
      checkpoints: { load: async () => undefined, save: async () => undefined },
      sink: { write: async (_s, r) => void ((n += r.length), r.forEach((x) => JSON.stringify(x))) },
    },
  );
  await src.start();
  await new Promise((r) => setTimeout(r, 200));
  const per = 10_000;
  const chunks: string[] = [];
  for (let c = 0; c < 4; c++)
    chunks.push(Array.from({ length: per }, (_, i) => textLine(size, c * per + i) + '\n').join(''));
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < lines / per; i++) {
    const chunk = chunks[i % chunks.length]!;
    appendFileSync(file, chunk);
    bytes += Buffer.byteLength(chunk);
  }
  await waitFine(
    () => n >= lines,
    120_000,
    () => `tail (${n}/${lines})`,
  );
  const seconds = (performance.now() - t0) / 1000;
  await src.stop();
  return { mibPerSec: bytes / 1048576 / seconds, mib: bytes / 1048576, seconds };
}
