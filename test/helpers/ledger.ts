import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { closeLedgers, Ledger, type LedgerEntry } from "../../src/store/ledger.ts";

/** The ledger database in a config dir. */
export const ledgerDb = (configDir: string) => path.join(configDir, "ledger.db");

/**
 * Every entry of the ledger in `configDir` as stored (what `dmshare export` prints), in the
 * order they were added: `{version: 1, entries}`, as the ledger.json of dmshare 0.1 was.
 */
export async function readLedger(
  configDir: string,
): Promise<{ version: 1; entries: LedgerEntry[] }> {
  const entries: LedgerEntry[] = [];
  for await (const texts of new Ledger(ledgerDb(configDir)).storedTexts()) {
    for (const text of texts) entries.push(JSON.parse(text));
  }
  // As a dmshare process does when it ends: nothing of this reader stays open in the folder.
  closeLedgers();
  return { version: 1, entries };
}

/**
 * Holds the ledger's write lock (another dmshare writing, as long as it likes) until the
 * returned function is called: a dmshare that needs to write waits meanwhile.
 */
export function holdLedger(configDir: string): () => void {
  const db = new DatabaseSync(ledgerDb(configDir));
  db.exec("BEGIN IMMEDIATE");
  return () => {
    db.exec("ROLLBACK");
    db.close();
  };
}

/** Changes the stored entries of the ledger in `configDir` as a hand edit would. */
export async function rewriteLedger(
  configDir: string,
  change: (entries: LedgerEntry[]) => void,
): Promise<void> {
  await new Ledger(ledgerDb(configDir)).update(change);
  closeLedgers();
}
