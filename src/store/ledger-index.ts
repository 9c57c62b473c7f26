import { stat } from "node:fs/promises";
import { localFileError, readTextIfExists, writeFileAtomic } from "./files.ts";
import type { LedgerEntry, SkippedEntry } from "./ledger-entry.ts";

/** What `dmshare list` shows of a link. */
export type LinkSummary = Pick<
  LedgerEntry,
  | "id"
  | "provider"
  | "kind"
  | "name"
  | "url"
  | "createdAt"
  | "expiresAt"
  | "expiryEnforcedBy"
  | "status"
>;

/** What `list` shows of a ledger entry. */
export const summaryOf = (entry: LedgerEntry): LinkSummary => ({
  id: entry.id,
  provider: entry.provider,
  kind: entry.kind,
  name: entry.name,
  url: entry.url,
  createdAt: entry.createdAt,
  expiresAt: entry.expiresAt,
  expiryEnforcedBy: entry.expiryEnforcedBy,
  status: entry.status,
});

interface IndexDocument {
  version: 1;
  /** The ledger file this index was made from: identity, size and time of that version. */
  ledger: string;
  links: LinkSummary[];
  /** Entries of the ledger that are not valid link records, for `list` to report. */
  skipped?: SkippedEntry[];
}

/** `ledger.json` → `ledger.index.json`, beside it. */
export const indexPathOf = (ledgerFile: string) =>
  `${ledgerFile.replace(/\.json$/, "")}.index.json`;

/**
 * Which version of the ledger file is on disk. Each write replaces the file by renaming a new
 * one over it, so inode, size and modification time together change with every version; a
 * hand edit or a restored backup changes them too.
 */
async function versionOf(ledgerFile: string): Promise<string | null> {
  try {
    const { ino, size, mtimeNs } = await stat(ledgerFile, { bigint: true });
    return `${ino}:${size}:${mtimeNs}`;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw localFileError(error, ledgerFile, "read");
  }
}

/**
 * Writes the index of `entries`, just saved to `ledgerFile` (under the ledger's lock). It is a
 * cache that readers check against the ledger, so failing to write it loses nothing: `list`
 * then reads the ledger itself.
 */
export async function writeLedgerIndex(
  ledgerFile: string,
  entries: LedgerEntry[],
  skipped: SkippedEntry[] = [],
) {
  try {
    const ledger = await versionOf(ledgerFile);
    if (ledger === null) return;
    const document: IndexDocument = {
      version: 1,
      ledger,
      links: entries.map(summaryOf),
      ...(skipped.length > 0 && { skipped }),
    };
    await writeFileAtomic(indexPathOf(ledgerFile), `${JSON.stringify(document)}\n`);
  } catch {
    // A cache: see above.
  }
}

/**
 * The summaries of the ledger's entries from its index, or null when there is no index or it
 * was made from another version of the ledger (then the ledger itself must be read). A ledger
 * that does not exist has no entries.
 */
export async function readLedgerIndex(
  ledgerFile: string,
): Promise<{ links: LinkSummary[]; skipped: SkippedEntry[] } | null> {
  const ledger = await versionOf(ledgerFile);
  if (ledger === null) return { links: [], skipped: [] };
  let document: Partial<IndexDocument>;
  try {
    // Not a plain file (a FIFO would block a plain read) or unreadable: the ledger answers.
    const text = await readTextIfExists(indexPathOf(ledgerFile));
    if (text === null) return null;
    document = JSON.parse(text);
  } catch {
    return null;
  }
  if (document.version !== 1 || document.ledger !== ledger || !Array.isArray(document.links)) {
    return null;
  }
  return {
    links: document.links,
    skipped: Array.isArray(document.skipped) ? document.skipped : [],
  };
}
