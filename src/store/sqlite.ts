import type { DatabaseSync } from "node:sqlite";
import { DmshareError } from "../lib/errors.ts";

type SqliteModule = typeof import("node:sqlite");

/**
 * Node's built-in SQLite, loaded on first use. (Node 22 warns that it is experimental as it
 * loads: bin/dmshare.js holds that one warning back, users can do nothing about it.)
 */
export const loadSqlite = (): Promise<SqliteModule> => import("node:sqlite");

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
