// V8 flags the supervisor starts the collector with (the benchmark starts it the same way, so it
// measures what ships). A small young generation keeps RSS near the live set: the collector's
// per-record objects die young in batches of ≤ 500, and V8's default 16 MiB semi-space (×3 for the
// young generation) mostly adds RSS under load — 20–30 MB more peak RSS, for 0–12 % more records
// per CPU-second (two bench rounds; try OPEN_AMA_BENCH_NODE_ARGS=--max-semi-space-size=16).
// No old-space cap: the supervisor's RSS watchdog owns that limit, and a V8 heap OOM would turn a
// graceful watchdog restart into a crash.
export const COLLECTOR_SEMI_SPACE_MB = 4;

export function collectorNodeFlags(): string[] {
  return [`--max-semi-space-size=${COLLECTOR_SEMI_SPACE_MB}`];
}
