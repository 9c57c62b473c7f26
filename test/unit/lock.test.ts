import { spawnSync } from "node:child_process";
import { readdir, rm, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LockEnvironment, withFileLock } from "../../src/store/lock.ts";
import { tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

/** A clock that only moves when the lock code sleeps: how long it waited, in its own time. */
function fakeTime(start: number): LockEnvironment & { waited: () => number } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    isAlive: () => true,
    waited: () => now - start,
  };
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
});
