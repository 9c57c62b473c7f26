import { constants, type Stats } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { platform } from "node:os";
import path from "node:path";
import { DmshareError, usageError } from "../lib/errors.ts";

/**
 * Names this process's temp files: a random tag per process (instead of its pid, which this
 * module does not read) and a counter, so no two writers share one. Not node:crypto, which
 * would cost every command its load time; O_EXCL below refuses a clash anyway.
 */
const WRITER = Math.random().toString(36).slice(2, 14).padEnd(12, "0");
let tempFiles = 0;

/** Files dmshare writes hold links and tokens: readable by the user only. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

const busyHint = (file: string) =>
  `Close what holds ${file} open (another dmshare, an editor, a sync or antivirus tool), then run the command again.`;

/** Error codes that mean the local disk or its permissions refused, not a bug in dmshare. */
const LOCAL_CAUSES: Record<string, (file: string) => { what: string; hint: string }> = {
  ENOSPC: (file) => ({
    what: "the disk is full",
    hint: `Free some space on the disk that holds ${path.dirname(file)} (df -h shows it), then run the command again.`,
  }),
  EDQUOT: (file) => ({
    what: "your disk quota is used up",
    hint: `Free some space on the disk that holds ${path.dirname(file)}, then run the command again.`,
  }),
  EACCES: (file) => ({
    what: "permission denied",
    hint: `Make it yours and writable (ls -ld '${path.dirname(file)}' '${file}'), or set DMSHARE_CONFIG_DIR to a folder you own.`,
  }),
  EPERM: (file) => ({
    what: "the operation is not permitted",
    hint: `Make it yours and writable (ls -ld '${path.dirname(file)}' '${file}'), or set DMSHARE_CONFIG_DIR to a folder you own.`,
  }),
  EBUSY: (file) => ({ what: "another program keeps it open", hint: busyHint(file) }),
  EROFS: (file) => ({
    what: "the file system is read-only",
    hint: `Set DMSHARE_CONFIG_DIR (or TMPDIR for temporary copies) to a writable folder; ${path.dirname(file)} is on a read-only disk.`,
  }),
  EISDIR: (file) => ({
    what: "it is a directory, not a file",
    hint: `Move it aside (mv '${file}' '${file}.moved'), then run the command again.`,
  }),
  ENOTDIR: (file) => ({
    what: "a part of its path is a file, not a directory",
    hint: `Check the folders on the way to ${file}, or set DMSHARE_CONFIG_DIR to a folder you own.`,
  }),
  EMFILE: () => ({
    what: "too many files are open",
    hint: "Raise the limit of open files (ulimit -n 4096) and run the command again.",
  }),
  ENFILE: () => ({
    what: "the system has too many files open",
    hint: "Close some programs and run the command again.",
  }),
  EIO: (file) => ({
    what: "the disk reported an input/output error",
    hint: `Check the disk that holds ${path.dirname(file)}.`,
  }),
};

/**
 * What the user sees when the local disk refuses to read or write one of dmshare's own files
 * (ledger, index, config, credentials, locks, temporary copies): which file, why, and what to
 * do. Exit 2, like other bad input: the fix is on the user's machine, not in dmshare. Errors
 * of other kinds are returned as they are.
 */
export function localFileError(
  error: unknown,
  file: string,
  action: string,
  options: { hint?: string } = {},
): unknown {
  if (error instanceof DmshareError) return error;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  const cause = code ? LOCAL_CAUSES[code] : undefined;
  if (!cause) return error;
  const { what, hint } = cause(file);
  return new DmshareError("usage", `Can't ${action} ${file}: ${what} (${code}).`, {
    hint: options.hint ?? hint,
    cause: error,
  });
}

/** Whether `error` is the local disk refusing (full, read-only, no permission…). */
export const isLocalFileFault = (error: unknown) => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && Object.hasOwn(LOCAL_CAUSES, code);
};

/**
 * What writeFileAtomic needs besides creating the temp file: the rename, a way to wait, and the
 * platform (which decides which refusals are worth a retry). Tests give their own.
 */
export interface AtomicWriteSystem {
  platform: NodeJS.Platform;
  rename: (from: string, to: string) => Promise<void>;
  sleep: (ms: number) => Promise<void>;
}

const realAtomicWriteSystem: AtomicWriteSystem = {
  platform: platform(),
  rename,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/**
 * The waits before each new try of a refused rename: about 1.3 s in all. On Windows a rename
 * over a file that another process holds open (a second dmshare reading the ledger, an
 * antivirus or indexer scanning the new file) fails with EPERM, EBUSY or EACCES for a few
 * milliseconds; graceful-fs retries those the same way.
 */
export const RENAME_RETRY_DELAYS_MS = [10, 20, 40, 80, 160, 320, 640];

/** Whether a refused rename may succeed when tried again in a moment. */
function renameMayPass(code: string | undefined, platform: NodeJS.Platform): boolean {
  if (code === "EBUSY") return true;
  // Elsewhere EPERM and EACCES mean a permission the user must change: fail at once.
  return platform === "win32" && (code === "EPERM" || code === "EACCES");
}

/** Renames `from` over `to`, trying again a few times while Windows says the file is busy. */
async function renameRetrying(system: AtomicWriteSystem, from: string, to: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await system.rename(from, to);
    } catch (error) {
      const delay = RENAME_RETRY_DELAYS_MS[attempt];
      const code = (error as NodeJS.ErrnoException).code;
      if (delay === undefined || !renameMayPass(code, system.platform)) throw error;
      await system.sleep(delay);
    }
  }
}

/**
 * Writes through a temp file, fsync and rename, so a reader (or a kill -9) sees either the
 * old file or the new one, never half of one. Whatever fails, no temp file stays behind.
 */
export async function writeFileAtomic(
  file: string,
  contents: string,
  system: Partial<AtomicWriteSystem> = {},
): Promise<void> {
  const here = { ...realAtomicWriteSystem, ...system };
  const dir = path.dirname(file);
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    throw localFileError(error, dir, "create the folder");
  }
  const temp = `${file}.${WRITER}.${++tempFiles}.${Date.now().toString(36)}.tmp`;
  let renameRefused = false;
  try {
    const handle = await open(temp, "wx", PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(contents);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await renameRetrying(here, temp, file).catch((error: unknown) => {
      renameRefused = renameMayPass((error as NodeJS.ErrnoException).code, here.platform);
      throw error;
    });
  } catch (error) {
    await rm(temp, { force: true });
    // On Windows, a rename still refused after the retries means a program holds the file.
    const hint = renameRefused ? busyHint(file) : undefined;
    throw localFileError(error, file, "write", { hint });
  }
}

/** Refuses a path that holds a directory, a FIFO or a device where dmshare keeps a file. */
export function notAFile(file: string, info: Stats): DmshareError {
  const kind = info.isDirectory()
    ? "a directory"
    : info.isFIFO()
      ? "a named pipe (FIFO)"
      : "not a regular file";
  return usageError(
    `Can't read ${file}: it is ${kind}, not a file dmshare wrote.`,
    `Move it aside (mv '${file}' '${file}.moved'), then run the command again.`,
  );
}

/**
 * The file's text, or null when it does not exist. Anything but a regular file (a directory,
 * a FIFO that would block the read forever, a device) is refused with a clear error: it is
 * opened without blocking and checked before a byte is read.
 */
export async function readTextIfExists(file: string): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw localFileError(error, file, "read");
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notAFile(file, info);
    return await handle.readFile("utf8");
  } catch (error) {
    throw localFileError(error, file, "read");
  } finally {
    await handle.close();
  }
}

/** Something loose that was made private again, in words for the user. */
export interface Tightened {
  file: string;
  what: string;
  was: number;
  now: number | null;
}

/**
 * Gives the config folder 0700 and the credentials file 0600 back when they are open to
 * other users (a copied dotfiles folder, a umask of 000, a chmod by hand). The folder is
 * changed only when it is dmshare's, i.e. holds one of `ownFiles` (the ledger, the
 * credentials): a folder the user shares and merely pointed DMSHARE_CONFIG_DIR at is left as
 * it is. Returns what was loose, with `now: null` where it could not be changed (another
 * user's file). POSIX only.
 */
export async function tightenPrivateFiles(
  configDir: string,
  credentialsFile: string,
  ownFiles: readonly string[],
  platform: NodeJS.Platform,
): Promise<Tightened[]> {
  if (platform === "win32") return [];
  const { stat, chmod } = await import("node:fs/promises");
  const found: Tightened[] = [];
  const exists = (file: string) =>
    stat(file).then(
      () => true,
      () => false,
    );
  const wanted: [string, number, string][] = [];
  if ((await Promise.all(ownFiles.map(exists))).some(Boolean)) {
    wanted.push([configDir, PRIVATE_DIR_MODE, "folder"]);
  }
  wanted.push([credentialsFile, PRIVATE_FILE_MODE, "credentials file"]);
  for (const [file, mode, what] of wanted) {
    let was: number;
    try {
      was = (await stat(file)).mode & 0o777;
    } catch {
      continue; // not there (yet): it is made private when it is made
    }
    if ((was & 0o077) === 0) continue;
    try {
      await chmod(file, mode);
      found.push({ file, what, was, now: mode });
    } catch {
      found.push({ file, what, was, now: null });
    }
  }
  return found;
}
