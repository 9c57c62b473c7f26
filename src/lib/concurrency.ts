// Bounded concurrency: at most N tasks at a time, backing off when asked, results in order.

/**
 * How many transfers run at once: `max` to begin with, halved (down to one) each time the
 * provider says it is rate-limiting, so a burst of uploads backs off instead of hammering.
 */
export class Concurrency {
  current: number;

  constructor(max: number) {
    this.current = Math.max(1, Math.floor(max));
  }

  backOff(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
  }
}

/**
 * Runs `work` on every item with at most `limit` at a time (a Concurrency that backs off
 * retires workers as they finish); results keep the items' order.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number | Concurrency,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const concurrency = typeof limit === "number" ? new Concurrency(limit) : limit;
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let workers = Math.min(concurrency.current, items.length);
  const worker = async () => {
    while (next < items.length && !failed) {
      if (workers > concurrency.current) break;
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
    workers--;
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` on every item with at most `limit` at a time; one failing does not stop the
 * others. Results keep the items' order.
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  limit: number | Concurrency,
  work: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  return mapConcurrently(items, limit, async (item, index): Promise<Settled<R>> => {
    try {
      return { ok: true, value: await work(item, index) };
    } catch (error) {
      return { ok: false, error };
    }
  });
}
