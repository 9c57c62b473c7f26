import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keepOwnerAlive } from "../../src/core/send/index.ts";
import { Ledger, type LedgerEntry } from "../../src/store/ledger.ts";
import { HEARTBEAT_EVERY_MS, thisProcessAsOwner } from "../../src/store/owner.ts";
import { tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
  // Only the heartbeat's interval is faked: the ledger's file I/O and lock run for real.
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
});
afterEach(async () => {
  vi.useRealTimers();
  await work.cleanup();
});

const started = new Date("2026-12-01T10:00:00.000Z");
const pending = (): LedgerEntry => ({
  id: "beat0000",
  provider: "dropbox",
  kind: "photo",
  name: "big.jpg",
  url: null,
  message: null,
  target: null,
  files: [],
  createdAt: started.toISOString(),
  expiresAt: null,
  revokedAt: null,
  status: "pending",
  owner: thisProcessAsOwner(started, { pid: process.pid, platform: process.platform }),
});

describe("a send's heartbeat", () => {
  it("refreshes the pending entry's heartbeat every minute while the send runs, and stops with it", async () => {
    const ledger = new Ledger(path.join(work.dir, "ledger.json"));
    await ledger.add(pending());
    let now = started;
    const heartbeat = keepOwnerAlive({ now: () => now }, ledger, "beat0000");
    const beatAt = async () => (await ledger.entries())[0]?.owner?.heartbeatAt;

    now = new Date(started.getTime() + 90_000);
    vi.advanceTimersByTime(HEARTBEAT_EVERY_MS);
    await vi.waitFor(async () => expect(await beatAt()).toBe(now.toISOString()));

    await heartbeat.stop();
    const last = now.toISOString();
    now = new Date(started.getTime() + 10 * 60_000);
    vi.advanceTimersByTime(5 * HEARTBEAT_EVERY_MS);
    expect(await beatAt()).toBe(last);
  });
});
