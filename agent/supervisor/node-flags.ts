// V8/Node flags the supervisor starts the collector with (and the benchmark too, so it measures what
// ships). A small young generation keeps RSS near the live set: the collector's per-record objects die
// young in batches of ≤ 500, and a 16 MiB semi-space (V8's default) only grows RSS without saving
// measurable CPU at these batch sizes (bench: `npm run bench`). The old-space cap sits below the
// supervisor's RSS watchdog so V8 collects harder before the watchdog restarts the process.
export const COLLECTOR_SEMI_SPACE_MB = 4;

export function collectorNodeFlags(memoryLimitMB: number): string[] {
  const oldSpace = Math.max(64, Math.floor(memoryLimitMB * 0.75));
  return [`--max-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`, `--max-old-space-size=${oldSpace}`];
}
