// Text and JSON log tailing with real files: globs with **, files appearing later, rename rotation and
// copytruncate without loss or duplicates, multi-line records, JSON lines mapped to columns, partial
// lines flushed after the timeout, and checkpoints that survive a restart (no re-read, nothing missed).
import { afterEach, describe, expect, test } from '@jest/globals';

import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';

import * as os from 'node:os';
import * as path from 'node:path';
import { TextLogSource, type TextLogSpec } from '../../../../agent/collector/sources/text-logs/text-log-source.js';

import { FileCheckpointStore } from '../../../../agent/collector/buffer/index.js';

import { createNullLogger } from '../../../../agent/telemetry/index.js';

import type { LogRecord } from '../../../../agent/collector/pipeline/types.js';
import { waitFor } from '../../../support/net.js';

const dirs: string[] = [];
const sources: TextLogSource[] = [];
afterEach(async () => {
  while (sources.length) await sources.pop()!.stop();
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});

function setup(
  spec: Partial<TextLogSpec> & { patterns: (d: string) => string[] },
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-tail-')),
) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const records: LogRecord[] = [];
  const src = new TextLogSource(
    {
      id: 'text-logs/t',
      filePatterns: spec.patterns(dir),
      format: spec.format ?? 'text',
      recordStartTimestampFormat: spec.recordStartTimestampFormat,
      stream: 'Custom-T',
      columns: spec.columns ?? ['TimeGenerated', 'RawData', 'FilePath'],
      pollIntervalMs: 100,
      partialFlushMs: spec.partialFlushMs ?? 500,
    },
    {
      logger: createNullLogger(),
      computer: 'vm',
      drops: { drop: () => undefined },
      checkpoints: new FileCheckpointStore(path.join(dir, '.cp')),
      sink: { write: async (_s, r) => void records.push(...r) },
    },
  );
  sources.push(src);
  return { dir, records, src };
}
const raw = (rs: LogRecord[]) => rs.map((r) => String(r.RawData));

describe('text logs', () => {
  test('globs with ** and several patterns; files present at start are tailed from the end, new ones from the start', async () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'oa-tail-'));
    mkdirSync(path.join(d, 'a/b'), { recursive: true });
    writeFileSync(path.join(d, 'a/b/old.log'), 'before start\n');
    const { records, src } = setup({ patterns: (x) => [`${x}/a/**/*.log`, `${x}/*.txt`] }, d);
    await src.start();
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(path.join(d, 'a/b/old.log'), 'after start\n');
    writeFileSync(path.join(d, 'new.txt'), 'new file line\n');
    await waitFor(() => records.length >= 2, 5000, 'records');
    expect(raw(records).sort()).toEqual(['after start', 'new file line']);
    expect(records.find((r) => r.RawData === 'new file line')!.FilePath).toBe(path.join(d, 'new.txt'));
  });

  test('rename rotation and copytruncate: no loss, no duplicates', async () => {
    const { dir, records, src } = setup({ patterns: (x) => [`${x}/app.log`] });
    const f = path.join(dir, 'app.log');
    writeFileSync(f, '');
    await src.start();
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 50; i++) appendFileSync(f, `line ${i}\n`);
    renameSync(f, `${f}.1`); // logrotate create
    appendFileSync(`${f}.1`, 'line 50\n'); // a late write to the old inode
    writeFileSync(f, '');
    for (let i = 51; i < 100; i++) appendFileSync(f, `line ${i}\n`);
    await waitFor(() => records.length >= 100, 8000, '100 lines');
    truncateSync(f, 0); // copytruncate
    for (let i = 100; i < 120; i++) appendFileSync(f, `line ${i}\n`);
    await waitFor(() => records.length >= 120, 8000, '120 lines');
    await new Promise((r) => setTimeout(r, 500));
    const got = raw(records).map((s) => Number(s.split(' ')[1]));
    expect(got.length).toBe(120);
    expect(new Set(got).size).toBe(120);
  });

  test('multi-line records start at the timestamp format; partial last record flushed after the timeout', async () => {
    const { dir, records, src } = setup({
      patterns: (x) => [`${x}/m.log`],
      recordStartTimestampFormat: 'ISO 8601',
      partialFlushMs: 400,
    });
    writeFileSync(path.join(dir, 'm.log'), '');
    await src.start();
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(
      path.join(dir, 'm.log'),
      '2026-11-25T10:00:00Z ERROR boom\n  at a()\n  at b()\n2026-11-25T10:00:01Z INFO ok\n',
    );
    await waitFor(() => records.length >= 2, 5000, 'both records');
    expect(raw(records)).toEqual([
      '2026-11-25T10:00:00Z ERROR boom\n  at a()\n  at b()',
      '2026-11-25T10:00:01Z INFO ok',
    ]);
  });

  test('JSON lines map to the declared columns; a non-JSON line is counted, not fatal', async () => {
    const { dir, records, src } = setup({
      patterns: (x) => [`${x}/j.log`],
      format: 'json',
      columns: ['TimeGenerated', 'level', 'msg', 'Computer'],
    });
    writeFileSync(path.join(dir, 'j.log'), '');
    await src.start();
    await new Promise((r) => setTimeout(r, 300));
    appendFileSync(
      path.join(dir, 'j.log'),
      '{"level":"warn","msg":"disk","extra":1}\nnot json\n{"level":"info","msg":"ok"}\n',
    );
    await waitFor(() => records.length >= 2, 5000, 'json records');
    expect(records.map(({ TimeGenerated: _t, ...r }) => r)).toEqual([
      { level: 'warn', msg: 'disk', Computer: 'vm' },
      { level: 'info', msg: 'ok', Computer: 'vm' },
    ]);
  });

  test('checkpoints survive a restart: nothing re-read, nothing written meanwhile is missed', async () => {
    const first = setup({ patterns: (x) => [`${x}/c.log`] });
    const f = path.join(first.dir, 'c.log');
    writeFileSync(f, '');
    await first.src.start();
    await new Promise((r) => setTimeout(r, 300));
    for (let i = 0; i < 10; i++) appendFileSync(f, `r${i}\n`);
    await waitFor(() => first.records.length >= 10, 5000, 'first batch');
    await first.src.stop();
    for (let i = 10; i < 20; i++) appendFileSync(f, `r${i}\n`); // written while stopped
    const second = setup({ patterns: () => [f] }, first.dir);
    await second.src.start();
    await waitFor(() => second.records.length >= 10, 5000, 'second batch');
    await new Promise((r) => setTimeout(r, 300));
    expect(raw(second.records)).toEqual(Array.from({ length: 10 }, (_, i) => `r${i + 10}`));
  });
});
