import path from "node:path";
import type { Ctx } from "../context.ts";
import { usageError } from "../lib/errors.ts";
import { providerNames } from "../providers/catalog.ts";
import { readTextIfExists } from "../store/files.ts";
import { entryProblem, idOf, type LedgerEntry, type MergeReport } from "../store/ledger.ts";
import { entriesOfDocument } from "../store/ledger-migrate.ts";
import { openLedger } from "./session.ts";

/**
 * The whole ledger as one JSON document, `{"version": 1, "entries": […]}` (the format of the
 * ledger.json of dmshare 0.1, which `import` reads back), a piece at a time: an export of
 * 200 000 links never holds them all in memory. Entries dmshare can't use are in it as stored.
 */
export async function* exportLedger(ctx: Ctx): AsyncGenerator<string> {
  yield '{\n "version": 1,\n "entries": [';
  let first = true;
  for await (const texts of openLedger(ctx).storedTexts()) {
    yield `${first ? "\n  " : ",\n  "}${texts.join(",\n  ")}`;
    first = false;
  }
  yield `${first ? "" : "\n "}]\n}\n`;
}

export interface ImportReport extends MergeReport {
  /** The file read, or "-" for standard input. */
  source: string;
}

/** How many problems an import refusal lists before it says "and N more". */
const SHOWN_PROBLEMS = 10;

/**
 * Adds the links of an exported ledger (a file, or "-" for standard input) that this ledger
 * does not have. Closed world: every entry must be a link record dmshare can use, of a
 * provider it knows, each id once; otherwise nothing is imported and each problem is named.
 * An entry whose id the ledger already has is never replaced: the ledger's stays.
 */
export async function importLedger(ctx: Ctx, source: string): Promise<ImportReport> {
  const text = source === "-" ? await readAll(ctx) : await readFileText(ctx, source);
  const where = source === "-" ? "standard input" : source;
  const entries = entriesOfDocument(text);
  if (typeof entries === "string") {
    throw usageError(
      `Can't import ${where}: ${entries}.`,
      'Nothing was imported. Give a file made by dmshare export (or the ledger.json of an older dmshare): {"version": 1, "entries": [...]}.',
    );
  }
  const problems = problemsOf(entries);
  if (problems.length > 0) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).join("; ");
    const more =
      problems.length > SHOWN_PROBLEMS ? ` and ${problems.length - SHOWN_PROBLEMS} more` : "";
    throw usageError(
      `Can't import ${where}: ${shown}${more}.`,
      "Nothing was imported. Repair or remove those entries in the file, then import it again.",
    );
  }
  const report = await openLedger(ctx).merge(entries as LedgerEntry[]);
  return { ...report, source };
}

/** What is wrong with each entry, by id (or position): invalid, unknown provider, id twice. */
function problemsOf(entries: readonly unknown[]): string[] {
  const known: readonly string[] = providerNames();
  const seen = new Set<string>();
  const problems: string[] = [];
  entries.forEach((raw, index) => {
    const name = idOf(raw) ? `entry ${JSON.stringify(idOf(raw))}` : `entry ${index + 1}`;
    const problem = entryProblem(raw);
    if (problem !== null) {
      problems.push(`${name}: ${problem}`);
      return;
    }
    const entry = raw as LedgerEntry;
    if (!known.includes(entry.provider)) {
      problems.push(
        `${name}: "provider" is ${JSON.stringify(entry.provider)}, not one of ${known.join(", ")}`,
      );
    } else if (seen.has(entry.id)) {
      problems.push(`${name}: the file holds this id twice`);
    }
    seen.add(entry.id);
  });
  return problems;
}

async function readFileText(ctx: Ctx, file: string): Promise<string> {
  const resolved = path.resolve(ctx.cwd, file);
  const text = await readTextIfExists(resolved);
  if (text === null) {
    throw usageError(
      `Can't import ${file}: there is no such file.`,
      "Check the path, or give - to read standard input.",
    );
  }
  return text;
}

async function readAll(ctx: Ctx): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}
