import type { Preparation } from "../../core/prepare.ts";
import type { DryRun, DryRunShare, SendOutcome } from "../../core/send/index.ts";
import { localDateTime } from "../../core/time-format.ts";
import { describePlan, describePreparation } from "./render.ts";

/** Files whose plans read alike are named together, up to this many names. */
const NAMES_SHOWN = 3;

/**
 * `--dry-run` in words: per share, the upload (or the earlier link it would reuse), what is
 * done to each file, then when the links stop working and who ends them. `dmshareEnds` says
 * how dmshare would end links the provider can't expire (the same sentence a real run says).
 */
export function dryRunLines(
  result: SendOutcome,
  providerLabel: string,
  dmshareEnds?: string,
): string[] {
  const { dryRun } = result;
  if (!dryRun) return [];
  const lines = dryRun.shares.flatMap((share) => shareLines(share, dryRun, providerLabel));
  const uploads = dryRun.shares.filter((share) => !share.reuses).length;
  if (uploads > 0 && dryRun.links) lines.push(expiryLine(dryRun, providerLabel, dmshareEnds));
  if (uploads > 0 && !dryRun.links && result.sharingNote) lines.push(result.sharingNote);
  return lines;
}

function shareLines(share: DryRunShare, dryRun: DryRun, providerLabel: string): string[] {
  const { plan, reuses } = share;
  if (reuses) {
    return [
      `Would reuse the live link of ${describePlan(plan)} made ${localDateTime(new Date(reuses.createdAt))} (${reuses.id}), uploading nothing: ${reuses.url ?? ""}`,
      "  (--new-link makes a new one)",
    ];
  }
  const outcome = dryRun.links ? "make a view-only link" : "keep it private (no link)";
  return [
    `Would upload ${describePlan(plan, describePreparation(plan))} to ${providerLabel} and ${outcome}.`,
    ...filePlans(plan.files).map((line) => `  ${line}`),
  ];
}

/** `a.jpg, b.jpg: removes GPS location, camera serial number`; alike files share a line. */
function filePlans(files: readonly { name: string; preparation: Preparation }[]): string[] {
  const byPlan = new Map<string, string[]>();
  for (const file of files) {
    const said = filePlan(file.preparation);
    byPlan.set(said, [...(byPlan.get(said) ?? []), file.name]);
  }
  return [...byPlan].map(([said, names]) => `${namesOf(names)}: ${said}`);
}

function filePlan({ metadata, reencoded, notes }: Preparation): string {
  const parts: string[] = [];
  if (metadata === null) parts.push("sent as it is, metadata and all (--keep-metadata)");
  else if (metadata.notRemoved) parts.push(metadata.notRemoved.replace(/\.$/, ""));
  else if (metadata.removed.length > 0) parts.push(`removes ${metadata.removed.join(", ")}`);
  else parts.push("no location or identifying metadata to remove");
  parts.push(...reencoded, ...(metadata?.notes ?? []), ...notes);
  return parts.map((part) => part.replace(/\.$/, "")).join("; ");
}

const namesOf = (names: string[]) =>
  names.length <= NAMES_SHOWN
    ? names.join(", ")
    : `${names.slice(0, NAMES_SHOWN).join(", ")} and ${names.length - NAMES_SHOWN} more`;

function expiryLine(dryRun: DryRun, providerLabel: string, dmshareEnds?: string): string {
  const several = dryRun.shares.filter((share) => !share.reuses).length > 1;
  if (!dryRun.expiresAt) {
    return `${several ? "The links" : "The link"} would work until you revoke ${several ? "them" : "it"} (dmshare revoke).`;
  }
  const when = localDateTime(dryRun.expiresAt);
  if (dryRun.expiryBy === "provider") {
    return `${several ? "The links" : "The link"} would stop working on ${when}: ${providerLabel} ends ${several ? "them" : "it"}.`;
  }
  return `${providerLabel} can't expire links on this account: ${dmshareEnds ?? `dmshare would revoke ${several ? "them" : "it"} after ${when}.`}`;
}

/** `--dry-run --json`: the same plan as one document. */
export function dryRunDocument(result: SendOutcome) {
  const { dryRun } = result;
  return {
    dryRun: true,
    provider: result.provider,
    expiresAt: dryRun?.expiresAt?.toISOString() ?? null,
    expiryEnforcedBy: dryRun?.expiryBy ?? null,
    shares: (dryRun?.shares ?? []).map(({ plan, reuses }) => ({
      kind: plan.kind,
      name: plan.name,
      action: reuses ? "reuse" : "upload",
      reuses: reuses ? { id: reuses.id, url: reuses.url, createdAt: reuses.createdAt } : null,
      files: plan.files.map((file) => ({
        path: file.path,
        bytes: file.bytes,
        metadata: file.preparation.metadata
          ? {
              removed: file.preparation.metadata.removed,
              locationRemoved: file.preparation.metadata.locationRemoved,
              notRemoved: file.preparation.metadata.notRemoved ?? null,
            }
          : "kept",
        reencoded: file.preparation.reencoded,
        notes: [...(file.preparation.metadata?.notes ?? []), ...file.preparation.notes],
      })),
    })),
  };
}
