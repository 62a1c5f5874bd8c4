// Discovery (the model is Vector's paths_provider): the filePatterns globs (`*`, `?`, `**`) → the paths that
// match them, found by walking each pattern's base directory up to 8 levels deep. Symlinked directories are
// not entered; a symlink to a file is listed like a file (the opener decides, file-opener.ts). Paths only:
// which file a path is, and whether it may be read, is decided on the opened descriptor.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';

const MAX_DEPTH = 8;

export class GlobPathsProvider {
  private readonly matchers: { base: string; match: (p: string) => boolean }[];

  constructor(patterns: readonly string[]) {
    this.matchers = patterns.map((p) => {
      const scan = picomatch.scan(p);
      // A pattern without glob characters is a plain file path: walk its directory.
      return { base: scan.isGlob ? scan.base || '/' : path.dirname(p), match: picomatch(p, { dot: true }) };
    });
  }

  /** Every path matched by a pattern now (no duplicates), with the base directory of the first pattern matching it. */
  async paths(): Promise<{ path: string; base: string }[]> {
    const out = new Map<string, string>();
    for (const m of this.matchers)
      await walk(m.base, MAX_DEPTH, (p) => !out.has(p) && m.match(p) && out.set(p, m.base));
    return [...out].map(([p, base]) => ({ path: p, base }));
  }

  /** Whether a pattern matches `p` (an event on a name in a watched directory). */
  matches(p: string): boolean {
    return this.matchers.some((m) => m.match(p));
  }

  /** The directories the walks start from (watched for new files, dir-watcher.ts). */
  baseDirs(): string[] {
    return [...new Set(this.matchers.map((m) => m.base))];
  }
}

async function walk(dir: string, depth: number, visit: (p: string) => unknown): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (depth > 0) await walk(p, depth - 1, visit);
    } else visit(p);
  }
}
