// Text-log tailing edge cases with real files: a file deleted while tailed (rest read, handle closed, no
// fd left in /proc/self/fd), a file shrunk below the read position (re-read from 0, counted), a file
// replaced in place or under the same name (read from the start), a crash between the queue append and the
// checkpoint (exactly that batch read again), rapid rotation faster than the poll, rotation while the source
// was stopped (rest found by inode), UTF-8 BOM and invalid bytes, a last line without newline (waited for,
// flushed after the timeout), over-long lines and multi-line records cut at 64 KiB, JSON objects mapped to
// columns (anything else counted), and W3C logs (BOM, header changes, restart mid-file).
import { describe, expect, test } from '@jest/globals';
import {
  appendFileSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import type { LogRecord } from '../../../../agent/collector/pipeline/types.js';
import { waitFor } from '../../../support/net.js';
import { lines, raw, seqs, useTextLogTail, type TailHarness } from '../../../support/text-log-tail.js';

const { setup, start } = useTextLogTail('oa-tailx-');
type Harness = TailHarness;

/** Descriptors of this process open on `file` (deleted or not). */
const openFds = (file: string): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, '') === file;
    } catch {
      return false;
    }
  }).length;
/** Lets the source run one more full poll: a line in a second file matched by the pattern is read. */
async function oneMoreCycle(h: Harness, marker: string): Promise<void> {
  appendFileSync(marker, `${path.basename(marker)}\n`);
  await waitFor(() => raw(h.records).includes(path.basename(marker)), 5000, `marker ${marker}`);
}

describe('text logs: files that go away, shrink or are replaced', () => {
  test('a file deleted while tailed: the rest is read through the open handle, then the handle is closed', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`] });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    let release!: () => void;
    h.gate = new Promise((r) => (release = r));
    appendFileSync(f, lines(0, 10));
    await waitFor(() => h.writes >= 1, 5000, 'first write (held)'); // the file is open, lines 0..9 in flight
    appendFileSync(f, lines(10, 5000));
    unlinkSync(f);
    release();
    h.gate = undefined;
    await waitFor(() => h.records.length >= 5000, 10_000, 'every line of the deleted file');
    expect(seqs(h.records)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    await waitFor(() => openFds(f) === 0, 10_000, 'the deleted file closed');
    // Forgotten, not leaked: the checkpoint is saved after the handle is closed, so it may trail a moment.
    const checkpointed = (): string[] =>
      Object.values(
        (JSON.parse(readFileSync(h.checkpointFile, 'utf8')) as { files: Record<string, { path: string }> }).files,
      ).map((c) => c.path);
    await waitFor(() => !checkpointed().includes(f), 10_000, 'the deleted file gone from the checkpoint');
    expect(checkpointed()).not.toContain(f);
  });

  test('a file shrunk below the read position (not to zero) is read again from the start, and counted', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`, `${d}/marker`] });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, lines(0, 100)); // 890 bytes
    await waitFor(() => h.records.length >= 100, 5000, '100 lines');
    const keep = Buffer.byteLength(lines(0, 40)); // > the 256-byte fingerprint: same first bytes, smaller file
    truncateSync(f, keep);
    await oneMoreCycle(h, path.join(h.dir, 'marker'));
    appendFileSync(f, lines(100, 110));
    await waitFor(() => h.records.length >= 100 + 1 + 40 + 10, 5000, 're-read and new lines');
    const after = h.records.slice(100).filter((r) => r.RawData !== 'marker');
    expect(seqs(after)).toEqual([
      ...Array.from({ length: 40 }, (_, i) => i),
      ...Array.from({ length: 10 }, (_, i) => 100 + i),
    ]);
    expect(h.src.shrinkResets).toBe(1);
  });

  test('same inode, different file (rewritten in place, longer than before): read from the start', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`] });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, lines(0, 20, 'old'));
    await waitFor(() => h.records.length >= 20, 5000, 'old lines');
    writeFileSync(f, lines(0, 200, 'new')); // O_TRUNC + write: same inode, other first bytes, bigger than the old offset
    await waitFor(() => h.records.length >= 220, 5000, 'new file from its start');
    await new Promise((r) => setTimeout(r, 300));
    expect(raw(h.records.slice(20))).toEqual(lines(0, 200, 'new').trimEnd().split('\n'));
    expect(h.src.replacedFiles + h.src.shrinkResets).toBeGreaterThanOrEqual(1);
  });

  test('a file replaced under the same name (new inode) is read from the start; the old one is closed', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`] });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, lines(0, 20));
    await waitFor(() => h.records.length >= 20, 5000, 'first file');
    writeFileSync(`${f}.tmp`, lines(20, 40));
    renameSync(`${f}.tmp`, f); // atomic replace: the old inode is unlinked
    await waitFor(() => h.records.length >= 40, 5000, 'replacement');
    await new Promise((r) => setTimeout(r, 300));
    expect(seqs(h.records)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await waitFor(() => openFds(f) <= 1, 5000, 'the replaced inode closed');
  });
});

describe('text logs: the kill -9 window', () => {
  test('a crash after the queue append but before the checkpoint: the restart re-reads exactly that one batch, nothing else', async () => {
    let crashed = false;
    let armed = false;
    const queued: LogRecord[][] = [];
    const dying = setup(
      { patterns: (d) => [`${d}/app.log`], columns: ['RawData'] },
      {
        // The process "dies" at the first checkpoint save once armed: that save never reaches the disk.
        checkpoints: (store) => ({
          load: (k) => store.load(k),
          save: async (k, v) => {
            if (armed) crashed = true;
            if (crashed) throw new Error('killed');
            await store.save(k, v);
          },
        }),
        sink: {
          write: async (_s, r) => {
            if (crashed) throw new Error('killed');
            queued.push(r); // durably queued
          },
        },
      },
    );
    const dir = dying.dir;
    const f = path.join(dir, 'app.log');
    writeFileSync(f, '');
    await start(dying);
    appendFileSync(f, lines(0, 100));
    await waitFor(() => queued.flat().length >= 100, 5000, 'first batch');
    armed = true;
    appendFileSync(f, lines(100, 3000));
    await waitFor(() => crashed, 5000, 'the crash');
    await dying.src.stop();
    const lastBatch = seqs(queued[queued.length - 1]!);
    appendFileSync(f, lines(3000, 3100)); // written while "dead"
    const h = setup({ patterns: () => [f] }, { dir: dir });
    await start(h);
    await waitFor(() => h.records.length >= 3100 - 100, 5000, 'after restart');
    await new Promise((r) => setTimeout(r, 300));
    const before = queued.flat();
    const all = [...seqs(before), ...seqs(h.records)];
    expect(new Set(all).size).toBe(3100); // nothing lost
    const earlier = new Set(seqs(before));
    const twice = seqs(h.records).filter((n) => earlier.has(n));
    expect(twice).toEqual(lastBatch); // the duplicates are exactly the batch whose checkpoint was lost
    expect(Buffer.byteLength(lines(lastBatch[0]!, lastBatch[lastBatch.length - 1]! + 1))).toBeLessThanOrEqual(
      256 * 1024,
    ); // ≤ one read
  });
});

describe('text logs: rotation', () => {
  test('rapid rotation (many renames between two polls) with the rotated names matched: every line exactly once', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log*`] });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    await waitFor(() => openFds(f) === 1, 5000, 'app.log open');
    let n = 0;
    const ROTATIONS = 30;
    for (let r = 0; r < ROTATIONS; r++) {
      appendFileSync(f, lines(n, n + 100));
      n += 100;
      for (let k = r; k >= 1; k--) renameSync(`${f}.${k}`, `${f}.${k + 1}`); // logrotate's numbered shift
      renameSync(f, `${f}.1`);
      writeFileSync(f, '');
    }
    await waitFor(() => h.records.length >= n, 20_000, `${n} lines`);
    await new Promise((r) => setTimeout(r, 500));
    const got = seqs(h.records).sort((a, b) => a - b);
    expect(got).toEqual(Array.from({ length: n }, (_, i) => i));
  });

  test('rotated while the source was stopped: the rest of the old file is found by inode, then the new file', async () => {
    const first = setup({ patterns: (d) => [`${d}/app.log`] });
    const f = path.join(first.dir, 'app.log');
    writeFileSync(f, '');
    await start(first);
    appendFileSync(f, lines(0, 10));
    await waitFor(() => first.records.length >= 10, 5000, 'first lines');
    await first.src.stop();
    appendFileSync(f, lines(10, 15)); // written while stopped, then rotated away
    renameSync(f, `${f}.1`);
    writeFileSync(f, lines(15, 20));
    const second = setup({ patterns: () => [f] }, { dir: first.dir });
    await start(second);
    await waitFor(() => second.records.length >= 10, 5000, 'lines written while stopped');
    await new Promise((r) => setTimeout(r, 300));
    expect(seqs(second.records).sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => 10 + i));
  });

  test('a file appearing between the first start and a restart is read from its start', async () => {
    const first = setup({ patterns: (d) => [`${d}/*.log`] });
    await start(first);
    await first.src.stop();
    writeFileSync(path.join(first.dir, 'late.log'), lines(0, 5));
    const second = setup({ patterns: (d) => [`${d}/*.log`] }, { dir: first.dir });
    await start(second);
    await waitFor(() => second.records.length >= 5, 5000, 'the late file');
    expect(seqs(second.records)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('text logs: checkpoint versions', () => {
  test('a version 1 checkpoint (the bare map an older agent saved) is read: the restart resumes at its offsets, then saves version 2', async () => {
    const first = setup({ patterns: (d) => [`${d}/app.log`] });
    const f = path.join(first.dir, 'app.log');
    writeFileSync(f, '');
    await start(first);
    appendFileSync(f, lines(0, 10));
    await waitFor(() => first.records.length >= 10, 5000, 'first lines');
    await first.src.stop();
    const cpFile = first.checkpointFile;
    const v2 = JSON.parse(readFileSync(cpFile, 'utf8')) as { v: number; files: Record<string, unknown> };
    expect(v2.v).toBe(2);
    writeFileSync(cpFile, JSON.stringify(v2.files)); // what version 1 saved
    appendFileSync(f, lines(10, 15));
    const second = setup({ patterns: () => [f] }, { dir: first.dir });
    await second.src.start();
    await waitFor(() => second.records.length >= 5, 5000, 'lines written while stopped');
    await new Promise((r) => setTimeout(r, 300));
    expect(seqs(second.records)).toEqual([10, 11, 12, 13, 14]); // not from the end, not from the start
    await waitFor(
      () => (JSON.parse(readFileSync(cpFile, 'utf8')) as { v?: number }).v === 2,
      5000,
      'the checkpoint saved as version 2',
    );
  });
});

describe('text logs: encodings and partial lines', () => {
  test('a UTF-8 BOM is stripped (text and JSON)', async () => {
    const h = setup({ patterns: (d) => [`${d}/a.log`] });
    const j = setup({ patterns: (d) => [`${d}/j.log`], format: 'json', columns: ['TimeGenerated', 'msg'] });
    await start(h);
    await start(j);
    writeFileSync(path.join(h.dir, 'a.log'), '\uFEFFfirst\nsecond\n');
    writeFileSync(path.join(j.dir, 'j.log'), '\uFEFF{"msg":"hello"}\n');
    await waitFor(() => h.records.length >= 2 && j.records.length >= 1, 5000, 'records');
    expect(raw(h.records)).toEqual(['first', 'second']);
    expect(j.records[0]!.msg).toBe('hello');
    expect(j.drops.parse_error).toBeUndefined();
  });

  test('invalid UTF-8 bytes become U+FFFD, the record is kept and counted; a real U+FFFD is not counted', async () => {
    const h = setup({ patterns: (d) => [`${d}/a.log`] });
    await start(h);
    writeFileSync(
      path.join(h.dir, 'a.log'),
      Buffer.concat([
        Buffer.from('ok \uFFFD in file\nbad '),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(' and '),
        Buffer.from([0xc3]),
        Buffer.from('\nlatin1 caf'),
        Buffer.from([0xe9]),
        Buffer.from('\n'),
      ]),
    );
    await waitFor(() => h.records.length >= 3, 5000, 'records');
    expect(raw(h.records)).toEqual(['ok \uFFFD in file', 'bad \uFFFD\uFFFD and \uFFFD', 'latin1 caf\uFFFD']);
    expect(h.drops.invalid_encoding).toBe(2); // records with replaced bytes
    expect(h.src.invalidUtf8).toBe(4); // sequences replaced
  });

  test('a last line without newline is waited for while the writer completes it', async () => {
    const h = setup({ patterns: (d) => [`${d}/a.log`, `${d}/marker`], partialFlushMs: 60_000 });
    const f = path.join(h.dir, 'a.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, 'half a li');
    await oneMoreCycle(h, path.join(h.dir, 'marker'));
    expect(raw(h.records)).toEqual(['marker']);
    appendFileSync(f, 'ne, now complete\n');
    await waitFor(() => h.records.length >= 2, 5000, 'the completed line');
    expect(raw(h.records)).toEqual(['marker', 'half a line, now complete']);
  });

  test('a last line without newline is sent after the flush timeout, once', async () => {
    const h = setup({ patterns: (d) => [`${d}/a.log`], partialFlushMs: 300 });
    const f = path.join(h.dir, 'a.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, 'full line\nno newline ever');
    await waitFor(() => h.records.length >= 2, 5000, 'flushed partial line');
    appendFileSync(f, '\nnext\n');
    await waitFor(() => h.records.length >= 3, 5000, 'next line');
    await new Promise((r) => setTimeout(r, 500));
    expect(raw(h.records)).toEqual(['full line', 'no newline ever', 'next']);
  });

  test('a multi-line record without end is cut at 64 KiB (continuation lines past it are not kept); the next record starts clean', async () => {
    const h = setup({
      patterns: (d) => [`${d}/m.log`],
      recordStartTimestampFormat: 'ISO 8601',
      partialFlushMs: 60_000,
    });
    const f = path.join(h.dir, 'm.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(
      f,
      `2026-11-25T10:00:00Z start\n${'  continuation line of a huge stack trace\n'.repeat(20_000)}2026-11-25T10:00:01Z next\n2026-11-25T10:00:02Z third\n`,
    );
    await waitFor(() => h.records.length >= 2, 5000, 'two records');
    expect(Buffer.byteLength(raw(h.records)[0]!)).toBeLessThanOrEqual(64 * 1024);
    expect(raw(h.records)[0]!.startsWith('2026-11-25T10:00:00Z start\n  continuation')).toBe(true);
    expect(raw(h.records)[1]).toBe('2026-11-25T10:00:01Z next');
  });

  test('a line longer than 64 KiB is cut to 64 KiB; the lines around it keep their positions', async () => {
    const h = setup({ patterns: (d) => [`${d}/a.log`] });
    const f = path.join(h.dir, 'a.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, `before\n${'é'.repeat(300_000)}\nafter\n`); // 600 KB line, over several reads
    await waitFor(() => h.records.length >= 3, 5000, 'three records');
    expect(raw(h.records)[0]).toBe('before');
    expect(Buffer.byteLength(raw(h.records)[1]!)).toBe(64 * 1024);
    expect(raw(h.records)[1]).toBe('é'.repeat(32 * 1024));
    expect(raw(h.records)[2]).toBe('after');
    await h.src.stop();
    const again = setup({ patterns: () => [f] }, { dir: h.dir }); // checkpoint is at the end: nothing re-read
    await start(again);
    appendFileSync(f, 'last\n');
    await waitFor(() => again.records.length >= 1, 5000, 'last');
    await new Promise((r) => setTimeout(r, 300));
    expect(raw(again.records)).toEqual(['last']);
  });
});

describe('text logs: JSON', () => {
  test('one object per line mapped to the declared columns (nested values kept); anything else counted as parse_error', async () => {
    const h = setup({
      patterns: (d) => [`${d}/j.log`],
      format: 'json',
      columns: ['TimeGenerated', 'level', 'ctx', 'n', 'FilePath'],
    });
    const f = path.join(h.dir, 'j.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(
      f,
      '{"level":"warn","ctx":{"user":"a","ids":[1,2]},"n":3,"extra":true,"TimeGenerated":"2026-11-25T10:00:00Z"}\nnot json\n[1,2]\n42\n{"level":"info"\n\n{"n":0}\n',
    );
    await waitFor(() => h.records.length >= 2 && (h.drops.parse_error ?? 0) >= 4, 5000, 'records and parse errors');
    expect(h.records[0]).toEqual({
      TimeGenerated: '2026-11-25T10:00:00Z',
      level: 'warn',
      ctx: { user: 'a', ids: [1, 2] },
      n: 3,
      FilePath: f,
    });
    expect(h.records[1]).toMatchObject({ n: 0, FilePath: f });
    expect(h.records).toHaveLength(2);
    expect(h.drops.parse_error).toBe(4); // "not json", an array, a number, a cut object; the empty line is no record
  });
});

describe('text logs: W3C extended (IIS) format', () => {
  const COLUMNS = ['TimeGenerated', 'csMethod', 'csUriStem', 'scStatus', 'cIp', 'csUserAgent', 'FilePath', 'Computer'];
  test('directives skipped, entries mapped by #Fields, a header change mid-file, a bad line counted, restart mid-file', async () => {
    const h = setup({ patterns: (d) => [`${d}/u_ex*.log`], format: 'w3c', columns: COLUMNS });
    const f = path.join(h.dir, 'u_ex261125.log');
    await start(h);
    writeFileSync(
      f,
      '\uFEFF#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2026-11-25 10:00:00\r\n' +
        '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status time-taken\r\n' +
        '2026-11-25 10:00:01 10.0.0.4 GET /index.html - 443 - 203.0.113.9 Mozilla/5.0 200 15\r\n' +
        'garbage line\r\n',
    );
    await waitFor(() => h.records.length >= 1 && h.drops.parse_error === 1, 5000, 'first entry and the bad line');
    expect(h.records[0]).toEqual({
      TimeGenerated: '2026-11-25T10:00:01.000Z',
      csMethod: 'GET',
      csUriStem: '/index.html',
      scStatus: '200',
      cIp: '203.0.113.9',
      csUserAgent: 'Mozilla/5.0',
      FilePath: f,
      Computer: 'vm',
    });
    appendFileSync(f, '#Fields: time cs-method sc-status\r\n10:05:00 POST 500\r\n');
    await waitFor(() => h.records.length >= 2, 5000, 'entry after the header change');
    expect(h.records[1]).toEqual({
      TimeGenerated: '2026-11-25T10:05:00.000Z',
      csMethod: 'POST',
      scStatus: '500',
      FilePath: f,
      Computer: 'vm',
    });
    await h.src.stop();
    appendFileSync(f, '10:06:00 PUT 204\r\n'); // while stopped: the restarted source must know the latest #Fields
    const again = setup({ patterns: (d) => [`${d}/u_ex*.log`], format: 'w3c', columns: COLUMNS }, { dir: h.dir });
    await start(again);
    await waitFor(() => again.records.length >= 1, 5000, 'entry after restart');
    expect(again.records[0]).toEqual({
      TimeGenerated: '2026-11-25T10:06:00.000Z',
      csMethod: 'PUT',
      scStatus: '204',
      FilePath: f,
      Computer: 'vm',
    });
    expect(again.drops.parse_error).toBeUndefined();
  });
});

describe('text logs: power-loss ordering', () => {
  test('the queue is fsynced (sink.sync) after the records are written and before the position moves past them', async () => {
    const events: string[] = [];
    let queued = 0;
    const src = setup(
      { patterns: (d) => [`${d}/app.log`], columns: ['RawData'] },
      {
        checkpoints: (store) => ({
          load: (k) => store.load(k),
          save: async (k, v) => {
            events.push('save');
            await store.save(k, v);
          },
        }),
        sink: {
          write: async (_s, r) => {
            events.push('write');
            queued += r.length;
          },
          sync: async () => void events.push('sync'),
        },
      },
    );
    const f = path.join(src.dir, 'app.log');
    writeFileSync(f, '');
    await start(src);
    appendFileSync(f, lines(0, 500));
    await waitFor(() => queued >= 500, 5000, 'records');
    appendFileSync(f, 'no newline yet');
    await waitFor(() => queued >= 501, 5000, 'partial line flushed');
    await waitFor(() => events[events.length - 1] === 'save', 5000, 'last position saved');
    // Every save that follows a write has a sync between them.
    let unsyncedWrite = false;
    for (const e of events) {
      if (e === 'write') unsyncedWrite = true;
      else if (e === 'sync') unsyncedWrite = false;
      else expect({ event: e, unsyncedWrite }).toEqual({ event: 'save', unsyncedWrite: false });
    }
    expect(events.filter((e) => e === 'sync').length).toBeGreaterThan(0);
  });
});
