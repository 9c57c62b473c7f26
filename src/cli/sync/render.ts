import type { Env } from "../../context.ts";
import { viewOf } from "../../core/links.ts";
import type { SyncChange, SyncReport } from "../../core/sync.ts";
import { errorSummary } from "../../ui/output.ts";

const VERBS: Record<SyncChange["change"], [done: string, would: string]> = {
  revoked: ["Marked revoked", "Would mark revoked"],
  completed: ["Completed", "Would complete"],
  cleaned: ["Cleaned up", "Would clean up"],
  adopted: ["Adopted", "Would adopt"],
};

/** One line per change: `Marked revoked k3x9m2qa beach.jpg: deleted at the provider`. */
export function changeLine({ change, entry, reason }: SyncChange, dryRun: boolean): string {
  const verb = VERBS[change][dryRun ? 1 : 0];
  const url = entry.url && change !== "revoked" ? ` ${entry.url}` : "";
  return `${verb} ${entry.id} ${entry.name}${url}: ${reason}`;
}

/** `--json`: the changes, then the providers that could not be synced. */
export function syncDocument(report: SyncReport, now: Date, env: Env) {
  const changes = report.synced.flatMap((each) => each.changes);
  return [
    ...changes.map(({ change, entry, reason }) => ({ ...viewOf(entry, now), change, reason })),
    ...report.failures.map(({ provider, error }) => ({
      provider,
      change: "failed",
      error: errorSummary(error, env),
    })),
  ];
}

/** A provider whose list already matched. */
export function matchesLine(label: string, checked: number, dryRun: boolean): string {
  return `${label}: the list matches (${checked} ${checked === 1 ? "link" : "links"} checked); nothing ${dryRun ? "would change" : "changed"}.`;
}

export function skippedLine(label: string, entries: number, reason: string): string {
  return `${label}: ${entries} ${entries === 1 ? "link" : "links"} not checked: ${reason}.`;
}
