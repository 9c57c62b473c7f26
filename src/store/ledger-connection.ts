import { lstat, mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { DmshareError } from "../lib/errors.ts";
import { localFileError, notAFile, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from "./files.ts";
import { prepareSchema } from "./ledger-db.ts";
import { asFileSystemError, isBusyDatabase, isCorruptDatabase, loadSqlite } from "./sqlite.ts";

/**
 * Open databases, one per file, kept for the life of the process: opening and closing for
 * each change would cost a checkpoint (and its fsyncs) every time. Closed when the command
 * ends (src/main.ts's run); a killed process leaves SQLite's -wal and -shm files, which the next
 * open takes up.
 */
const connections = new Map<string, DatabaseSync>();

/** Closes every open ledger (as at exit): SQLite then folds its log back into the file. */
export function closeLedgers() {
  for (const db of connections.values()) {
    try {
      db.close();
    } catch {
      // Already closed, or busy: the next open recovers whatever is left.
    }
  }
  connections.clear();
}

/** How long a command waits for another dmshare that is writing (each write takes milliseconds). */
const BUSY_TIMEOUT_MS = 60_000;

/**
 * Whether `file` exists; anything but a regular file (a directory, a FIFO that SQLite would
 * block on, a device) is refused with a clear error.
 */
async function exists(file: string): Promise<boolean> {
  let info: Awaited<ReturnType<typeof lstat>>;
  try {
    info = await lstat(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw localFileError(error, file, "read");
  }
  if (info.isFile() || info.isSymbolicLink()) return true;
  throw notAFile(file, info);
}

/**
 * Opens the ledger database `file` (the process's open one when there is), calling `migrate`
 * when the old ledger.json is there; null for a read when there is neither. A database this
 * call created and could not set up (a full disk) is removed again.
 */
export async function connectLedger(
  file: string,
  legacyFile: string,
  action: "read" | "write",
  migrate: (db: DatabaseSync) => Promise<void>,
): Promise<DatabaseSync | null> {
  const [{ DatabaseSync }, hadDatabase, hadLegacy] = await Promise.all([
    loadSqlite(),
    exists(file),
    exists(legacyFile),
  ]);
  const open = connections.get(file);
  if (open && hadDatabase) {
    if (hadLegacy)
      await migrate(open).catch((error) => Promise.reject(ledgerFailure(file, error, "write")));
    return open;
  }
  if (open) {
    // Moved away or deleted meanwhile: this connection holds a file that is no longer it.
    connections.delete(file);
    try {
      open.close();
    } catch {}
  }
  if (action === "read" && !hadDatabase && !hadLegacy) return null;
  if (!hadDatabase) await createPrivateFile(file);
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file, { timeout: BUSY_TIMEOUT_MS });
    if (prepareSchema(db) === "newer") throw newer(file);
    if (hadLegacy) await migrate(db);
    // Another call of this process opened it meanwhile: one connection is enough.
    const other = connections.get(file);
    if (other) {
      db.close();
      return other;
    }
    connections.set(file, db);
    return db;
  } catch (error) {
    db?.close();
    if (!hadDatabase) await removeDatabase(file);
    throw ledgerFailure(file, error, "write");
  }
}

/** The database file is made by dmshare first, so that it (and SQLite's -wal, -shm) is 0600. */
export async function createPrivateFile(file: string) {
  const dir = path.dirname(file);
  try {
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (error) {
    throw localFileError(error, dir, "create the folder");
  }
  try {
    await (await open(file, "a", PRIVATE_FILE_MODE)).close();
  } catch (error) {
    throw localFileError(error, file, "create");
  }
}

async function removeDatabase(file: string) {
  for (const suffix of ["", "-wal", "-shm", "-journal"]) {
    await rm(`${file}${suffix}`, { force: true }).catch(() => undefined);
  }
}

/** What the user sees when the database `file` can't be used. */
export function ledgerFailure(file: string, error: unknown, action: "read" | "write"): unknown {
  if (error instanceof DmshareError) return error;
  if (isCorruptDatabase(error)) {
    // Not a bug in dmshare: a disk fault, a restore, another program. The user's to repair.
    return new DmshareError(
      "usage",
      `The link ledger ${file} is corrupt: ${(error as Error).message}.`,
      {
        hint:
          `dmshare will not overwrite it. Move it aside and start a new one:\n` +
          `  mv '${file}' '${file}.corrupt'\n` +
          `The links it listed keep working; revoke them from your provider's website, or recover what sqlite3 '${file}.corrupt' .recover can read and bring it in with dmshare import.`,
        cause: error,
      },
    );
  }
  if (isBusyDatabase(error)) {
    return new DmshareError(
      "unexpected",
      `Timed out waiting for the link ledger ${file}: another dmshare kept it busy.`,
      {
        hint: "Wait for the other dmshare commands to end, then run this one again.",
        cause: error,
      },
    );
  }
  return localFileError(asFileSystemError(error), file, action);
}

function newer(file: string) {
  return new DmshareError("usage", `The link ledger ${file} was made by a newer dmshare.`, {
    hint: "Update dmshare (npm install -g dmshare) to use it; this version leaves it as it is.",
  });
}

let empty: DatabaseSync | undefined;

/** An in-memory ledger with no entries, for reads when there is no ledger yet. */
export async function emptyDatabase(): Promise<DatabaseSync> {
  const { DatabaseSync } = await loadSqlite();
  empty ??= new DatabaseSync(":memory:");
  prepareSchema(empty);
  return empty;
}
