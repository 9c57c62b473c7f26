import type { Env } from "../../context.ts";
import { viewOf } from "../../core/links.ts";
import type { RevokeResult } from "../../core/revoke.ts";
import type { LedgerEntry } from "../../store/ledger.ts";
import { errorSummary } from "../../ui/output.ts";
import { safeCell } from "../../ui/table.ts";

/** One line per link handled: revoked, already revoked, or would be (--dry-run). */
export function revokeLine(result: RevokeResult): string {
  // Names and URLs as text only, as `list` shows them (a file name may hold ESC sequences).
  const what = `${result.id} ${safeCell(result.name)}`;
  const files = result.filesDeleted ? " and deleted its files" : "";
  switch (result.outcome) {
    case "would-revoke":
      return `Would revoke ${what}${result.url ? ` (${safeCell(result.url)})` : ""}`;
    case "already-revoked":
      return result.url
        ? `${what} was already revoked${files}`
        : `${what} had no link (its send was interrupted before one was made); marked revoked${files}`;
    case "revoked":
      return `Revoked ${what}${files}`;
  }
}

/** What a failed link is reported as: not revoked, or revoked with its files left. */
export function failurePrefix(entry: LedgerEntry): string {
  const name = safeCell(entry.name);
  return entry.status === "revoked"
    ? `Revoked ${entry.id} ${name}, but could not delete its files (run dmshare revoke ${entry.id} --delete-files again):`
    : `Could not revoke ${entry.id} ${name}:`;
}

/** `--json`: the links handled, then the failed ones with their error. */
export function revokeDocument(
  results: RevokeResult[],
  failures: { entry: LedgerEntry; error: unknown }[],
  now: Date,
  env: Env,
) {
  return [
    ...results,
    ...failures.map(({ entry, error }) => ({
      ...viewOf(entry, now),
      outcome: "failed",
      error: errorSummary(error, env),
    })),
  ];
}

/** The question before several links go: the list, then the y/N line. */
export function confirmationLines(going: LedgerEntry[], what: string): string[] {
  return [
    `These ${going.length} ${what} will go:`,
    ...going.map(
      (entry) => `  ${entry.id}  ${safeCell(entry.name)}  ${safeCell(entry.url ?? "(pending)")}`,
    ),
  ];
}

export function interruptedLine(handled: number, selected: number): string {
  return `Interrupted: ${handled} of ${selected} links were handled (shown above).`;
}
