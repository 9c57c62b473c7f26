import { withoutControls } from "../lib/text.ts";
import { identityOfLink, linkProblem } from "../providers/link-identity.ts";
import type { LinkState, LiveLink, ProviderLink, ProviderName } from "../providers/provider.ts";
import { type LedgerEntry, newLinkId } from "../store/ledger.ts";
import type { PendingOwner } from "../store/owner.ts";
import { identityOf, keyOfLive, listedAmong } from "./link-match.ts";
import { humanSpan } from "./time-format.ts";

/**
 * A pending entry with no recorded owner (made before owners were recorded) younger than
 * this may belong to a send still uploading, so sync does not clean it up (it still
 * completes it once its link exists: that is safe at any age). An entry with an owner is
 * left alone while that send runs or its heartbeat is fresh.
 */
export const PENDING_GRACE_MS = 60 * 60_000;

/**
 * `revoked`: the link no longer works at the provider (removed or its files deleted there).
 * `completed`: a pending entry whose link exists: now active, with its URL.
 * `cleaned`: a pending entry with no link: its uploaded files are deleted, the entry removed.
 * `adopted`: a link in dmshare's folder the ledger did not know: now a ledger entry.
 */
export type SyncChangeKind = "revoked" | "completed" | "cleaned" | "adopted";

export interface SyncChange {
  change: SyncChangeKind;
  /** The entry as it is after the change (as it was, for `cleaned`: it is gone). */
  entry: LedgerEntry;
  /** Why, in words for the person reading. */
  reason: string;
}

/** What the provider holds, and the ledger's entries for it: all reconcile() looks at. */
export interface ReconcileInput {
  provider: ProviderName;
  /** The provider's name for people ("Dropbox"). */
  label: string;
  /** Whether the provider can delete what dmshare uploaded (else a cleaned upload stays). */
  deleteFiles: boolean;
  /** The ledger's entries for this provider. */
  entries: readonly LedgerEntry[];
  /** The links the provider listed in dmshare's folder (any: untrusted ones are ignored). */
  listed: readonly ProviderLink[];
  /** What the provider said about each entry it was asked about (see needsLinkState), by id. */
  states: ReadonlyMap<string, LinkState | null>;
  now: Date;
  /** Whether the send that recorded a pending entry is still at work, and why (store/owner). */
  ownerState: (owner: PendingOwner) => { busy: boolean; why: string };
  /** A new ledger id, for adopted links. */
  newId?: () => string;
}

export interface Reconciliation {
  /** Ledger entries compared with the provider. */
  checked: number;
  changes: SyncChange[];
  /** Pending entries left alone: they may belong to a send still running. */
  waiting: { entry: LedgerEntry; reason: string }[];
  /** Uploads of cleaned entries to delete at the provider (when it can delete). */
  deletions: NonNullable<LedgerEntry["target"]>[];
}

/** The links a provider listed that dmshare can trust (https, the provider's own host…). */
export const trustedLinks = <Link extends LiveLink>(
  provider: ProviderName,
  links: readonly Link[],
): Link[] => links.filter((link) => linkProblem(provider, link.url) === null);

/**
 * Whether reconcile() needs the provider's word on this entry's item (LinkState): every live
 * or pending entry with an upload, except an active one the listing already shows.
 */
export function needsLinkState(
  entry: LedgerEntry,
  provider: ProviderName,
  listed: readonly ProviderLink[],
): boolean {
  if (entry.status !== "active" && entry.status !== "pending") return false;
  if (!entry.target) return false;
  return !(
    entry.status === "active" && listedAmong(entry, trustedLinks(provider, listed)) === "yes"
  );
}

/**
 * What `dmshare sync` decides for one provider, from the ledger's entries and what the
 * provider listed and said about each item (DESIGN.md §2): no I/O, so each branch is tested
 * on its own. The caller asks the provider, deletes `deletions`, and writes `changes`.
 */
export function reconcile(input: ReconcileInput): Reconciliation {
  const { entries, label, now } = input;
  const result: Reconciliation = { checked: 0, changes: [], waiting: [], deletions: [] };
  const stamp = now.toISOString();
  // Links are compared by what the provider identifies them by: the same link may be listed
  // as `…&dl=0&e=1` today and was recorded as `…&dl=0`.
  const listed = trustedLinks(input.provider, input.listed);

  for (const entry of entries) {
    if (entry.status !== "active" && entry.status !== "pending") continue;
    result.checked += 1;
    if (entry.status === "active" && listedAmong(entry, listed) === "yes") continue;
    const state = (entry.target && input.states.get(entry.id)) || null;
    if (entry.status === "active") {
      const revoked = revokedChange(entry, state, label, stamp);
      if (revoked) result.changes.push(revoked);
      continue;
    }
    pendingDecision(input, entry, state, result);
  }

  // Links in dmshare's folder that no entry knows (by the link's id, or the item it shares).
  const known = new Set(
    entries
      .flatMap((entry) => [linkKeyText(identityOf(entry)), entry.target?.remoteId])
      .filter(Boolean),
  );
  for (const link of listed) {
    const key = linkKeyText(keyOfLive(link));
    if (!key || known.has(key) || known.has(link.target.remoteId)) continue;
    known.add(key);
    result.changes.push({
      change: "adopted",
      entry: adoptedEntry(input.provider, link, stamp, input.newId ?? newLinkId),
      reason: `a link to ${link.target.remotePath} at ${label} that the ledger did not know`,
    });
  }
  return result;
}

/**
 * An active entry is revoked only when the provider says so: the item is gone, or it lists
 * the item's links and this one is not among them (an entry whose link can't be identified
 * stays).
 */
function revokedChange(
  entry: LedgerEntry,
  state: LinkState | null,
  label: string,
  stamp: string,
): SyncChange | undefined {
  if (!state) return undefined;
  if (state.item !== "gone" && listedAmong(entry, state.links) !== "no") return undefined;
  return {
    change: "revoked",
    entry: { ...entry, status: "revoked", revokedAt: stamp },
    reason:
      state.item === "gone"
        ? `its ${entry.kind === "album" ? "album folder was" : "file was"} deleted at ${label}`
        : `the link was removed at ${label}`,
  };
}

/** A pending entry: the send stopped between recording its intent and recording the link. */
function pendingDecision(
  input: ReconcileInput,
  entry: LedgerEntry,
  state: LinkState | null,
  result: Reconciliation,
): void {
  const { label, now } = input;
  const [link] = trustedLinks(input.provider, state?.links ?? []);
  if (link) {
    const expiresAt = entry.expiresAt ?? link.expiresAt?.toISOString() ?? null;
    result.changes.push({
      change: "completed",
      entry: {
        ...entry,
        url: link.url,
        link: { ...entry.link, ...identityOfLink(link.url, entry.target?.remoteId) },
        status: "active",
        owner: undefined,
        expiresAt,
        ...(expiresAt && { expiryEnforcedBy: link.expiresAt ? "provider" : "dmshare" }),
      },
      reason: `the link exists at ${label}`,
    });
    return;
  }
  if ((state?.links ?? []).length > 0) {
    // Links are listed, none of them one dmshare can trust (no https, another host…): a
    // link may well exist, so the entry is neither completed nor cleaned away.
    result.waiting.push({
      entry,
      reason: `${label} lists a link for it that dmshare can't trust; run dmshare revoke ${entry.id} to stop whatever link it has`,
    });
    return;
  }
  const age = now.getTime() - Date.parse(entry.createdAt);
  // The send that owns it says whether it is still at work; entries from before owners
  // were recorded have only their age to go by.
  const owner = entry.owner ? input.ownerState(entry.owner) : undefined;
  if (owner ? owner.busy : age < PENDING_GRACE_MS) {
    result.waiting.push({
      entry,
      reason: `started ${humanSpan(age)} ago and ${owner?.why ?? "may still be sending"}; sync again later, or run dmshare revoke ${entry.id}`,
    });
    return;
  }
  const uploaded = entry.target && state?.item === "present";
  if (uploaded && input.deleteFiles && entry.target) result.deletions.push(entry.target);
  result.changes.push({
    change: "cleaned",
    entry,
    reason: uploaded
      ? input.deleteFiles
        ? `no link was made; the uploaded ${entry.kind === "album" ? "album" : "file"} was deleted from ${label}`
        : `no link was made; the upload stays private in ${label}`
      : "no link was made (the send stopped before it recorded an upload)",
  });
}

/** A link's identity as one string, for sets; undefined when it has none. */
export const linkKeyText = (identity: { key?: string; secret?: string } | undefined) =>
  identity?.key ? `${identity.key}?${identity.secret ?? ""}` : undefined;

function adoptedEntry(
  provider: ProviderName,
  link: ProviderLink,
  stamp: string,
  newId: () => string,
): LedgerEntry {
  const expiresAt = link.expiresAt?.toISOString() ?? null;
  return {
    id: newId(),
    provider,
    kind: link.kind,
    // A name from the server: printed later, so without control characters.
    name: withoutControls(link.name),
    url: link.url,
    link: identityOfLink(link.url, link.target.remoteId),
    message: null,
    target: link.target,
    // The local files behind it are not known: only what the provider holds.
    files: [],
    // When the provider says the item was uploaded; else when it was adopted.
    createdAt: link.uploadedAt?.toISOString() ?? stamp,
    expiresAt,
    ...(expiresAt && { expiryEnforcedBy: "provider" as const }),
    revokedAt: null,
    status: "active",
    adoptedAt: stamp,
  };
}
