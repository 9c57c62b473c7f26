import { mkdir, open, readFile, rm, stat, utimes } from "node:fs/promises";
import path from "node:path";
import { DmshareError } from "../lib/errors.ts";
import { localFileError } from "./files.ts";

const RETRY_MIN_MS = 5;
const RETRY_MAX_MS = 40;
/**
 * A holder touches its lock file this often while it holds it, so a lock whose file has not
 * changed for STALE_AFTER_MS belongs to a process that died, whatever its pid says: pids are
 * reused (quickly on Windows), so a dead holder's pid may name a live, unrelated process.
 */
export const HEARTBEAT_MS = 5_000;
export const STALE_AFTER_MS = 30_000;
/**
 * A lock file is written within microseconds of being created; one still empty (or holding
 * no pid) after this long was left by a process that died in between, or by a full disk.
 */
export const EMPTY_STALE_AFTER_MS = 3_000;
const GIVE_UP_AFTER_MS = 60_000;

/** Who takes the lock: this process's pid, and how to tell whether another pid runs. */
export interface LockHolder {
  pid: number;
  /** Whether process `pid` runs (signal 0 where there is one; EPERM: another user's, alive). */
  isAlive: (pid: number) => boolean;
}

/** Time, liveness and the heartbeat's timer, injectable so tests need not wait in real time. */
export interface LockEnvironment extends LockHolder {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Calls `tick` every `ms` until the returned function is called; never keeps node running. */
  every: (ms: number, tick: () => void) => () => void;
}

const realTimers: Omit<LockEnvironment, keyof LockHolder> = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};

/**
 * A token no other holder has: time and chance, enough to tell holders apart (it guards
 * nothing). Not node:crypto, which would cost every command its load time.
 */
const newToken = () =>
  `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`.padEnd(16, "0");

/** What a lock file holds: its holder's pid and a token no other holder has. */
const lockText = (pid: number, token: string) => `${pid} ${token}`;

function parseHolder(text: string): { pid: number; token: string | null } {
  const [pidText = "", token] = text.trim().split(/\s+/);
  // A lock of an older dmshare holds the pid alone.
  return {
    pid: /^\d+$/.test(pidText) ? Number.parseInt(pidText, 10) : Number.NaN,
    token: token ?? null,
  };
}

/**
 * Runs `work` while holding an exclusive lock file next to the data it protects. Works
 * across processes (`xargs -P 8 dmshare send …`) with nothing but O_EXCL.
 */
export async function withFileLock<T>(
  lockFile: string,
  work: () => Promise<T>,
  environment: LockHolder & Partial<LockEnvironment>,
): Promise<T> {
  const env: LockEnvironment = { ...realTimers, ...environment };
  const started = env.now();
  const token = newToken();
  while (!(await tryCreate(lockFile, lockText(env.pid, token)))) {
    if (await breakIfStale(lockFile, env)) continue;
    if (env.now() - started > GIVE_UP_AFTER_MS) {
      throw new DmshareError("unexpected", `Timed out waiting for the lock file ${lockFile}.`, {
        hint: `If no other dmshare is running, delete it: rm '${lockFile}'`,
      });
    }
    await env.sleep(RETRY_MIN_MS + Math.random() * (RETRY_MAX_MS - RETRY_MIN_MS));
  }
  const stopHeartbeat = env.every(HEARTBEAT_MS, () => {
    void whenOurs(lockFile, token, () => utimes(lockFile, env.now() / 1000, env.now() / 1000));
  });
  try {
    return await work();
  } finally {
    stopHeartbeat();
    // Only our own lock: one broken as stale (a laptop asleep for an hour) is another's now.
    await whenOurs(lockFile, token, () => rm(lockFile, { force: true }));
  }
}

/** Runs `action` when the lock file still holds our token; a failure of it is ignored. */
async function whenOurs(lockFile: string, token: string, action: () => Promise<void>) {
  const text = await readFile(lockFile, "utf8").catch(() => null);
  if (text === null || parseHolder(text).token !== token) return;
  await action().catch(() => undefined);
}

/**
 * Creates the lock file holding our pid; false when another process holds it. A lock that
 * can't be filled in (disk full) is removed again, so no empty lock stays behind.
 */
async function tryCreate(lockFile: string, text: string): Promise<boolean> {
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
      return tryCreate(lockFile, text);
    }
    throw localFileError(error, lockFile, "create");
  }
  try {
    await handle.writeFile(text);
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
  if (!(await tryCreate(guard, lockText(env.pid, newToken())))) {
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
 * A lock is stale when its holder is gone (a pid that is not running: a reused pid can only
 * make a dead holder look alive, never the reverse), when it holds no pid and is older than a
 * few seconds, or when its holder stopped touching it (dead, its pid reused by another
 * process). Needs no /proc: the holder's `isAlive` (the entry's `process.kill(pid, 0)`, which
 * Node also supports on Windows; EPERM there means a process of another user: alive).
 */
async function isStale(lockFile: string, env: LockEnvironment): Promise<boolean> {
  try {
    const [info, holder] = await Promise.all([stat(lockFile), readFile(lockFile, "utf8")]);
    const age = env.now() - info.mtimeMs;
    const { pid } = parseHolder(holder);
    if (!(pid > 0)) return age > EMPTY_STALE_AFTER_MS;
    if (pid !== env.pid && !env.isAlive(pid)) return true;
    return age > STALE_AFTER_MS;
  } catch {
    // Gone between our attempt and this look: try again.
    return false;
  }
}
