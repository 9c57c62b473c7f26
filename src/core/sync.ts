import type { Ctx } from "../context.ts";
import { displayNameOf, findProvider } from "../providers/catalog.ts";
import { deleterOf, listerOf } from "../providers/features.ts";
import { identityOfLink, linkProblem } from "../providers/link-identity.ts";
import type { LinkState, Provider, ProviderLink, ProviderName } from "../providers/provider.ts";
import { type LedgerEntry, newLinkId } from "../store/ledger.ts";
import { ownerProbe, ownerState } from "../store/owner.ts";
import { withoutControls } from "../text.ts";
import { identityOf, keyOfLive, listedAmong } from "./link-match.ts";
import { connectProvider, loggedInProviders, openLedger } from "./session.ts";
import { humanSpan } from "./time-format.ts";

/**
 * A pending entry with no recorded owner (made before owners were recorded) younger than
 * this may belong to a send still uploading, so sync does not clean it up (it still
 * completes it once its link exists: that is safe at any age). An entry with an owner is
 * left alone while that send runs or its heartbeat is fresh.
 */
export const PENDING_GRACE_MS = 60 * 60_000;

export interface SyncRequest {
  /** A provider name or alias; every logged-in provider when absent. */
  provider?: string;
  dryRun: boolean;
}

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

export interface ProviderSync {
  provider: ProviderName;
  /** Ledger entries compared with the provider. */
  checked: number;
  changes: SyncChange[];
  /** Pending entries left alone: they may belong to a send still running. */
  waiting: { entry: LedgerEntry; reason: string }[];
  /** Why nothing was compared (Google Photos has no links). */
  note?: string;
}

export interface SyncReport {
  synced: ProviderSync[];
  /** Providers with ledger entries that could not be checked (not logged in). */
  skipped: { provider: ProviderName; entries: number; reason: string }[];
  failures: { provider: ProviderName; error: unknown }[];
  interrupted: boolean;
}

/** Reconciles the ledger with what each provider reports (DESIGN.md §2, `dmshare sync`). */
export async function sync(ctx: Ctx, request: SyncRequest): Promise<SyncReport> {
  const ledger = openLedger(ctx);
  const inLedger = await ledger.entries();
  let names: ProviderName[];
  const report: SyncReport = { synced: [], skipped: [], failures: [], interrupted: false };
  if (request.provider !== undefined) {
    names = [findProvider(request.provider).name];
  } else {
    names = await loggedInProviders(ctx);
    for (const name of new Set(inLedger.map((entry) => entry.provider as ProviderName))) {
      if (names.includes(name)) continue;
      report.skipped.push({
        provider: name,
        entries: inLedger.filter((entry) => entry.provider === name).length,
        reason: `not logged in (dmshare login ${name})`,
      });
    }
  }
  for (const name of names) {
    if (ctx.signal.aborted) {
      report.interrupted = true;
      break;
    }
    try {
      const provider = await connectProvider(ctx, name);
      report.synced.push(await syncProvider(ctx, provider, request.dryRun));
    } catch (error) {
      if (ctx.signal.aborted) report.interrupted = true;
      report.failures.push({ provider: name, error });
    }
  }
  return report;
}

async function syncProvider(ctx: Ctx, provider: Provider, dryRun: boolean): Promise<ProviderSync> {
  const label = displayNameOf(provider.name);
  const result: ProviderSync = { provider: provider.name, checked: 0, changes: [], waiting: [] };
  if (!provider.capabilities.publicLinks) {
    result.note = `nothing to reconcile: ${label} has no links that dmshare can make or see.`;
    return result;
  }
  const ledger = openLedger(ctx);
  const entries = (await ledger.entries()).filter((entry) => entry.provider === provider.name);
  const now = ctx.now();
  const stamp = now.toISOString();
  // One listing answers for most active links; the rest are asked about one by one. Links are
  // compared by what the provider identifies them by: the same link may be listed as
  // `…&dl=0&e=1` today and was recorded as `…&dl=0`.
  const listed = (await listerOf(provider).listLinks()).filter(
    (link) => linkProblem(provider.name, link.url) === null,
  );

  for (const entry of entries) {
    if (entry.status !== "active" && entry.status !== "pending") continue;
    result.checked += 1;
    if (entry.status === "active" && listedAmong(entry, listed) === "yes") continue;
    const state: LinkState | null = entry.target
      ? await listerOf(provider).linkState(entry.target)
      : null;
    if (entry.status === "active") {
      // Revoked only when the provider says so: the item is gone, or it lists the item's
      // links and this one is not among them (an entry whose link can't be identified stays).
      if (!state) continue;
      if (state.item !== "gone" && listedAmong(entry, state.links) !== "no") continue;
      result.changes.push({
        change: "revoked",
        entry: { ...entry, status: "revoked", revokedAt: stamp },
        reason:
          state.item === "gone"
            ? `its ${entry.kind === "album" ? "album folder was" : "file was"} deleted at ${label}`
            : `the link was removed at ${label}`,
      });
      continue;
    }
    // Pending: the send stopped between recording its intent and recording the link.
    const [link] = (state?.links ?? []).filter(
      (live) => linkProblem(provider.name, live.url) === null,
    );
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
      continue;
    }
    if ((state?.links ?? []).length > 0) {
      // Links are listed, none of them one dmshare can trust (no https, another host…): a
      // link may well exist, so the entry is neither completed nor cleaned away.
      result.waiting.push({
        entry,
        reason: `${label} lists a link for it that dmshare can't trust; run dmshare revoke ${entry.id} to stop whatever link it has`,
      });
      continue;
    }
    const age = now.getTime() - Date.parse(entry.createdAt);
    // The send that owns it says whether it is still at work; entries from before owners
    // were recorded have only their age to go by.
    const probe = ownerProbe(ctx.system);
    const owner = entry.owner ? ownerState(entry.owner, now, probe) : undefined;
    if (owner ? owner.busy : age < PENDING_GRACE_MS) {
      result.waiting.push({
        entry,
        reason: `started ${humanSpan(age)} ago and ${owner?.why ?? "may still be sending"}; sync again later, or run dmshare revoke ${entry.id}`,
      });
      continue;
    }
    const uploaded = entry.target && state?.item === "present";
    if (uploaded && !dryRun && provider.capabilities.deleteFiles && entry.target) {
      await deleterOf(provider).deleteItems([entry.target]);
    }
    result.changes.push({
      change: "cleaned",
      entry,
      reason: uploaded
        ? provider.capabilities.deleteFiles
          ? `no link was made; the uploaded ${entry.kind === "album" ? "album" : "file"} was deleted from ${label}`
          : `no link was made; the upload stays private in ${label}`
        : "no link was made (the send stopped before it recorded an upload)",
    });
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
      entry: adoptedEntry(provider.name, link, stamp),
      reason: `a link to ${link.target.remotePath} at ${label} that the ledger did not know`,
    });
  }

  if (!dryRun && result.changes.length > 0) await applyChanges(ctx, result.changes);
  return result;
}

/** A link's identity as one string, for sets; undefined when it has none. */
const linkKeyText = (identity: { key?: string; secret?: string } | undefined) =>
  identity?.key ? `${identity.key}?${identity.secret ?? ""}` : undefined;

function adoptedEntry(provider: ProviderName, link: ProviderLink, stamp: string): LedgerEntry {
  const expiresAt = link.expiresAt?.toISOString() ?? null;
  return {
    id: newLinkId(),
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

/** Writes the changes under the ledger lock, skipping any an other process made moot. */
async function applyChanges(ctx: Ctx, changes: SyncChange[]): Promise<void> {
  await openLedger(ctx).update((entries) => {
    for (const { change, entry } of changes) {
      const index = entries.findIndex((candidate) => candidate.id === entry.id);
      const current = entries[index];
      if (change === "adopted") {
        const key = linkKeyText(identityOf(entry));
        if (!entries.some((candidate) => linkKeyText(identityOf(candidate)) === key)) {
          entries.push(entry);
        }
      } else if (!current) {
        // removed meanwhile (revoke, another sync): nothing to do
      } else if (change === "cleaned") {
        // Not when its send spoke up meanwhile (a heartbeat since sync looked).
        const spoke = current.owner?.heartbeatAt !== entry.owner?.heartbeatAt;
        if (current.status === "pending" && !spoke) entries.splice(index, 1);
      } else if (change === "completed") {
        if (current.status === "pending") entries[index] = entry;
      } else if (current.status === "active") {
        entries[index] = { ...current, status: "revoked", revokedAt: entry.revokedAt };
      }
    }
  });
}
