// V8 flags (and the collector's allocator setting) the supervisor and the collector run with: the handler's
// launcher and the systemd unit start the supervisor with supervisorNodeFlags(); the supervisor starts the
// collector with collectorNodeFlags() and collectorEnv(); the benchmark starts both the same way, so it
// measures what ships. Figures: docs/performance.md.
//
// Collector: a small young generation keeps RSS near the live set: the collector's per-record objects die
// young in batches of ≤ 500, and V8's default 16 MiB semi-space (×3 for the young generation) mostly adds
// RSS under load — 20–30 MB more peak RSS, for 0–12 % more records per CPU-second (two bench rounds; try
// OPEN_AMA_BENCH_NODE_ARGS=--max-semi-space-size=16). The semi-space starts at that size too
// (--min-semi-space-size): V8 otherwise starts it at 1 MiB and grows it only under pressure, and at 1 MiB a
// scavenge came every few hundred records, so a syslog batch of 500 in flight survived two of them and was
// promoted — max-rate run: 26–33 → 17–19 full GCs, ~+10 % records per CPU-second, same peak RSS (three
// alternating rounds, docs/performance.md). The old space is capped at the RSS watchdog's limit
// (resourceLimits.memoryMaxMB): V8 sizes its heap-growth steps from that cap, and its default (a share of
// the machine's RAM, GBs) let the heap grow to ~90 MB before a full GC — with the cap, 10k EPS peaks
// ~30 MB lower and the max-rate run ~55 MB lower for the same CPU. RSS is always above the heap, so the
// watchdog's graceful restart comes first; the V8 limit is only the backstop behind it. No allocation-site
// pretenuring (--no-allocation-site-pretenuring): with it, V8 allocates the objects of a site straight into
// the old generation once most of them were seen surviving a scavenge; our per-record objects are meant to
// die within a batch, and with pretenuring on, the 10k-EPS run promoted ~64 MB in 20 s (19 full GCs),
// without it ~17 MB (10–11), and ~13 % less CPU (three alternating rounds, docs/performance.md); no change
// at max rate. Nothing in the collector allocates long-lived objects in bulk for it to help. The old
// generation's first limit is 32 MiB (--initial-old-space-size=32): without it, under load V8 started a
// full GC by task every ~100 ms although the old generation stayed at 12–16 MB, well under its 24 MB limit
// (`--trace-incremental-marking`: "Start (task) … size 12MB … limit 24MB"). Max-rate run: 17–19 → 5–7 full
// GCs and ~+9 % records per CPU-second, same peak RSS; 10k EPS: 10–11 → 5 full GCs, ~5 % less CPU, ~+5 MB
// RSS (alternated rounds, docs/performance.md). 24 MiB changed nothing; 64 MiB cost ~27 MB more RSS.
//
// Supervisor: a mostly idle process (a control socket, a status file every few seconds, one child) whose
// hot path is nothing. No optimising compilers (--no-opt: TurboFan, --no-maglev; the Sparkplug baseline
// compiler stays) and a 1 MiB semi-space: ~4 MB less RSS on Node 24 for ~0.025 % of a core more at idle.
// --lite-mode saved 3 MB more but doubled the idle CPU (interpreter only: 0.20 % vs 0.075 % of a core);
// --jitless saved less; no old-space cap (an OOM would crash the process that keeps the collector running;
// its heap is ~6 MB). Figures: docs/performance.md.
export const COLLECTOR_SEMI_SPACE_MB = 4;

/** `memoryMaxMB`: the watchdog's RSS limit the collector is started under (resourceLimits.memoryMaxMB). */
export function collectorNodeFlags(memoryMaxMB: number): string[] {
  return [
    `--min-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`,
    `--max-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`,
    `--max-old-space-size=${Math.max(64, Math.floor(memoryMaxMB))}`,
    '--no-allocation-site-pretenuring',
    '--initial-old-space-size=32',
  ];
}

/**
 * Variables the collector gets on top of its allowed environment. MALLOC_ARENA_MAX=1: glibc otherwise gives
 * each thread that allocates (V8's GC helpers, libuv's pool doing the queue's file I/O) an arena of its own,
 * and memory freed in one stays resident there — peak collector RSS at max rate 117/112/118 → 108/108/113 MB,
 * at 10k EPS ~−3 MB, records per CPU-second unchanged (three alternating rounds, docs/performance.md). musl
 * ignores it.
 */
export function collectorEnv(allowed: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...allowed, MALLOC_ARENA_MAX: '1' };
}

export function supervisorNodeFlags(): string[] {
  return ['--no-opt', '--no-maglev', '--max-semi-space-size=1'];
}
