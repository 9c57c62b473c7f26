import { spawnSync } from "node:child_process";
import { readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  HEARTBEAT_MS,
  type LockEnvironment,
  STALE_AFTER_MS,
  withFileLock,
} from "../../src/store/lock.ts";
import { tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

/**
 * A clock that only moves when the lock code sleeps (how long it waited, in its own time), and
 * a heartbeat timer that ticks each time that clock passes its period.
 */
function fakeTime(start: number): LockEnvironment & {
  waited: () => number;
  beats: () => number;
  armed: () => number;
} {
  let now = start;
  const timers: { every: number; next: number; tick: () => void }[] = [];
  let beats = 0;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      for (const timer of timers) {
        while (timer.next <= now) {
          timer.next += timer.every;
          beats++;
          timer.tick();
        }
      }
    },
    pid: process.pid,
    isAlive: () => true,
    every: (ms, tick) => {
      const timer = { every: ms, next: now + ms, tick };
      timers.push(timer);
      return () => timers.splice(timers.indexOf(timer), 1);
    },
    waited: () => now - start,
    beats: () => beats,
    /** Heartbeat timers running. */
    armed: () => timers.length,
  };
}

/**
 * Polls until `check` holds: the heartbeat's file writes are not awaited by anyone. Bounded by
 * a generous real-time limit, not a count of polls: on a loaded machine (CI running two test
 * files at once) 200 polls passed before the heartbeat's write had landed.
 */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  const giveUpAt = Date.now() + 20_000;
  while (Date.now() < giveUpAt) {
    if (await check()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error("the condition never held");
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

describe("the lock file", () => {
  it("is taken at once when its holder's process is gone", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    await writeFile(lock, String(deadPid()));
    const time = fakeTime(Date.now());
    const ran = await withFileLock(lock, async () => "ran", { ...time, isAlive: () => false });
    expect(ran).toBe("ran");
    expect(time.waited()).toBe(0);
    expect(await readdir(work.dir)).toEqual([]);
  });

  it("is taken after a few seconds when it is empty (its writer died or the disk was full)", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    await writeFile(lock, "");
    const written = Date.now();
    const time = fakeTime(written);
    expect(await withFileLock(lock, async () => "ran", time)).toBe("ran");
    // Waited in the fake clock's time: more than an instant, far less than the 30 s of old.
    expect(time.waited()).toBeGreaterThan(1_000);
    expect(time.waited()).toBeLessThan(5_000);
    expect(await readdir(work.dir)).toEqual([]);
  });

  it("an empty lock that is already old is broken without waiting", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    await writeFile(lock, "");
    const old = new Date(Date.now() - 10_000);
    await utimes(lock, old, old);
    const time = fakeTime(Date.now());
    expect(await withFileLock(lock, async () => "ran", time)).toBe("ran");
    expect(time.waited()).toBe(0);
  });

  it("is respected while its holder is alive", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    await writeFile(lock, String(process.ppid));
    const time = fakeTime(Date.now());
    let released = false;
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      // The holder lets go after 10 s of (fake) time.
      if (time.waited() > 10_000 && !released) {
        released = true;
        await rm(lock);
      }
    };
    expect(await withFileLock(lock, async () => "ran", { ...time, sleep })).toBe("ran");
    expect(released).toBe(true);
  });

  it("a live holder's lock is never broken, however long it holds it: it keeps it fresh", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    const time = fakeTime(Date.now());
    let finish = () => {};
    const holding = new Promise<void>((resolve) => {
      finish = resolve;
    });
    let holderDone = false;
    const holder = withFileLock(lock, () => holding, time).then(() => {
      holderDone = true;
    });
    // The lock is created, then filled in: wait for its text, not only for the file.
    await eventually(async () => (await readFile(lock, "utf8").catch(() => "")) !== "");
    const ours = await readFile(lock, "utf8");
    expect(ours).toMatch(new RegExp(`^${process.pid} [0-9a-z]{16}$`));
    // And its heartbeat is running: the text lands before the holder has armed it (it still
    // closes the file), and a waiter that moved the clock first would see no beat at all;
    // under a loaded CI that window was wide enough to fail this test now and then.
    await eventually(async () => time.armed() > 0);
    // Another process waits for it; the holder lets go well after the stale age.
    let waiterRan = false;
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      // The heartbeat's write lands before the waiter looks again, as it would in real time.
      await eventually(async () =>
        stat(lock).then(
          (info) => info.mtimeMs >= time.now() - HEARTBEAT_MS - 1,
          () => true, // let go already
        ),
      );
      if (time.waited() > STALE_AFTER_MS + 10_000) finish();
    };
    const waiter = withFileLock(
      lock,
      async () => {
        waiterRan = true;
        return holderDone;
      },
      { ...time, sleep, isAlive: () => true },
    );
    expect(await waiter).toBe(true);
    expect(waiterRan).toBe(true);
    await holder;
    expect(time.beats()).toBeGreaterThanOrEqual(STALE_AFTER_MS / HEARTBEAT_MS);
    expect(await readdir(work.dir)).toEqual([]);
  });

  it("is broken when its pid was reused by another, live process but nobody keeps it fresh", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    // process.ppid is alive: the dead holder's pid now names the test runner's parent.
    await writeFile(lock, `${process.ppid} aGVsbG8td29ybGQ`);
    // Written at the fake clock's start, however long the write took in real time.
    const start = Date.now();
    await utimes(lock, start / 1000, start / 1000);
    const time = fakeTime(start);
    expect(await withFileLock(lock, async () => "ran", time)).toBe("ran");
    expect(time.waited()).toBeGreaterThan(STALE_AFTER_MS - 1);
    expect(time.waited()).toBeLessThan(STALE_AFTER_MS + 1_000);
    expect(await readdir(work.dir)).toEqual([]);
  });

  it("a lock with a dead holder's pid and token is broken at once, no /proc needed", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    const pid = deadPid();
    await writeFile(lock, `${pid} aGVsbG8td29ybGQ`);
    const asked: number[] = [];
    const time = fakeTime(Date.now());
    const isAlive = (candidate: number) => {
      asked.push(candidate);
      return false;
    };
    expect(await withFileLock(lock, async () => "ran", { ...time, isAlive })).toBe("ran");
    expect(asked).toContain(pid);
    expect(time.waited()).toBe(0);
  });

  it("letting go leaves a lock that is no longer ours (broken while we slept) in place", async () => {
    const lock = path.join(work.dir, "ledger.json.lock");
    const time = fakeTime(Date.now());
    const other = `${process.ppid} c29tZW9uZS1lbHNl`;
    await withFileLock(
      lock,
      async () => {
        // Someone judged us dead and took the lock.
        await writeFile(lock, other);
      },
      time,
    );
    expect(await readFile(lock, "utf8")).toBe(other);
  });
});
