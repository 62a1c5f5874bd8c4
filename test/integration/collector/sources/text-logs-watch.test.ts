// Text logs, issue 13: the symlink policy (as root, in a directory owned by `nobody`: a link to a root-only
// 0600 file is refused and counted, a link to a file nobody can read is read; policy never refuses both),
// inotify-driven reads (a line arrives with the poll an hour away), copytruncate with the file regrowing
// past the old position while the reader is busy (the truncation is seen on the event, the unread rest read
// from the copy: every line exactly once), and bounded watches (one inotify watch for a directory of 1,000
// files; at most 256 directories per source, the rest still read by the poll).
import { describe, expect, test } from '@jest/globals';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { waitFor } from '../../../support/net.js';
import { lines, raw, seqs, useTextLogTail, type TailHarness, type TailSpec } from '../../../support/text-log-tail.js';

const NOBODY = 65534;
const tail = useTextLogTail('oa-tailw-');
const setup = (spec: TailSpec): TailHarness =>
  tail.setup({ id: 'text-logs/w', columns: ['TimeGenerated', 'RawData', 'FilePath'], ...spec });
const start = (h: TailHarness): Promise<void> => tail.start(h);

/** inotify watches this process holds (every inotify descriptor's `inotify wd:` lines). */
const inotifyWatches = (): number =>
  readdirSync('/proc/self/fdinfo').reduce((n, fd) => {
    try {
      return n + (readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8').match(/^inotify wd:/gm)?.length ?? 0);
    } catch {
      return n;
    }
  }, 0);

/** <dir>/watched owned by nobody; <dir>/private/secret 0600 root; <dir>/public/shared.log 0644 nobody. */
function plantLinks(dir: string): { watched: string } {
  const watched = path.join(dir, 'watched');
  for (const d of ['watched', 'private', 'public']) mkdirSync(path.join(dir, d), { mode: 0o755 });
  chownSync(watched, NOBODY, NOBODY);
  writeFileSync(path.join(dir, 'private', 'secret'), 'root:SECRET:1:2\n', { mode: 0o600 });
  writeFileSync(path.join(dir, 'public', 'shared.log'), 'shared line\n', { mode: 0o644 });
  chownSync(path.join(dir, 'public', 'shared.log'), NOBODY, NOBODY);
  return { watched };
}

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;

asRoot('text logs: symlinks in a directory another user owns', () => {
  test('owner-readable (default): a link to a root-only 0600 file is not read (counted, logged); a link to a file the owner can read is', async () => {
    const h = setup({ patterns: (d) => [`${d}/watched/*.log`] });
    const { watched } = plantLinks(h.dir);
    await start(h);
    symlinkSync(path.join(h.dir, 'private', 'secret'), path.join(watched, 'app.log'));
    symlinkSync(path.join(h.dir, 'public', 'shared.log'), path.join(watched, 'ok.log'));
    writeFileSync(path.join(watched, 'plain.log'), 'plain line\n');
    chownSync(path.join(watched, 'plain.log'), NOBODY, NOBODY);
    await waitFor(() => h.records.length >= 2 && h.src.symlinksRefused >= 1, 5000, 'the readable files');
    await new Promise((r) => setTimeout(r, 400)); // several more polls
    expect(raw(h.records).sort()).toEqual(['plain line', 'shared line']);
    expect(JSON.stringify(h.records)).not.toContain('SECRET');
    expect(h.src.symlinksRefused).toBe(1); // counted once, not once per poll
    expect(h.warnings.filter((w) => w.includes('app.log'))).toHaveLength(1);
    expect(h.warnings.find((w) => w.includes('app.log'))).toContain(path.join(h.dir, 'private', 'secret'));
    expect(h.records.find((r) => r.RawData === 'shared line')!.FilePath).toBe(path.join(watched, 'ok.log'));
  });

  test('a world-writable directory (anyone may plant): only a world-readable target is read', async () => {
    const h = setup({ patterns: (d) => [`${d}/drop/*.log`] });
    plantLinks(h.dir);
    const drop = path.join(h.dir, 'drop');
    mkdirSync(drop);
    chmodSync(drop, 0o1777);
    await start(h);
    writeFileSync(path.join(h.dir, 'private', 'group.log'), 'group line\n', { mode: 0o640 });
    symlinkSync(path.join(h.dir, 'private', 'group.log'), path.join(drop, 'a.log')); // root-owned link, root group
    symlinkSync(path.join(h.dir, 'public', 'shared.log'), path.join(drop, 'b.log'));
    await waitFor(() => h.records.length >= 1 && h.src.symlinksRefused >= 1, 5000, 'the world-readable file');
    await new Promise((r) => setTimeout(r, 300));
    expect(raw(h.records)).toEqual(['shared line']);
  });

  test('policy never: no symlink is followed (both refused), the plain file is read', async () => {
    const h = setup({ patterns: (d) => [`${d}/watched/*.log`], symlinks: 'never' });
    const { watched } = plantLinks(h.dir);
    await start(h);
    symlinkSync(path.join(h.dir, 'private', 'secret'), path.join(watched, 'app.log'));
    symlinkSync(path.join(h.dir, 'public', 'shared.log'), path.join(watched, 'ok.log'));
    writeFileSync(path.join(watched, 'plain.log'), 'plain line\n');
    await waitFor(() => h.records.length >= 1 && h.src.symlinksRefused >= 2, 5000, 'the plain file');
    await new Promise((r) => setTimeout(r, 300));
    expect(raw(h.records)).toEqual(['plain line']);
    expect(h.src.symlinksRefused).toBe(2);
  });
});

describe('text logs: inotify', () => {
  test('a line appended is read on the inotify event (the poll is an hour away)', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`], pollIntervalMs: 3_600_000 });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, 'via inotify\n');
    await waitFor(() => h.records.length >= 1, 5000, 'the line');
    expect(raw(h.records)).toEqual(['via inotify']);
  });

  test('copytruncate while the reader is busy and the file regrows past the old position: every line exactly once (the rest read from the copy)', async () => {
    const h = setup({ patterns: (d) => [`${d}/app.log`], pollIntervalMs: 3_600_000 });
    const f = path.join(h.dir, 'app.log');
    writeFileSync(f, '');
    await start(h);
    appendFileSync(f, lines(0, 100));
    await waitFor(() => h.records.length >= 100, 5000, 'first lines');
    let release!: () => void;
    h.gate = new Promise((r) => (release = r));
    const writesBefore = h.writes;
    appendFileSync(f, lines(100, 200));
    await waitFor(() => h.writes > writesBefore, 5000, 'lines 100.. read, their write held');
    appendFileSync(f, lines(200, 300)); // not read yet: the reader waits for the queue
    copyFileSync(f, path.join(h.dir, 'app.log.1')); // logrotate copytruncate: copy…
    truncateSync(f, 0); // …then truncate
    await new Promise((r) => setTimeout(r, 200));
    appendFileSync(f, lines(300, 2000)); // regrown far past the old position before the reader looks again
    release();
    h.gate = undefined;
    await waitFor(() => h.records.length >= 2000, 10_000, 'every line');
    await new Promise((r) => setTimeout(r, 300));
    expect(seqs(h.records)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(h.src.copiesRead).toBe(1);
    expect(h.src.shrinkResets).toBe(1);
  });

  test('bounded: a directory of 1,000 files is one watch; at most 256 directories are watched, the others still read', async () => {
    const h = setup({ patterns: (d) => [`${d}/many/*.log`, `${d}/tree/**/*.log`] });
    const many = path.join(h.dir, 'many');
    mkdirSync(many);
    for (let i = 0; i < 1000; i++) writeFileSync(path.join(many, `f${i}.log`), '');
    for (let i = 0; i < 260; i++) {
      mkdirSync(path.join(h.dir, 'tree', `d${i}`), { recursive: true });
      writeFileSync(path.join(h.dir, 'tree', `d${i}`, 'x.log'), '');
    }
    const before = inotifyWatches();
    await h.src.start();
    await waitFor(() => existsSync(h.checkpointFile), 30_000, 'first scan');
    await waitFor(() => h.src.watchedDirs > 0, 30_000, 'watches');
    expect(h.src.watchedDirs).toBe(256);
    expect(inotifyWatches() - before).toBe(256);
    appendFileSync(path.join(many, 'f999.log'), 'many 1\n');
    for (let i = 0; i < 260; i++) appendFileSync(path.join(h.dir, 'tree', `d${i}`, 'x.log'), `tree ${i}\n`);
    await waitFor(() => h.records.length >= 261, 30_000, 'a line from each directory');
    expect(raw(h.records).filter((r) => r.startsWith('tree')).length).toBe(260);
  }, 90_000);
});
