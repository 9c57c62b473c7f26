import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type { LinkSummary } from "./ledger-entry.ts";
import { entryProblem, idOf, type LedgerEntry, sizesKeyOf } from "./ledger-entry.ts";

/** Bumped when the schema changes; PRAGMA user_version holds it. */
const SCHEMA_VERSION = 1;

/**
 * One row per ledger entry. `body` is the entry as JSON, exactly what export prints; the
 * other columns are copies of its fields for the queries that must not read every entry
 * (a send looks for the same sizes, a prune for what is due, a revoke for one id). Entries
 * dmshare can't use (`usable = 0`, migrated from a hand-edited ledger.json) keep their text
 * as it was and are never dropped.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  seq INTEGER PRIMARY KEY,
  id TEXT,
  usable INTEGER NOT NULL,
  problem TEXT,
  provider TEXT,
  kind TEXT,
  name TEXT,
  url TEXT,
  status TEXT,
  created_at TEXT,
  expires_at TEXT,
  expiry_by TEXT,
  expires_ms REAL,
  sizes TEXT,
  body TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS entries_by_id ON entries(id) WHERE usable = 1;
CREATE INDEX IF NOT EXISTS entries_newest_first ON entries(created_at DESC, seq);
CREATE INDEX IF NOT EXISTS entries_to_prune ON entries(expires_ms)
  WHERE expiry_by = 'dmshare' AND status = 'active' AND usable = 1;
CREATE INDEX IF NOT EXISTS entries_by_sizes ON entries(provider, sizes);
CREATE INDEX IF NOT EXISTS entries_unusable ON entries(seq) WHERE usable = 0;
`;

/** Runs `work` in one write transaction: all of it is saved, or (error, kill -9) none of it. */
export function inTransaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

/** Sets a new or older database up: the table, its indexes, write-ahead logging. */
export function prepareSchema(db: DatabaseSync) {
  db.exec("PRAGMA synchronous = FULL");
  const version = () => Number(db.prepare("PRAGMA user_version").get()?.user_version ?? 0);
  if (version() < SCHEMA_VERSION) {
    inTransaction(db, () => {
      // Another process may have made it while this one waited for the write lock.
      if (version() >= SCHEMA_VERSION) return;
      db.exec(SCHEMA);
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    });
  }
  if (version() > SCHEMA_VERSION) return "newer";
  const mode = db.prepare("PRAGMA journal_mode").get()?.journal_mode;
  if (mode !== "wal") db.exec("PRAGMA journal_mode = WAL");
  return "ok";
}

/** The columns of a row, in the order of ROW_COLUMNS. */
export function rowOf(entry: LedgerEntry): SQLInputValue[] {
  const expiresMs = entry.expiresAt === null ? null : Date.parse(entry.expiresAt);
  return [
    entry.id,
    1,
    null,
    entry.provider,
    entry.kind,
    entry.name,
    entry.url,
    entry.status,
    entry.createdAt,
    entry.expiresAt,
    entry.expiryEnforcedBy ?? null,
    expiresMs === null || Number.isNaN(expiresMs) ? null : expiresMs,
    sizesKeyOf(entry.kind, entry.files),
    JSON.stringify(entry),
  ];
}

const ROW_COLUMNS =
  "id, usable, problem, provider, kind, name, url, status, created_at, expires_at, expiry_by, expires_ms, sizes, body";

export const insertEntry = (db: DatabaseSync, entry: LedgerEntry) =>
  db
    .prepare(`INSERT INTO entries (${ROW_COLUMNS}) VALUES (${"?, ".repeat(13)}?)`)
    .run(...rowOf(entry));

export const replaceEntry = (db: DatabaseSync, entry: LedgerEntry) => {
  const [, , , ...rest] = rowOf(entry);
  db.prepare(
    `UPDATE entries SET provider = ?, kind = ?, name = ?, url = ?, status = ?, created_at = ?,
     expires_at = ?, expiry_by = ?, expires_ms = ?, sizes = ?, body = ? WHERE id = ? AND usable = 1`,
  ).run(...rest, entry.id);
};

/** Keeps a raw entry dmshare can't use, as it was, with why. */
const insertUnusable = (db: DatabaseSync, raw: unknown, problem: string) =>
  db
    .prepare("INSERT INTO entries (id, usable, problem, body) VALUES (?, 0, ?, ?)")
    .run(idOf(raw) || null, problem, JSON.stringify(raw));

export const SUMMARY_COLUMNS =
  "id, provider, kind, name, url, created_at, expires_at, expiry_by, status";

/** A row of SUMMARY_COLUMNS as what `list` shows. */
export function summaryOfRow(row: Record<string, SQLInputValue>): LinkSummary {
  return {
    id: row.id as string,
    provider: row.provider as string,
    kind: row.kind as LinkSummary["kind"],
    name: row.name as string,
    url: row.url as string | null,
    createdAt: row.created_at as string,
    expiresAt: row.expires_at as string | null,
    expiryEnforcedBy: (row.expiry_by ?? undefined) as LinkSummary["expiryEnforcedBy"],
    status: row.status as LinkSummary["status"],
  };
}

export interface MergeReport {
  /** Entries that were not in the ledger and now are. */
  added: number;
  /** Entries the ledger already held, the same. */
  same: number;
  /** Entries whose id the ledger already held with other contents: the ledger's were kept. */
  kept: string[];
  /** Entries dmshare can't use, kept aside as they are. */
  unusable: number;
}

/**
 * Adds `raws` to the ledger (inside the caller's transaction), never dropping or changing an
 * entry already there. Running it twice on the same entries adds nothing the second time, so
 * a migration that was killed before it could set the old file aside is simply run again.
 */
export function mergeEntries(
  db: DatabaseSync,
  raws: readonly unknown[],
  options: { keepConflicts: boolean },
): MergeReport {
  const report: MergeReport = { added: 0, same: 0, kept: [], unusable: 0 };
  const byId = db.prepare("SELECT body FROM entries WHERE id = ? AND usable = 1");
  const sameUnusable = db.prepare("SELECT 1 AS found FROM entries WHERE usable = 0 AND body = ?");
  for (const raw of raws) {
    const problem = entryProblem(raw);
    const body = JSON.stringify(raw);
    const existing = problem === null ? byId.get((raw as LedgerEntry).id) : undefined;
    if (problem === null && existing === undefined) {
      insertEntry(db, raw as LedgerEntry);
      report.added++;
    } else if (existing !== undefined && existing.body === body) {
      report.same++;
    } else if (sameUnusable.get(body) !== undefined) {
      report.same++;
    } else if (problem !== null) {
      insertUnusable(db, raw, problem);
      report.unusable++;
    } else {
      // The same id with other contents: the ledger's entry stays as it is. A migration keeps
      // the other record aside too (a ledger.json holding one id twice loses neither).
      if (options.keepConflicts) insertUnusable(db, raw, "another entry has the same id");
      report.kept.push((raw as LedgerEntry).id);
    }
  }
  return report;
}
