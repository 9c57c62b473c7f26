import process from "node:process";
import type { DatabaseSync } from "node:sqlite";
import { DmshareError } from "../lib/errors.ts";

type SqliteModule = typeof import("node:sqlite");

let loaded: Promise<SqliteModule> | undefined;

/**
 * Node's built-in SQLite. Node 22 prints "ExperimentalWarning: SQLite is an experimental
 * feature" when it loads; dmshare's users did not ask for node:sqlite and can do nothing about
 * it, so that one warning (and no other) is held back while the module loads. Node 24 prints none.
 */
export function loadSqlite(): Promise<SqliteModule> {
  loaded ??= (async () => {
    const emitWarning = process.emitWarning;
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      const text = typeof warning === "string" ? warning : warning.message;
      const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string })?.type;
      const kind = typeof warning === "string" ? type : warning.name;
      if (kind === "ExperimentalWarning" && /^SQLite is an experimental feature/.test(text)) return;
      (emitWarning as (...args: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    try {
      return await import("node:sqlite");
    } finally {
      process.emitWarning = emitWarning;
    }
  })();
  return loaded;
}

/** SQLite's primary result codes dmshare tells the user about (sqlite.org/rescode.html). */
const LOCAL_CODES: Record<number, string> = {
  8: "EROFS", // SQLITE_READONLY
  10: "EIO", // SQLITE_IOERR
  13: "ENOSPC", // SQLITE_FULL
  14: "EACCES", // SQLITE_CANTOPEN
  23: "EACCES", // SQLITE_AUTH
};

/** The SQLite result code of an error from node:sqlite, or undefined. */
export const sqliteCode = (error: unknown): number | undefined => {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  return typeof errcode === "number" ? errcode & 0xff : undefined;
};

/** SQLITE_CORRUPT or SQLITE_NOTADB: the file is damaged or not a database. */
export const isCorruptDatabase = (error: unknown) => {
  const code = sqliteCode(error);
  return code === 11 || code === 26;
};

/** SQLITE_BUSY / SQLITE_LOCKED: another process held the database past the busy timeout. */
export const isBusyDatabase = (error: unknown) => {
  const code = sqliteCode(error);
  return code === 5 || code === 6;
};

/**
 * An error from node:sqlite as the Node file-system error it amounts to (disk full, read-only,
 * permission…), so localFileError can say it the way it says any other file's; others as they are.
 */
export function asFileSystemError(error: unknown): unknown {
  const code = sqliteCode(error);
  const errno = code === undefined ? undefined : LOCAL_CODES[code];
  if (!errno || error instanceof DmshareError) return error;
  return Object.assign(new Error((error as Error).message, { cause: error }), { code: errno });
}

export type { DatabaseSync };
