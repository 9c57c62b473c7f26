import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import type { LocalFile } from "../../src/providers/provider.ts";
import {
  Concurrency,
  FilePart,
  mapConcurrently,
  mapSettled,
} from "../../src/providers/transfer.ts";
import { waitFor } from "../helpers/cli.ts";
import { localPhoto } from "../helpers/media.ts";

/** Lets every job that can start start: a turn of the event loop, not a wait for time. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

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
    // The jobs finish in another order than they were given: 1 first, then 2, then 3.
    const finished: number[] = [];
    const release = new Map<number, () => void>();
    const running = mapConcurrently([3, 1, 2], 3, async (n) => {
      await new Promise<void>((resolve) => release.set(n, resolve));
      finished.push(n);
      return n * 10;
    });
    for (const n of [1, 2, 3]) {
      while (!release.has(n)) await tick();
      release.get(n)?.();
      while (!finished.includes(n)) await tick();
    }
    expect(finished).toEqual([1, 2, 3]);
    expect(await running).toEqual([30, 10, 20]);
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

describe("FilePart", () => {
  const MiB = 1024 * 1024;

  async function fileWith(bytes: Buffer): Promise<LocalFile & { cleanup: () => Promise<void> }> {
    const dir = await mkdtemp(path.join(tmpdir(), "dmshare-part-"));
    return {
      ...(await localPhoto(dir, bytes)),
      cleanup: () => rm(dir, { recursive: true, force: true }),
    };
  }

  /**
   * A sink that queues what it is given and copies each chunk only after a delay, like a
   * socket; its high-water mark is big enough that the pump never waits for "drain", so only
   * the write callbacks keep it from reusing a buffer too early.
   */
  function slowSink() {
    const received: Buffer[] = [];
    const sink = new Writable({
      highWaterMark: 8 * MiB,
      write(chunk: Buffer, _encoding, done) {
        setImmediate(() => {
          received.push(Buffer.from(chunk));
          done();
        });
      },
    });
    return { sink, received };
  }

  it("writes exactly its bytes through reused buffers, a chunk reused only once flushed", async () => {
    const bytes = randomBytes(3 * MiB + 12_345);
    const file = await fileWith(bytes);
    try {
      const start = 1000;
      const end = bytes.length - 77;
      const progress: number[] = [];
      const part = new FilePart(file, start, end, (_file, sent) => progress.push(sent));
      expect(part.byteLength).toBe(end - start);
      const { sink, received } = slowSink();
      await part.pumpTo(sink);
      expect(Buffer.concat(received).equals(bytes.subarray(start, end))).toBe(true);
      expect(progress.at(-1)).toBe(end);
      expect(part.destroyed).toBe(true);
    } finally {
      await file.cleanup();
    }
  });

  it("destroyed while it is being sent (the connection dropped), it leaves no file open", async () => {
    const openFiles = () => readdirSync("/proc/self/fd").length;
    const file = await fileWith(randomBytes(3 * MiB));
    try {
      const before = openFiles();
      const part = new FilePart(file, 0, file.bytes, () => {});
      let writes = 0;
      const sink = new Writable({
        write(_chunk, _encoding, done) {
          if (++writes === 2) part.destroy();
          done();
        },
      });
      await part.pumpTo(sink).catch(() => {});
      expect(writes).toBeLessThan(4);
      // The handle closes asynchronously after the destroy: wait for it, not for a time.
      await waitFor(async () => (openFiles() === before ? true : undefined)).catch(() => {});
      expect(openFiles()).toBe(before);
    } finally {
      await file.cleanup();
    }
  });

  it("reads the same bytes as a plain stream, and an empty part as an empty stream", async () => {
    const bytes = randomBytes(MiB + 3);
    const file = await fileWith(bytes);
    try {
      const streamed: Buffer[] = [];
      for await (const chunk of new FilePart(file, 5, bytes.length, () => {})) streamed.push(chunk);
      expect(Buffer.concat(streamed).equals(bytes.subarray(5))).toBe(true);
      const empty: Buffer[] = [];
      for await (const chunk of new FilePart(file, 10, 10, () => {})) empty.push(chunk);
      expect(empty).toEqual([]);
    } finally {
      await file.cleanup();
    }
  });
});
