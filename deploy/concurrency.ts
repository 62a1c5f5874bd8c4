// Runs async tasks with at most `limit` in flight, in input order of start; never rejects — each
// result is the task's value or its error, so one failing machine never stops the fleet.
export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

export async function mapBounded<I, T>(
  items: I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>,
): Promise<Settled<T>[]> {
  const results: Settled<T>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { ok: true, value: await task(items[i]!, i) };
      } catch (err) {
        results[i] = { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
