import type { Ctx } from "../context.ts";
import { usageError } from "../errors.ts";
import type { Provider } from "../providers/provider.ts";
import type { LedgerEntry } from "../store/ledger.ts";
import { type LinkView, viewOf } from "./links.ts";
import { connectProvider, openLedger } from "./session.ts";

export interface RevokeRequest {
  /** Link ids (or unique prefixes of them) and URLs, as the user typed them. */
  refs: string[];
  deleteFiles: boolean;
  dryRun: boolean;
}

export type RevokeResult = LinkView & {
  /** `already-revoked` is a success: revoking is idempotent. */
  outcome: "revoked" | "already-revoked" | "would-revoke";
  filesDeleted: boolean;
};

const MIN_PREFIX = 4;

export async function revokeLinks(ctx: Ctx, request: RevokeRequest): Promise<RevokeResult[]> {
  const ledger = openLedger(ctx);
  const selected = selectEntries(await ledger.entries(), request.refs);
  const providers = new Map<string, Promise<Provider>>();
  const providerFor = (name: string) => {
    let provider = providers.get(name);
    if (!provider) {
      provider = connectProvider(ctx, name);
      providers.set(name, provider);
    }
    return provider;
  };

  const results: RevokeResult[] = [];
  for (const entry of selected) {
    const now = ctx.now();
    if (request.dryRun) {
      const outcome = entry.status === "revoked" ? "already-revoked" : "would-revoke";
      results.push({ ...viewOf(entry, now), outcome, filesDeleted: false });
      continue;
    }
    let saved = entry;
    let outcome: RevokeResult["outcome"] = "already-revoked";
    if (entry.status !== "revoked") {
      const provider = await providerFor(entry.provider);
      outcome = await provider.revoke({ url: entry.url, target: entry.target });
      saved = await ledger.patch(entry.id, { status: "revoked", revokedAt: now.toISOString() });
    }
    let filesDeleted = false;
    if (request.deleteFiles) {
      const provider = await providerFor(entry.provider);
      await provider.deleteItems(remoteItemsOf(entry));
      filesDeleted = true;
    }
    results.push({ ...viewOf(saved, now), outcome, filesDeleted });
  }
  return results;
}

function remoteItemsOf(entry: LedgerEntry) {
  if (entry.target) return [entry.target];
  return entry.files.flatMap((file) =>
    file.remotePath && file.remoteId
      ? [{ remotePath: file.remotePath, remoteId: file.remoteId }]
      : [],
  );
}

/** Resolves each ref to exactly one entry; any ref that matches none (or several) is an error. */
export function selectEntries(entries: LedgerEntry[], refs: string[]): LedgerEntry[] {
  if (refs.length === 0) {
    throw usageError("No link given.", "Name a link by its id or URL; dmshare list shows them.");
  }
  const selected = new Map<string, LedgerEntry>();
  const problems: string[] = [];
  for (const ref of refs) {
    const matches = matchRef(entries, ref.trim());
    const [match] = matches;
    if (matches.length === 1 && match) selected.set(match.id, match);
    else if (matches.length === 0) problems.push(`"${ref}" is not a link dmshare made`);
    else problems.push(`"${ref}" matches ${matches.length} links; type more of the id`);
  }
  if (problems.length > 0) {
    throw usageError(
      `Can't revoke: ${problems.join("; ")}.`,
      "Nothing was revoked. dmshare list --all shows the ids and URLs it knows.",
    );
  }
  return [...selected.values()];
}

function matchRef(entries: LedgerEntry[], ref: string): LedgerEntry[] {
  if (/^https?:\/\//i.test(ref)) return entries.filter((entry) => entry.url === ref);
  const exact = entries.filter((entry) => entry.id === ref.toLowerCase());
  if (exact.length > 0 || ref.length < MIN_PREFIX) return exact;
  return entries.filter((entry) => entry.id.startsWith(ref.toLowerCase()));
}
