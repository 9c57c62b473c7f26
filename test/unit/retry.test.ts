import { describe, expect, it } from "vitest";
import { DmshareError } from "../../src/errors.ts";
import {
  DEFAULT_RETRY,
  explainFailure,
  isAbort,
  RetriesExhausted,
  type RetryDecision,
  RetryLater,
  retryAfterMs,
  withRetry,
} from "../../src/providers/retry.ts";

const FAST = { attempts: 4, baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 5_000 };
const retryAll = (): RetryDecision => ({ retry: true, reason: "flaky" });

/** An attempt that fails `failures` times, then returns "done"; records when it ran. */
function flaky(failures: number) {
  const startedAt: number[] = [];
  const attempt = async () => {
    startedAt.push(Date.now());
    if (startedAt.length <= failures) throw new Error(`failure ${startedAt.length}`);
    return "done";
  };
  return { attempt, startedAt };
}

describe("withRetry", () => {
  it("retries until the attempt succeeds, telling the listener each wait", async () => {
    const { attempt, startedAt } = flaky(2);
    const waits: [string, number][] = [];
    const result = await withRetry(attempt, retryAll, {
      ...FAST,
      onRetry: (reason, delayMs) => waits.push([reason, delayMs]),
    });
    expect(result).toBe("done");
    expect(startedAt).toHaveLength(3);
    expect(waits.map(([reason]) => reason)).toEqual(["flaky", "flaky"]);
  });

  it("a final error is thrown as it is, after one attempt", async () => {
    const { attempt, startedAt } = flaky(5);
    const error = await withRetry(attempt, () => ({ retry: false }), FAST).catch((e) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(RetriesExhausted);
    expect(startedAt).toHaveLength(1);
  });

  it("gives up after the attempts, wrapping the last error with how long it tried", async () => {
    const { attempt, startedAt } = flaky(10);
    const error = await withRetry(attempt, retryAll, FAST).catch((e) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(error.attempts).toBe(4);
    expect((error.cause as Error).message).toBe("failure 4");
    expect(startedAt).toHaveLength(4);
  });

  it("Retry-After: 0 still waits the base delay instead of hammering the server", async () => {
    const { attempt, startedAt } = flaky(1);
    await withRetry(attempt, () => ({ retry: true, reason: "rate limited", afterMs: 0 }), {
      ...FAST,
      baseDelayMs: 150,
    });
    expect((startedAt[1] as number) - (startedAt[0] as number)).toBeGreaterThanOrEqual(140);
  });

  it("does not start a backoff wait that would go past the total time", async () => {
    const { attempt, startedAt } = flaky(10);
    const error = await withRetry(attempt, () => ({ retry: true, reason: "x" }), {
      ...FAST,
      baseDelayMs: 150,
      maxDelayMs: 150,
      attempts: 100,
      maxTotalMs: 400,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(RetriesExhausted);
    expect(startedAt.length).toBeLessThanOrEqual(3);
    expect(Date.now() - (startedAt[0] as number)).toBeLessThan(1_000);
  });

  it("Ctrl-C during a wait stops at once", async () => {
    const interrupt = new AbortController();
    const { attempt, startedAt } = flaky(10);
    setTimeout(() => interrupt.abort(), 50);
    const began = Date.now();
    const error = await withRetry(attempt, () => ({ retry: true, reason: "x", afterMs: 5_000 }), {
      ...FAST,
      maxDelayMs: 5_000,
      signal: interrupt.signal,
    }).catch((e) => e);
    expect(Date.now() - began).toBeLessThan(1_000);
    expect(error.message).toBe("failure 1");
    expect(startedAt).toHaveLength(1);
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
    ) as DmshareError;
    expect(explained.exitCode).toBe(4);
    expect(explained.message).toContain("wait 60 min");
    expect(explained.hint).toMatch(/Try again after \d\d:\d\d/);
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
