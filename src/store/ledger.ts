import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { connectLedger, emptyDatabase, ledgerFailure } from "./ledger-connection.ts";
import {
  insertEntry,
  inTransaction,
  type MergeReport,
  mergeEntries,
  replaceEntry,
  SUMMARY_COLUMNS,
  summaryOfRow,
} from "./ledger-db.ts";
import type { LedgerEntry, LinkSummary, SkippedEntry } from "./ledger-entry.ts";
import { migrateLegacyLedger } from "./ledger-migrate.ts";

export { closeLedgers } from "./ledger-connection.ts";
export type { MergeReport } from "./ledger-db.ts";
export * from "./ledger-entry.ts";

export interface LedgerOptions {
  /** Told about entries that are skipped because they are not valid link records. */
  onSkipped?: (skipped: SkippedEntry[]) => void;
  /** Run once before the ledger file is first read or written (e.g. to make its folder private). */
  beforeUse?: () => Promise<void>;
  /** Told once the ledger.json of an older dmshare has moved into the database. */
  onMigrated?: (legacyFile: string, backup: string, report: MergeReport) => void;
  now?: () => Date;
}

type Row = Record<string, SQLInputValue>;
const entryOfRow = (row: Row) => JSON.parse(row.body as string) as LedgerEntry;
/**
 * The record of every link dmshare made (DESIGN.md §4), in an SQLite database (Node's
 * built-in node:sqlite): each change is one transaction of a few rows, so its cost does not
 * grow with the number of links, concurrent processes wait for each other (write-ahead log,
 * busy timeout) and a kill -9 loses nothing that was saved nor tears anything. `file` is the
 * database (ledger.db); the ledger.json of an older dmshare beside it is migrated on first use.
 */
export class Ledger {
  readonly file: string;
  /** The one-file JSON ledger of dmshare 0.1, moved into `file` when found. */
  readonly legacyFile: string;
  private readonly options: LedgerOptions;
  private used: Promise<void> | undefined;

  /** `file`: the database; a path ending in .json names the old ledger beside it. */
  constructor(file: string, options: LedgerOptions = {}) {
    const base = file.replace(/\.(json|db)$/, "");
    this.file = `${base}.db`;
    this.legacyFile = `${base}.json`;
    this.options = options;
  }

  private ready(): Promise<void> {
    this.used ??= this.options.beforeUse?.() ?? Promise.resolve();
    return this.used;
  }

  /** The usable entries, oldest first; any others are reported through `onSkipped`. */
  entries(): Promise<LedgerEntry[]> {
    return this.read((db) =>
      this.all(db, "SELECT body FROM entries WHERE usable = 1 ORDER BY seq"),
    );
  }

  /** What `list` shows of every entry, oldest first, without reading whole entries. */
  summaries(): Promise<LinkSummary[]> {
    return this.read((db) => {
      this.reportSkipped(db);
      const rows = db.prepare(
        `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE usable = 1 ORDER BY seq`,
      );
      return rows.all().map(summaryOfRow);
    });
  }

  /**
   * The summaries newest first (like `list`), a batch at a time while the database is read:
   * `list` prints its first rows before it has read the last ones, in bounded memory.
   */
  async *newestFirst(batch = 500): AsyncGenerator<LinkSummary[]> {
    const db = await this.connect("read");
    if (!db) return;
    try {
      this.reportSkipped(db);
      const rows = db
        .prepare(
          `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE usable = 1 ORDER BY created_at DESC, seq`,
        )
        .iterate();
      yield* inBatches(rows, batch, summaryOfRow);
    } catch (error) {
      throw this.failure(error, "read");
    }
  }

  /** Every entry as stored, usable or not, oldest first, as JSON text (`dmshare export`). */
  async *storedTexts(batch = 500): AsyncGenerator<string[]> {
    const db = await this.connect("read");
    if (!db) return;
    try {
      const rows = db.prepare("SELECT body FROM entries ORDER BY seq").iterate();
      yield* inBatches(rows, batch, (row) => row.body as string);
    } catch (error) {
      throw this.failure(error, "read");
    }
  }

  /** The entry with `id`, if any. */
  find(id: string): Promise<LedgerEntry | undefined> {
    return this.read((db) => {
      const row = db.prepare("SELECT body FROM entries WHERE id = ? AND usable = 1").get(id);
      return row ? entryOfRow(row) : undefined;
    });
  }

  /** The entries with these ids (those that exist), oldest first. */
  withIds(ids: readonly string[]): Promise<LedgerEntry[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return this.read((db) =>
      this.all(
        db,
        `SELECT body FROM entries WHERE usable = 1 AND id IN (SELECT value FROM json_each(?)) ORDER BY seq`,
        JSON.stringify(ids),
      ),
    );
  }

  /** The entries whose id starts with one of `prefixes` (how `revoke` names links), oldest first. */
  withIdPrefixes(prefixes: readonly string[]): Promise<LedgerEntry[]> {
    if (prefixes.length === 0) return Promise.resolve([]);
    return this.read((db) => {
      const query = db.prepare(
        "SELECT seq, body FROM entries WHERE usable = 1 AND id >= ? AND id < ? || char(1114111)",
      );
      const found = new Map<number, LedgerEntry>();
      for (const prefix of prefixes) {
        for (const row of query.all(prefix, prefix)) found.set(row.seq as number, entryOfRow(row));
      }
      return [...found.entries()].sort(([a], [b]) => a - b).map(([, entry]) => entry);
    });
  }

  /** The entries of `provider` that hold files of these sizes (same kind): reuse candidates. */
  withSizes(provider: string, sizes: string): Promise<LedgerEntry[]> {
    return this.read((db) =>
      this.all(
        db,
        "SELECT body FROM entries WHERE usable = 1 AND provider = ? AND sizes = ? ORDER BY seq",
        provider,
        sizes,
      ),
    );
  }

  /**
   * The summaries of active links whose expiry dmshare enforces and which is `now` or
   * earlier, soonest expired first. (Ordered by what the index holds: ORDER BY seq made
   * SQLite scan the whole table, 160 ms at 200 000 entries before every command.)
   */
  overdueBy(now: Date): Promise<LinkSummary[]> {
    return this.read((db) =>
      db
        .prepare(
          `SELECT ${SUMMARY_COLUMNS} FROM entries WHERE expires_ms <= ? AND expiry_by = 'dmshare'
           AND status = 'active' AND usable = 1 ORDER BY expires_ms, seq`,
        )
        .all(now.getTime())
        .map(summaryOfRow),
    );
  }

  /**
   * Applies `change` to all the entries and saves what it changed, in one transaction. Reads
   * the whole ledger: the commands use add, patch and remove, which touch one entry.
   */
  update<T>(change: (entries: LedgerEntry[]) => T): Promise<T> {
    return this.write((db) => {
      const rows = db.prepare("SELECT body FROM entries WHERE usable = 1 ORDER BY seq").all();
      const before = new Map(rows.map((row) => [entryOfRow(row).id, row.body as string]));
      const entries = rows.map(entryOfRow);
      const result = change(entries);
      const kept = new Set<string>();
      for (const entry of entries) {
        kept.add(entry.id);
        const was = before.get(entry.id);
        if (was === undefined) insertEntry(db, entry);
        else if (was !== JSON.stringify(entry)) replaceEntry(db, entry);
      }
      const remove = db.prepare("DELETE FROM entries WHERE id = ? AND usable = 1");
      for (const id of before.keys()) if (!kept.has(id)) remove.run(id);
      return result;
    });
  }

  add(entry: LedgerEntry): Promise<void> {
    return this.write((db) => {
      insertEntry(db, entry);
    });
  }

  /** Merges `changes` into the entry with `id`; returns the entry as saved. */
  async patch(id: string, changes: Partial<Omit<LedgerEntry, "id">>): Promise<LedgerEntry> {
    return (await this.patchIf(id, changes, () => true)) as LedgerEntry;
  }

  /**
   * Like patch, unless the entry was revoked meanwhile (`dmshare revoke` in another process
   * while a send was still making the link): then nothing changes and the result is undefined.
   */
  patchUnlessRevoked(
    id: string,
    changes: Partial<Omit<LedgerEntry, "id">>,
  ): Promise<LedgerEntry | undefined> {
    return this.patchIf(id, changes, (entry) => entry.status !== "revoked");
  }

  private patchIf(
    id: string,
    changes: Partial<Omit<LedgerEntry, "id">>,
    wanted: (entry: LedgerEntry) => boolean,
  ): Promise<LedgerEntry | undefined> {
    return this.write((db) => {
      const row = db.prepare("SELECT body FROM entries WHERE id = ? AND usable = 1").get(id);
      if (!row) throw new Error(`Ledger entry ${id} disappeared from ${this.file}.`);
      const entry = entryOfRow(row);
      if (!wanted(entry)) return undefined;
      Object.assign(entry, changes);
      replaceEntry(db, entry);
      return { ...entry };
    });
  }

  remove(id: string): Promise<void> {
    return this.write((db) => {
      db.prepare("DELETE FROM entries WHERE id = ? AND usable = 1").run(id);
    });
  }

  /**
   * Adds entries (validated by the caller) that the ledger does not hold yet, in one
   * transaction; an entry already there stays as it is, whatever the new one says.
   */
  merge(entries: readonly LedgerEntry[]): Promise<MergeReport> {
    return this.write((db) => mergeEntries(db, entries, { keepConflicts: false }));
  }

  private all(db: DatabaseSync, sql: string, ...values: SQLInputValue[]): LedgerEntry[] {
    this.reportSkipped(db);
    return db
      .prepare(sql)
      .all(...values)
      .map(entryOfRow);
  }

  private reportSkipped(db: DatabaseSync) {
    const rows = db.prepare("SELECT seq, id, problem FROM entries WHERE usable = 0").all();
    if (rows.length === 0) return;
    this.options.onSkipped?.(
      rows.map((row) => ({
        id: (row.id as string | null) || `entry ${row.seq}`,
        reason: row.problem as string,
      })),
    );
  }

  /** Runs a query; a ledger that does not exist yet reads as empty (and is not made). */
  private async read<T>(work: (db: DatabaseSync) => T): Promise<T> {
    const db = await this.connect("read");
    return this.run(db ?? (await emptyDatabase()), "read", work);
  }

  /** Runs `work` in one write transaction, making the ledger when it does not exist. */
  private async write<T>(work: (db: DatabaseSync) => T): Promise<T> {
    const db = (await this.connect("write")) as DatabaseSync;
    return this.run(db, "write", (open) => inTransaction(open, () => work(open)));
  }

  private run<T>(db: DatabaseSync, action: "read" | "write", work: (db: DatabaseSync) => T): T {
    try {
      return work(db);
    } catch (error) {
      throw this.failure(error, action);
    }
  }

  private async connect(action: "read" | "write"): Promise<DatabaseSync | null> {
    await this.ready();
    return connectLedger(this.file, this.legacyFile, action, (db) => this.migrate(db));
  }

  private async migrate(db: DatabaseSync) {
    const now = this.options.now?.() ?? new Date();
    const done = await migrateLegacyLedger(db, this.legacyFile, now);
    if (done) this.options.onMigrated?.(this.legacyFile, done.backup, done.report);
  }

  private failure(error: unknown, action: "read" | "write"): unknown {
    return ledgerFailure(this.file, error, action);
  }
}

/** `rows` turned by `each`, `size` at a time: what is read is handed on before the rest is. */
function* inBatches<R, T>(rows: Iterable<R>, size: number, each: (row: R) => T): Generator<T[]> {
  let chunk: T[] = [];
  for (const row of rows) {
    chunk.push(each(row));
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
