// Runs async tasks with at most `limit` in flight (p-limit), started in input order; never rejects — each
// result is the task's value or its error, so one failing machine never stops the fleet.
import pLimit from 'p-limit';

export type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

export async function mapBounded<I, T>(
  items: I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>,
): Promise<Settled<T>[]> {
  const run = pLimit(Math.max(1, limit));
  return Promise.all(
    items.map((item, i) =>
      run(async (): Promise<Settled<T>> => {
        try {
          return { ok: true, value: await task(item, i) };
        } catch (err) {
          return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
        }
      }),
    ),
  );
}
