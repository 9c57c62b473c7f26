import { describe, expect, it } from "vitest";
import { DmshareError } from "../../src/lib/errors.ts";
import {
  DEFAULT_RETRY,
  explainFailure,
  isAbort,
  RATE_LIMITED,
  RetriesExhausted,
  type RetryDecision,
  RetryLater,
  retryAfterMs,
  retryOptionsFor,
  sleep,
  withRetry,
} from "../../src/providers/retry.ts";

const FAST = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 5_000 };
const retryAll = (): RetryDecision => ({ retry: true, reason: "flaky" });

/** A clock that moves only when dmshare sleeps, so nothing waits for real. */
function fakeTime() {
  let now = 1_000_000;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
      return true;
    },
  };
}

/** An attempt that fails `failures` times, then returns "done"; records when (on `clock`) it ran. */
function flaky(failures: number, clock: () => number = Date.now) {
  const startedAt: number[] = [];
  const attempt = async () => {
    startedAt.push(clock());
    if (startedAt.length <= failures) throw new Error(`failure ${startedAt.length}`);
    return "done";
  };
  return { attempt, startedAt };
}

describe("withRetry", () => {
  it("retries until the attempt succeeds, telling the listener each wait", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(2, time.now);
    const waits: [string, number][] = [];
    const result = await withRetry(attempt, retryAll, {
      ...FAST,
      ...time,
      onRetry: (reason, delayMs) => waits.push([reason, delayMs]),
    });
    expect(result).toBe("done");
    expect(startedAt).toHaveLength(3);
    expect(waits.map(([reason]) => reason)).toEqual(["flaky", "flaky"]);
    expect(waits.map(([, delayMs]) => delayMs)).toEqual(time.slept);
  });

  it("a final error is thrown as it is, after one attempt", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(5, time.now);
    const error = await withRetry(attempt, () => ({ retry: false }), { ...FAST, ...time }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RetriesExhausted);
    expect(startedAt).toHaveLength(1);
    expect(time.slept).toEqual([]);
  });

  it("gives up after the attempts, wrapping the last error with how long it tried", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(10, time.now);
    const error = await withRetry(attempt, retryAll, { ...FAST, ...time }).catch((e) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(error.attempts).toBe(4);
    expect((error.cause as Error).message).toBe("failure 4");
    expect(startedAt).toHaveLength(4);
    expect(error.elapsedMs).toBeCloseTo(time.slept.reduce((sum, ms) => sum + ms, 0));
  });

  it("backs off exponentially with jitter, up to the longest wait", async () => {
    const time = fakeTime();
    const { attempt } = flaky(10, time.now);
    await withRetry(attempt, retryAll, {
      attempts: 8,
      baseDelayMs: 500,
      maxDelayMs: 10_000,
      maxTotalMs: 600_000,
      ...time,
      random: () => 0.5,
    }).catch(() => undefined);
    // base/2 + random × min(max, base × 2^n), never more than the longest wait.
    expect(time.slept).toEqual([750, 1250, 2250, 4250, 5250, 5250, 5250]);
  });

  it("never waits longer than the longest wait, whatever the jitter", async () => {
    const time = fakeTime();
    const { attempt } = flaky(10, time.now);
    const limits = { attempts: 4, baseDelayMs: 500, maxDelayMs: 3_000, maxTotalMs: 600_000 };
    await withRetry(attempt, retryAll, { ...limits, ...time, random: () => 0.99 }).catch(
      () => undefined,
    );
    expect(time.slept).toEqual([1240, 2230, 3000]);
  });

  it("Retry-After: 0 still waits the base delay instead of hammering the server", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(1, time.now);
    await withRetry(attempt, () => ({ retry: true, reason: "rate limited", afterMs: 0 }), {
      ...FAST,
      ...time,
      baseDelayMs: 150,
    });
    expect(time.slept).toEqual([150]);
    expect((startedAt[1] as number) - (startedAt[0] as number)).toBe(150);
  });

  it("does not start a backoff wait that would go past the total time", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(10, time.now);
    const error = await withRetry(attempt, () => ({ retry: true, reason: "x" }), {
      ...FAST,
      ...time,
      baseDelayMs: 150,
      maxDelayMs: 150,
      attempts: 100,
      maxTotalMs: 400,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    // Waits at 0 and 150 ms fit in 400 ms; a third one, from 300 ms, would end at 450.
    expect(time.slept).toEqual([150, 150]);
    expect(startedAt).toHaveLength(3);
  });

  it("Ctrl-C during a wait stops it at once (the real timer, a minute long)", async () => {
    const interrupt = new AbortController();
    const { attempt, startedAt } = flaky(10);
    // Without the abort, the minute's wait outlasts the test's timeout.
    const error = await withRetry(attempt, () => ({ retry: true, reason: "x", afterMs: 60_000 }), {
      ...FAST,
      maxDelayMs: 60_000,
      signal: interrupt.signal,
      onRetry: () => interrupt.abort(),
    }).catch((e) => e);
    expect(error.message).toBe("failure 1");
    expect(startedAt).toHaveLength(1);
  });

  it("the real sleep says whether it waited or was interrupted", async () => {
    expect(await sleep(1, undefined)).toBe(true);
    const interrupt = new AbortController();
    interrupt.abort();
    expect(await sleep(60_000, interrupt.signal)).toBe(false);
  });
});

describe("retryOptionsFor", () => {
  it("waits with the context's sleep and clock, and a rate limit backs the uploads off", async () => {
    const { testContext } = await import("../helpers/context.ts");
    const run = testContext({ now: new Date("2026-12-06T05:00:00Z") });
    const told: number[] = [];
    let backedOff = 0;
    const options = retryOptionsFor(
      { ...run.ctx, onRetry: (_reason, delayMs) => told.push(delayMs) },
      () => backedOff++,
    );
    const { attempt, startedAt } = flaky(2, () => run.ctx.now().getTime());
    const result = await withRetry(
      attempt,
      () => ({ retry: true, reason: RATE_LIMITED, afterMs: 30_000 }),
      options,
    );
    expect(result).toBe("done");
    expect(run.slept).toEqual([30_000, 30_000]);
    expect(told).toEqual([30_000, 30_000]);
    expect(backedOff).toBe(2);
    expect(startedAt.map((at) => new Date(at).toISOString())).toEqual([
      "2026-12-06T05:00:00.000Z",
      "2026-12-06T05:00:30.000Z",
      "2026-12-06T05:01:00.000Z",
    ]);
  });
});

describe("explainFailure", () => {
  const translate = (error: unknown) =>
    new DmshareError("provider", `Dropbox failed (${(error as Error).message}).`, {
      hint: "Try again later.",
    });

  it("adds how often and how long dmshare tried", () => {
    const exhausted = new RetriesExhausted(new Error("HTTP 503"), 5, 12_400);
    const explained = explainFailure(
      exhausted,
      "upload",
      new AbortController().signal,
      translate,
    ) as DmshareError;
    expect(explained.message).toBe("Dropbox failed (HTTP 503) (tried 5 times over 12 s).");
    expect(explained.hint).toBe("Try again later.");
    expect(explained.kind).toBe("provider");
  });

  it("leaves an error that was not retried as translated", () => {
    expect(
      explainFailure(new Error("HTTP 409"), "upload", new AbortController().signal, translate)
        .message,
    ).toBe("Dropbox failed (HTTP 409).");
  });
});

describe("isAbort", () => {
  it("sees Ctrl-C through gaxios's plain Error wrapper, only once the signal aborted", () => {
    const interrupt = new AbortController();
    const wrapped = new Error("This operation was aborted", {
      cause: Object.assign(new Error("aborted"), { name: "AbortError" }),
    });
    expect(isAbort(wrapped, interrupt.signal)).toBe(false);
    interrupt.abort();
    expect(isAbort(wrapped, interrupt.signal)).toBe(true);
    expect(isAbort(new Error("HTTP 500"), interrupt.signal)).toBe(false);
  });
});

describe("a server's Retry-After", () => {
  const asked = (ms: number) => (): RetryDecision => ({
    retry: true,
    reason: "rate limited",
    afterMs: ms,
  });

  it("is honoured up to 5 minutes, beyond the usual 20 s cap, and told to the listener", async () => {
    const time = fakeTime();
    const { attempt } = flaky(1);
    const told: number[] = [];
    const result = await withRetry(attempt, asked(240_000), {
      ...DEFAULT_RETRY,
      ...time,
      onRetry: (_reason, delayMs) => told.push(delayMs),
    });
    expect(result).toBe("done");
    expect(time.slept).toEqual([240_000]);
    expect(told).toEqual([240_000]);
  });

  it("beyond 5 minutes ends the call at once, saying when to try again (exit 4)", async () => {
    const time = fakeTime();
    const { attempt, startedAt } = flaky(5);
    const error = await withRetry(attempt, asked(3_600_000), { ...DEFAULT_RETRY, ...time }).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(RetryLater);
    expect(time.slept).toEqual([]);
    expect(startedAt).toHaveLength(1);
    const explained = explainFailure(
      error,
      "upload a.jpg",
      new AbortController().signal,
      () => new DmshareError("provider", "Dropbox is rate-limiting dmshare."),
      Date.parse("2026-12-06T05:00:00Z"),
    ) as DmshareError;
    expect(explained.exitCode).toBe(4);
    expect(explained.message).toContain("wait 60 min");
    expect(explained.hint).toMatch(/Try again after \d\d:\d\d \(2026-12-06 06:00 UTC\)/);
  });

  it("is read in seconds or as an HTTP date", () => {
    expect(retryAfterMs("120")).toBe(120_000);
    expect(retryAfterMs("Sun, 06 Dec 2026 05:10:00 GMT", Date.parse("2026-12-06T05:00:00Z"))).toBe(
      600_000,
    );
    expect(retryAfterMs("soon")).toBeUndefined();
  });
});

describe("a wait shown to the person", () => {
  it("a long one (a server's Retry-After) is said on stderr even off a terminal; a short one is not", async () => {
    const { testContext } = await import("../helpers/context.ts");
    const { Output } = await import("../../src/ui/output.ts");
    const run = testContext({ configDir: "/nonexistent" });
    const output = new Output(run.ctx, { quiet: true });
    output.retrying("rate limited", 2_000);
    expect(run.stderr()).toBe("");
    output.retrying("rate limited", 240_000);
    expect(run.stderr()).toMatch(
      /^waiting 240 s, until \d\d:\d\d:\d\d, as the server asked \(rate limited\)\n$/,
    );
  });
});
