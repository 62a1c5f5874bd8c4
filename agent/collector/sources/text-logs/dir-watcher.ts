// inotify-driven tailing (the model is Vector's file_watcher, with events instead of its polling): one
// fs.watch per directory — the patterns' base directories and the directories of the files being read, never
// one per file — so a directory of 10,000 logs costs one inotify watch. At most maxDirs directories are
// watched per source; the others are served by the poll, which stays the safety net for everything (missed
// or overflowed events, directories that appear later under `**`).
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';

/** `file`: the path of the entry the event is about; undefined when inotify did not say (or on overflow). */
export type WatchEvent = (dir: string, kind: 'change' | 'rename', file: string | undefined) => void;

export const MAX_WATCHED_DIRS = 256;

export class DirWatcher {
  private readonly watchers = new Map<string, FSWatcher>();
  /** Directories that wanted a watch beyond the cap at the last sync (polled only). */
  overCap = 0;

  constructor(
    private readonly onEvent: WatchEvent,
    private readonly maxDirs = MAX_WATCHED_DIRS,
  ) {}

  /** Watches exactly `dirs` (up to the cap, in the order given); closes watches on directories no longer wanted. */
  sync(dirs: Iterable<string>): void {
    const wanted = new Set<string>();
    let over = 0;
    for (const d of dirs) {
      if (wanted.has(d)) continue;
      if (wanted.size >= this.maxDirs) over++;
      else wanted.add(d);
    }
    this.overCap = over;
    for (const [d, w] of this.watchers)
      if (!wanted.has(d)) {
        w.close();
        this.watchers.delete(d);
      }
    for (const d of wanted) if (!this.watchers.has(d)) this.add(d);
  }

  get watched(): number {
    return this.watchers.size;
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private add(dir: string): void {
    let w: FSWatcher;
    try {
      // persistent: false — a watch never keeps the process alive.
      w = watch(dir, { persistent: false }, (kind, name) =>
        this.onEvent(dir, kind === 'change' ? 'change' : 'rename', name ? path.join(dir, name) : undefined),
      );
    } catch {
      return; // missing or unreadable: the poll covers it, the next sync tries again
    }
    w.on('error', () => {
      // The directory went away (IN_DELETE_SELF) or the watch broke: drop it; the next sync re-adds it if wanted.
      w.close();
      if (this.watchers.get(dir) === w) this.watchers.delete(dir);
      this.onEvent(dir, 'rename', undefined);
    });
    this.watchers.set(dir, w);
  }
}
