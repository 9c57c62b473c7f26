import { link, rm, stat } from "node:fs/promises";
import type { DatabaseSync } from "node:sqlite";
import { DmshareError } from "../lib/errors.ts";
import { localFileError, readTextIfExists } from "./files.ts";
import { inTransaction, type MergeReport, mergeEntries } from "./ledger-db.ts";

/** The entries of a ledger document (`{"version": 1, "entries": […]}`), or why it is not one. */
export function entriesOfDocument(text: string): unknown[] | string {
  let document: { version?: unknown; entries?: unknown } | undefined;
  try {
    document = JSON.parse(text);
  } catch {
    return "it is not valid JSON";
  }
  if (document?.version !== 1 || !Array.isArray(document.entries)) {
    return "it is not a dmshare ledger (version 1 with a list of entries)";
  }
  return document.entries;
}

/** `ledger.json.bak-20261206T073038Z`: where the old file goes once its entries moved. */
export const backupNameOf = (legacyFile: string, now: Date) =>
  `${legacyFile}.bak-${now.toISOString().replace(/[-:]|\.\d+/g, "")}`;

/**
 * Moves the entries of the ledger.json of dmshare 0.1 into the database, then renames the old
 * file to a backup beside it (the old list index goes). Nothing is lost whatever stops it: the
 * entries are merged in one transaction, which a second run finds already there, and the old
 * file is only set aside once they are saved. Null when there was no old file.
 */
export async function migrateLegacyLedger(
  db: DatabaseSync,
  legacyFile: string,
  now: Date,
): Promise<{ report: MergeReport; backup: string } | null> {
  const text = await readTextIfExists(legacyFile);
  if (text === null) return null;
  const entries = entriesOfDocument(text);
  if (typeof entries === "string") {
    throw new DmshareError("usage", `The link ledger ${legacyFile} is corrupt: ${entries}.`, {
      hint:
        `dmshare will not overwrite it, nor move it into its new ledger. Move it aside:\n` +
        `  mv '${legacyFile}' '${legacyFile}.corrupt'\n` +
        `The links it listed keep working; revoke them from your provider's website, or repair the JSON and move it back (dmshare then takes its links over).`,
    });
  }
  const report = inTransaction(db, () => mergeEntries(db, entries, { keepConflicts: true }));
  const backup = await setAside(legacyFile, now);
  await rm(legacyFile.replace(/\.json$/, ".index.json"), { force: true }).catch(() => undefined);
  return { report, backup };
}

/**
 * Renames `file` to a backup name nobody has taken (a hard link, then the unlink: never over
 * another backup). Another process that migrated the same file first already moved it.
 */
async function setAside(file: string, now: Date): Promise<string> {
  const base = backupNameOf(file, now);
  for (let attempt = 1; ; attempt++) {
    const backup = attempt === 1 ? base : `${base}-${attempt}`;
    try {
      await link(file, backup);
    } catch (error) {
      const { code } = error as NodeJS.ErrnoException;
      if (code === "EEXIST" && attempt < 100) continue;
      if (code === "ENOENT") return backup;
      throw localFileError(error, backup, "write");
    }
    try {
      // Only this process's link may go: the file must still be the one just linked.
      const [original, copy] = await Promise.all([stat(file), stat(backup)]);
      if (original.ino === copy.ino) await rm(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw localFileError(error, file, "move");
      }
    }
    return backup;
  }
}
