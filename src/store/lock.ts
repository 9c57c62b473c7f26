import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { DmshareError } from "../errors.ts";
import { localFileError } from "./files.ts";

const RETRY_MIN_MS = 5;
const RETRY_MAX_MS = 40;
/** A holder keeps the lock for milliseconds; one this old belongs to a process that died. */
const STALE_AFTER_MS = 30_000;
/**
 * A lock file is written within microseconds of being created; one still empty (or holding
 * no pid) after this long was left by a process that died in between, or by a full disk.
 */
export const EMPTY_STALE_AFTER_MS = 3_000;
const GIVE_UP_AFTER_MS = 60_000;

/** Time and liveness, injectable so tests need not wait in real time. */
export interface LockEnvironment {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  isAlive: (pid: number) => boolean;
}

const realEnvironment: LockEnvironment = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  isAlive,
};

/**
 * Runs `work` while holding an exclusive lock file next to the data it protects. Works
 * across processes (`xargs -P 8 dmshare send …`) with nothing but O_EXCL.
 */
export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
  environment: Partial<LockEnvironment> = {},
): Promise<T> {
  const env = { ...realEnvironment, ...environment };
  const started = env.now();
  while (!(await tryCreate(lockFile))) {
    if (await breakIfStale(lockFile, env)) continue;
    if (env.now() - started > GIVE_UP_AFTER_MS) {
      throw new DmshareError("unexpected", `Timed out waiting for the lock file ${lockFile}.`, {
        hint: `If no other dmshare is running, delete it: rm '${lockFile}'`,
      });
    }
    await env.sleep(RETRY_MIN_MS + Math.random() * (RETRY_MAX_MS - RETRY_MIN_MS));
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/**
 * Creates the lock file holding our pid; false when another process holds it. A lock that
 * can't be filled in (disk full) is removed again, so no empty lock stays behind.
 */
async function tryCreate(lockFile: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(lockFile, "wx", 0o600);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === "EEXIST") return false;
    if (code === "ENOENT") {
      try {
        await mkdir(path.dirname(lockFile), { recursive: true, mode: 0o700 });
      } catch (failure) {
        throw localFileError(failure, path.dirname(lockFile), "create");
      }
      return tryCreate(lockFile);
    }
    throw localFileError(error, lockFile, "create");
  }
  try {
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(lockFile, { force: true });
    throw localFileError(error, lockFile, "write");
  }
}

/**
 * Removes a lock whose holder died; true when it did. Only one process may do so at a time
 * (a second lock guards it), and it looks again once it holds that guard: otherwise two
 * waiters could both see the dead lock, and the second would remove the first one's fresh
 * lock.
 */
async function breakIfStale(lockFile: string, env: LockEnvironment): Promise<boolean> {
  if (!(await isStale(lockFile, env))) return false;
  const guard = `${lockFile}.break`;
  if (!(await tryCreate(guard))) {
    if (await isStale(guard, env)) await rm(guard, { force: true });
    return false;
  }
  try {
    if (!(await isStale(lockFile, env))) return false;
    await rm(lockFile, { force: true });
    return true;
  } finally {
    await rm(guard, { force: true });
  }
}

/**
 * A lock is stale when its holder is gone (a pid that is not running), when it holds no pid
 * and is older than a few seconds, or when it is older than any holder keeps one.
 */
async function isStale(lockFile: string, env: LockEnvironment): Promise<boolean> {
  try {
    const [info, holder] = await Promise.all([stat(lockFile), readFile(lockFile, "utf8")]);
    const age = env.now() - info.mtimeMs;
    const pid = /^\d+$/.test(holder.trim()) ? Number.parseInt(holder, 10) : Number.NaN;
    if (!(pid > 0)) return age > EMPTY_STALE_AFTER_MS;
    if (pid !== process.pid && !env.isAlive(pid)) return true;
    return age > STALE_AFTER_MS;
  } catch {
    // Gone between our attempt and this look: try again.
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
