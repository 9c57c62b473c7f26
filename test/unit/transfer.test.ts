import { describe, expect, it } from "vitest";
import { Concurrency, mapConcurrently, mapSettled } from "../../src/providers/transfer.ts";

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

/** Runs 12 jobs, calling `during(index)` inside each; returns the most that ran at once. */
async function peakWhile(limit: Concurrency, during: (index: number) => void = () => {}) {
  let running = 0;
  let peak = 0;
  const peaks: number[] = [];
  await mapConcurrently(
    Array.from({ length: 12 }, (_, index) => index),
    limit,
    async (index) => {
      running++;
      peak = Math.max(peak, running);
      during(index);
      await tick();
      peaks.push(running);
      running--;
    },
  );
  return { peak, lastPeaks: peaks.slice(-4) };
}

describe("mapConcurrently", () => {
  it("runs at most the limit at once and keeps the order of results", async () => {
    const { peak } = await peakWhile(new Concurrency(4));
    expect(peak).toBe(4);
    const results = await mapConcurrently([3, 1, 2], 2, async (n) => {
      await new Promise((resolve) => setTimeout(resolve, n * 5));
      return n * 10;
    });
    expect(results).toEqual([30, 10, 20]);
  });

  it("backs off: after a rate limit, fewer run at once", async () => {
    const limit = new Concurrency(8);
    const { peak, lastPeaks } = await peakWhile(limit, (index) => {
      if (index === 7) limit.backOff();
    });
    expect(peak).toBe(8);
    expect(limit.current).toBe(4);
    expect(Math.max(...lastPeaks)).toBeLessThanOrEqual(4);
  });

  it("backing off never goes below one", () => {
    const limit = new Concurrency(3);
    for (let i = 0; i < 5; i++) limit.backOff();
    expect(limit.current).toBe(1);
  });
});

describe("mapSettled", () => {
  it("tries every item; one failing does not stop the others", async () => {
    const results = await mapSettled([1, 2, 3], 2, async (n) => {
      if (n === 2) throw new Error("two");
      return n;
    });
    expect(results.map((result) => result.ok)).toEqual([true, false, true]);
  });
});
