import { describe, expect, it } from "vitest";
import { clockFrom } from "../../src/context.ts";
import { parseSince } from "../../src/core/duration.ts";
import { isOverdue, statusOf } from "../../src/core/links.ts";
import { expiryFromNow, humanSpan } from "../../src/core/time-format.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe("relative times", () => {
  it.each([
    [20_000, "less than a minute"],
    [5 * MIN, "5 min"],
    [59 * MIN, "59 min"],
    [HOUR, "1 h"],
    [47 * HOUR, "47 h"],
    [2 * DAY, "2 days"],
    [3 * DAY - 10_000, "3 days"],
    [-2 * HOUR, "2 h"],
  ])("%d ms reads as %s", (ms, text) => {
    expect(humanSpan(ms)).toBe(text);
  });

  it("says expires in … before and expired … ago after", () => {
    const now = new Date("2026-12-01T10:00:00Z");
    expect(expiryFromNow(new Date(now.getTime() + 3 * DAY), now)).toBe("expires in 3 days");
    expect(expiryFromNow(new Date(now.getTime() - 2 * HOUR), now)).toBe("expired 2 h ago");
    expect(expiryFromNow(now, now)).toBe("expired less than a minute ago");
  });
});

describe("--since", () => {
  const now = new Date("2026-12-01T10:00:00Z");
  it("takes a duration back from now, a date (its start, local time) or a date-time", () => {
    expect(parseSince("--since", "7d", now).toISOString()).toBe("2026-11-24T10:00:00.000Z");
    expect(parseSince("--since", "2026-11-01", now).getTime()).toBe(
      new Date(2026, 10, 1, 0, 0, 0).getTime(),
    );
    expect(parseSince("--since", "2026-11-01T08:30:00Z", now).toISOString()).toBe(
      "2026-11-01T08:30:00.000Z",
    );
  });

  it("refuses anything else as a usage error that says what to give", () => {
    for (const bad of ["yesterday", "7 days", "2026-13-45"]) {
      expect(() => parseSince("--since", bad, now)).toThrow(/is not a duration or a date/);
    }
  });
});

describe("DMSHARE_NOW", () => {
  it("starts the clock at the given time and lets it run on", () => {
    let real = 1_000_000;
    const clock = clockFrom("2026-12-01T10:00:00Z", () => real);
    expect(clock().toISOString()).toBe("2026-12-01T10:00:00.000Z");
    real += 5_000;
    expect(clock().toISOString()).toBe("2026-12-01T10:00:05.000Z");
  });

  it("is the real clock when unset, and a usage error when not a time", () => {
    expect(clockFrom(undefined, () => 42)().getTime()).toBe(42);
    expect(() => clockFrom("soon")()).toThrow(/DMSHARE_NOW "soon" is not a date and time/);
  });
});

describe("status from the clock", () => {
  const now = new Date("2026-12-10T12:00:00Z");
  const past = "2026-12-10T11:00:00Z";
  const future = "2026-12-10T13:00:00Z";
  it.each([
    ["active", future, "dmshare", "active"],
    ["active", past, "dmshare", "overdue"],
    ["active", past, "provider", "expired"],
    // Entries from before expiryEnforcedBy existed could only have the provider's expiry.
    ["active", past, undefined, "expired"],
    ["revoked", past, "dmshare", "revoked"],
    ["pending", past, "dmshare", "pending"],
  ] as const)("%s until %s, enforced by %s: %s", (status, expiresAt, by, shown) => {
    const entry = { status, expiresAt, expiryEnforcedBy: by };
    expect(statusOf(entry, now)).toBe(shown);
    expect(isOverdue(entry, now)).toBe(shown === "overdue");
  });
});
