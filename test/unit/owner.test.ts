import { describe, expect, it } from "vitest";
import { realSystem } from "../../src/main.ts";
import {
  HEARTBEAT_FRESH_MS,
  type OwnerProbe,
  ownerProbe,
  ownerState,
  type PendingOwner,
  processIdentity,
  thisProcessAsOwner,
} from "../../src/store/owner.ts";

const now = new Date("2026-12-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
const owner = (extra: Partial<PendingOwner> = {}): PendingOwner => ({
  pid: 4242,
  host: "laptop",
  identity: "boot-1:1000",
  heartbeatAt: ago(2 * 60 * 60_000),
  ...extra,
});
const probe = (extra: Partial<OwnerProbe> = {}): OwnerProbe => ({
  host: () => "laptop",
  isAlive: (pid) => pid === 4242,
  identity: (pid) => (pid === 4242 ? "boot-1:1000" : undefined),
  ...extra,
});

describe("the owner of a pending entry", () => {
  it("is busy while its process runs, however old its heartbeat", () => {
    expect(ownerState(owner(), now, probe()).busy).toBe(true);
  });

  it("is gone when its pid was reused by another process (another start time or boot)", () => {
    expect(ownerState(owner(), now, probe({ identity: () => "boot-2:77" })).busy).toBe(false);
  });

  it("is gone when its process is gone and its heartbeat is stale", () => {
    expect(ownerState(owner(), now, probe({ isAlive: () => false })).busy).toBe(false);
  });

  it("is busy while its heartbeat is fresh, also on another machine sharing the ledger", () => {
    const fresh = owner({ host: "desktop", heartbeatAt: ago(HEARTBEAT_FRESH_MS - 1000) });
    expect(ownerState(fresh, now, probe()).busy).toBe(true);
    const stale = owner({ host: "desktop", heartbeatAt: ago(HEARTBEAT_FRESH_MS + 1000) });
    expect(ownerState(stale, now, probe()).busy).toBe(false);
  });

  it("without an identity (not Linux) a live pid counts only for a day of silence", () => {
    const noIdentity = { ...owner(), identity: undefined };
    expect(ownerState({ ...noIdentity, heartbeatAt: ago(60 * 60_000) }, now, probe()).busy).toBe(
      true,
    );
    expect(
      ownerState({ ...noIdentity, heartbeatAt: ago(25 * 60 * 60_000) }, now, probe()).busy,
    ).toBe(false);
  });

  it("this process is recorded with its identity where the system has one", () => {
    const system = realSystem(process);
    const me = thisProcessAsOwner(now, system);
    expect(me).toMatchObject({ pid: process.pid, heartbeatAt: now.toISOString() });
    const later = new Date(now.getTime() + 48 * 60 * 60_000);
    expect(ownerState(me, later, ownerProbe(system)).busy).toBe(true);
    if (process.platform === "linux") {
      expect(me.identity).toMatch(/^[0-9a-f-]+:\d+$/);
      expect(processIdentity(process.pid, process.platform)).toBe(me.identity);
    }
  });
});
