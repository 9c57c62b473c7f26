import type { Ctx } from "../context.ts";
import { displayNameOf, findProvider } from "../providers/catalog.ts";
import { deleteUploads, listerOf } from "../providers/features.ts";
import type { LinkState, Provider, ProviderName } from "../providers/provider.ts";
import type { LedgerEntry } from "../store/ledger.ts";
import { ownerProbe, ownerState } from "../store/owner.ts";
import { identityOf } from "./link-match.ts";
import {
  linkKeyText,
  needsLinkState,
  reconcile,
  type SyncChange,
  trustedLinks,
} from "./reconcile.ts";
import { connectProvider, loggedInProviders, openLedger } from "./session.ts";

export { PENDING_GRACE_MS, type SyncChange, type SyncChangeKind } from "./reconcile.ts";

export interface SyncRequest {
  /** A provider name or alias; every logged-in provider when absent. */
  provider?: string;
  dryRun: boolean;
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
  // One listing answers for most active links; the rest are asked about one by one.
  const listed = trustedLinks(provider.name, await listerOf(provider).listLinks());
  const states = new Map<string, LinkState | null>();
  for (const entry of entries) {
    if (entry.target && needsLinkState(entry, provider.name, listed)) {
      states.set(entry.id, await listerOf(provider).linkState(entry.target));
    }
  }
  const probe = ownerProbe(ctx.system);
  const decided = reconcile({
    provider: provider.name,
    label,
    deleteFiles: provider.capabilities.deleteFiles,
    entries,
    listed,
    states,
    now,
    ownerState: (owner) => ownerState(owner, now, probe),
  });
  if (!dryRun) {
    for (const target of decided.deletions) {
      await deleteUploads(provider, [target]);
    }
  }
  const { checked, changes, waiting } = decided;
  Object.assign(result, { checked, changes, waiting });
  if (!dryRun && changes.length > 0) await applyChanges(ctx, changes);
  return result;
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
