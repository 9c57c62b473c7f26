import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import path from "node:path";
import { DmshareError } from "../errors.ts";

const RETRY_MIN_MS = 5;
const RETRY_MAX_MS = 40;
/** A holder keeps the lock for milliseconds; one this old belongs to a process that died. */
const STALE_AFTER_MS = 30_000;
const GIVE_UP_AFTER_MS = 60_000;

/**
 * Runs `work` while holding an exclusive lock file next to the data it protects. Works
 * across processes (`xargs -P 8 dmshare send …`) with nothing but O_EXCL.
 */
export async function withFileLock<T>(lockFile: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  while (!(await tryCreate(lockFile))) {
    await breakIfStale(lockFile);
    if (Date.now() - started > GIVE_UP_AFTER_MS) {
      throw new DmshareError("unexpected", `Timed out waiting for the lock file ${lockFile}.`, {
        hint: `If no other dmshare is running, delete it: rm '${lockFile}'`,
      });
    }
    await sleep(RETRY_MIN_MS + Math.random() * (RETRY_MAX_MS - RETRY_MIN_MS));
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** Creates the lock file holding our pid; false when another process holds it. */
async function tryCreate(lockFile: string): Promise<boolean> {
  try {
    const handle = await open(lockFile, "wx", 0o600);
    try {
      await handle.writeFile(String(process.pid));
    } finally {
      await handle.close();
    }
    return true;
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === "ENOENT") {
      await mkdir(path.dirname(lockFile), { recursive: true, mode: 0o700 });
      return tryCreate(lockFile);
    }
    if (code === "EEXIST") return false;
    throw error;
  }
}

/**
 * Removes a lock whose holder died. Only one process may do so at a time (a second lock
 * guards it), and it looks again once it holds that guard: otherwise two waiters could
 * both see the dead lock, and the second would remove the first one's fresh lock.
 */
async function breakIfStale(lockFile: string): Promise<void> {
  if (!(await isStale(lockFile))) return;
  const guard = `${lockFile}.break`;
  if (!(await tryCreate(guard))) {
    if (await isStale(guard)) await rm(guard, { force: true });
    return;
  }
  try {
    if (await isStale(lockFile)) await rm(lockFile, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

async function isStale(lockFile: string): Promise<boolean> {
  try {
    const [info, holder] = await Promise.all([stat(lockFile), readFile(lockFile, "utf8")]);
    const pid = Number.parseInt(holder, 10);
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)) return true;
    return Date.now() - info.mtimeMs > STALE_AFTER_MS;
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
