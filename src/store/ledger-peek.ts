import { stat } from "node:fs/promises";
import type { DatabaseSync } from "node:sqlite";
import { SUMMARY_COLUMNS, summaryOfRow } from "./ledger-db.ts";
import type { LinkSummary } from "./ledger-entry.ts";
import { loadSqlite } from "./sqlite.ts";

/** How long a peek waits for a ledger another process holds: a Tab press must not hang. */
const PEEK_TIMEOUT_MS = 100;

/** At most this many rows: more would not fit any completion menu. */
const PEEK_LIMIT = 500;

/** What a peek reads: the links whose stored status is active, or every album link. */
export type PeekKind = "active" | "albums";

const QUERIES: Record<PeekKind, string> = {
  active: `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE usable = 1 AND status = 'active' ORDER BY created_at DESC LIMIT ${PEEK_LIMIT}`,
  albums: `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE usable = 1 AND kind = 'album' ORDER BY created_at DESC LIMIT ${PEEK_LIMIT}`,
};

/**
 * The newest summaries of `kind` in the ledger database `file`, for shell completion: opened
 * read-only, never created, migrated or waited on for long. Whatever goes wrong (no ledger, a
 * ledger another dmshare holds locked, a damaged or newer one, not a file at all) gives [],
 * so a Tab press never prints an error into the command line being typed.
 */
export async function peekSummaries(file: string, kind: PeekKind): Promise<LinkSummary[]> {
  let db: DatabaseSync | undefined;
  try {
    // A FIFO or a device under that name would block SQLite's open: regular files only.
    if (!(await stat(file)).isFile()) return [];
    const { DatabaseSync } = await loadSqlite();
    db = new DatabaseSync(file, { readOnly: true, timeout: PEEK_TIMEOUT_MS });
    return db.prepare(QUERIES[kind]).all().map(summaryOfRow);
  } catch {
    return [];
  } finally {
    try {
      db?.close();
    } catch {}
  }
}
