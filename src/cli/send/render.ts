import type { Env } from "../../context.ts";
import { viewOf } from "../../core/links.ts";
import { sharedWhat } from "../../core/message.ts";
import type { SharePlan } from "../../core/plan.ts";
import type { PreparedPlan, SendOutcome } from "../../core/send/index.ts";
import { localDateTime } from "../../core/time-format.ts";
import { withoutControls } from "../../lib/text.ts";
import { errorSummary } from "../../ui/output.ts";
import { formatBytes } from "../../ui/progress.ts";
import { safeCell } from "../../ui/table.ts";

/** `beach.jpg (2.1 MB, location data removed)`, `album "Lisbon" (3 files, 9 MB)` (callers add "to …"). */
export function describePlan(plan: SharePlan, details: string[] = []): string {
  const bytes = formatBytes(plan.files.reduce((sum, file) => sum + file.bytes, 0));
  // As text only (as list shows names): no escape sequence or bidi override reaches the terminal.
  const name = safeCell(plan.name);
  if (plan.kind === "photo") return `${name} (${[bytes, ...details].join(", ")})`;
  const about = [`${plan.files.length} files`, bytes, ...details].join(", ");
  return `album "${name}" (${about})`;
}

/** ", location data removed" when it was there and is gone; re-encodings said aloud. */
export function describePreparation(plan: PreparedPlan): string[] {
  const parts: string[] = [];
  const cleaned = plan.files.filter((file) => file.preparation.metadata?.locationRemoved).length;
  if (cleaned > 0) {
    parts.push(
      plan.files.length === 1
        ? "location data removed"
        : `location data removed from ${cleaned} of ${plan.files.length}`,
    );
  }
  const reencoded = plan.files.flatMap((file) =>
    file.preparation.reencoded.map((what) =>
      plan.files.length === 1 ? what : `${file.name} ${what}`,
    ),
  );
  parts.push(...reencoded);
  return parts;
}

/** What could not be done to a file: metadata a format keeps, options that did not apply. */
export function preparationNotes(plan: PreparedPlan): string[] {
  return plan.files.flatMap((file) => [
    ...(file.preparation.metadata?.notRemoved
      ? [`${file.name}: ${file.preparation.metadata.notRemoved}`]
      : []),
    ...(file.preparation.metadata?.notes ?? []).map((note) => `${file.name}: ${note}`),
    ...file.preparation.notes,
  ]);
}

/**
 * The messages printed and copied: with several links (`--each`), each says which file it is
 * (`beach.jpg: Here's the photo: …`) unless its wording already names it.
 */
export function labelledMessages(
  links: readonly { name: string; message: string; url: string }[],
): string[] {
  if (links.length < 2) return links.map((link) => link.message);
  // A name inside the URL (Dropbox's end in it) is no label the reader sees.
  return links.map(({ name, message, url }) =>
    message.replaceAll(url, "").includes(name) ? message : `${name}: ${message}`,
  );
}

/** `alice@example.com (Dropbox)`, or `Dropbox` when the provider did not say whose it is. */
export function accountLabel(
  provider: string,
  account: { name: string; email: string | null } | undefined,
): string {
  const who = withoutControls(account?.email || account?.name || "");
  return who ? `${who} (${provider})` : provider;
}

/** Said when the same photos already have a live link that this send reuses. */
export function reusedEarlierLine(plan: SharePlan, earlier: { createdAt: string; id: string }) {
  const what = `${plan.kind === "photo" ? "this" : "these"} ${sharedWhat(plan.kind, plan.files)}`;
  return `Already shared ${what} on ${localDateTime(new Date(earlier.createdAt))} (${earlier.id}): reusing that link (--new-link makes a new one)`;
}

/** `--json`: one object per link made (with its failed files), then one per failed share. */
export function linkDocuments(result: SendOutcome, copied: boolean, now: Date, env: Env) {
  const documents: object[] = result.links.map((link) => ({
    ...viewOf(link.entry, now),
    copied: copied && link.entry.url !== null,
    ...(link.missing && {
      failures: link.missing.map(({ file, error }) => ({
        path: file.path,
        error: errorSummary(error, env),
      })),
    }),
  }));
  for (const { plan, error } of result.failures) {
    documents.push({
      kind: plan.kind,
      name: plan.name,
      files: plan.files.map((file) => ({ path: file.path, remotePath: null, bytes: file.bytes })),
      status: "failed",
      error: errorSummary(error, env),
    });
  }
  return documents;
}

/** After `--partial` left files out of the album link. */
export function partialWarning(missing: number): [string, string] {
  return [
    `The link shares the album without ${missing === 1 ? "that file" : `those ${missing} files`} (--partial).`,
    "Send them again on their own, or revoke the link and send the whole album again.",
  ];
}

export function interruptedLine(result: SendOutcome): string {
  return `Interrupted: ${result.links.length} of ${result.plans.length} links were made (shown above); the rest were not sent.`;
}
