// `npm run bench -- --only=max --heap-promo`: which code allocates the objects that outlive a scavenge
// (promoted to V8's old generation, the cause of full GCs; docs/performance.md "Where the collector's GC
// time went"). `--heap-alloc`: which code allocates at all (every sampled allocation, whatever collected
// it: what makes scavenges frequent). The collector is started alone with a preload that runs V8's
// sampling heap profiler — keeping the samples of objects a full GC collected and of live ones, and with
// --heap-alloc also those a scavenge collected — and writes the profile when the collector exits; this
// module writes that preload and sums the profile by allocating function.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Bytes between samples: small enough for a stable ranking over a few hundred thousand records. */
const SAMPLING_INTERVAL_BYTES = 1024;

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

export type HeapProfileKind = 'promoted' | 'allocated';

/** Writes the preload into `dir` (the bench's private temp dir); the node arguments that load it. */
export function heapProfilePreload(dir: string, profileFile: string, kind: HeapProfileKind = 'promoted'): string[] {
  const file = path.join(dir, `heap-${kind}-preload.mjs`);
  const source = `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const session = new Session();
session.connect();
session.post('HeapProfiler.enable');
session.post('HeapProfiler.startSampling', {
  samplingInterval: ${SAMPLING_INTERVAL_BYTES},
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: ${kind === 'allocated'},
});
process.on('exit', () => {
  session.post('HeapProfiler.stopSampling', (err, r) => {
    if (!err) writeFileSync(${JSON.stringify(profileFile)}, JSON.stringify(r.profile));
  });
});
`;
  writeFileSync(file, source, { mode: 0o600, flag: 'wx' });
  return [`--import=${file}`];
}

/** The `top` allocating functions of the profile, as bytes promoted (or still live) — or allocated — per record. */
export function summarizeHeapProfile(
  profileFile: string,
  records: number,
  kind: HeapProfileKind = 'promoted',
  top = 12,
): string[] {
  const head = (JSON.parse(readFileSync(profileFile, 'utf8')) as { head: ProfileNode }).head;
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (n: ProfileNode): void => {
    const f = n.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${path.basename(f.url) || '(native)'}:${f.lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    total += n.selfSize;
    n.children.forEach(walk);
  };
  walk(head);
  // A ranking, not an amount: the profiler slows the collector and moves its GC timing (the amounts come
  // from --trace-gc-nvp, docs/performance.md).
  const what = kind === 'allocated' ? 'allocated' : 'surviving a scavenge';
  const lines = [
    `${(total / records).toFixed(0)} B per record sampled as ${what} (a ranking), by allocating function:`,
  ];
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${(bytes / records).toFixed(0).padStart(6)} B  ${site}`);
  return lines;
}
