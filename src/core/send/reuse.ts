import type { Ctx } from "../../context.ts";
import { hashFile } from "../../media/hash.ts";
import { displayNameOf } from "../../providers/catalog.ts";
import { listerOf } from "../../providers/features.ts";
import type { Provider, ShareOptions } from "../../providers/provider.ts";
import { type ExpiryEnforcer, type LedgerEntry, sizesKeyOf } from "../../store/ledger.ts";
import { listedAmong } from "../link-match.ts";
import { expiryEnforcerOf, statusOf } from "../links.ts";
import { type MessageFacts, type MessageStyle, renderMessage, sharedWhat } from "../message.ts";
import { openLedger } from "../session.ts";
import type { PreparedPlan, SentLink } from "./types.ts";

/** One hash for what a share uploads: the photo's bytes, or an album's name and photos. */
export async function contentHashOf(plan: PreparedPlan, signal: AbortSignal): Promise<string> {
  const hashes: string[] = [];
  for (const file of plan.files) hashes.push(await hashFile(file.contentPath, signal));
  if (plan.kind === "photo" && hashes[0]) return hashes[0];
  hashes.sort();
  const { createHash } = await import("node:crypto");
  return createHash("sha256")
    .update(`album\n${plan.name}\n${hashes.join("\n")}`)
    .digest("hex");
}

/**
 * The live link a send reuses instead of uploading (none with --new-link): the one decision
 * shared by the real run and the dry run, which passes `record: false` (nothing is marked).
 */
export async function earlierLink(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  how: {
    newLink: boolean;
    options: ShareOptions;
    contentHash: () => Promise<string>;
    record: boolean;
  },
): Promise<LedgerEntry | undefined> {
  if (how.newLink) return undefined;
  return findLiveLink(ctx, provider, plan, how.contentHash, how.options, how.record);
}

/**
 * A live link from an earlier send of the same content with the same settings. The provider
 * is asked whether it still works (it may have been removed on the website); one that
 * doesn't is marked revoked (unless `record` is false) and not reused.
 */
export async function findLiveLink(
  ctx: Ctx,
  provider: Provider,
  plan: PreparedPlan,
  contentHashOfPlan: () => Promise<string>,
  options: ShareOptions,
  record = true,
): Promise<LedgerEntry | undefined> {
  // A link with its own expiry date or password is not "the same" as one asked for now.
  if (options.expiresAt || options.password !== undefined) return undefined;
  const now = ctx.now();
  const ledger = openLedger(ctx);
  // The ledger picks this provider's entries of the same kind and file sizes (an index): the
  // only ones whose content hash could match. An album's hash covers its name, so only an
  // album of the same name could be the same (the same photos as another album are not).
  const lookalikes = (
    await ledger.withSizes(provider.name, sizesKeyOf(plan.kind, plan.files))
  ).filter(
    (entry) =>
      entry.contentHash !== undefined &&
      (plan.kind !== "album" || entry.name === plan.name) &&
      entry.expiresAt === null &&
      (entry.noDownload ?? false) === options.noDownload &&
      !entry.passwordProtected &&
      statusOf(entry, now) === "active",
  );
  // Reading every byte costs seconds on a big file: only done when a link could be reused.
  if (lookalikes.length === 0) return undefined;
  const contentHash = await contentHashOfPlan();
  const candidates = lookalikes.filter((entry) => entry.contentHash === contentHash);
  for (const entry of candidates) {
    const works = entry.target ? await stillWorks(provider, entry) : "unknown";
    if (works === "yes") return entry;
    // Marked revoked only when the provider says so: the item is gone, or it lists its links
    // and this one (by its id, not its URL text) is not among them.
    if (works === "no" && record) {
      await ledger.patch(entry.id, { status: "revoked", revokedAt: now.toISOString() });
    }
  }
  return undefined;
}

/**
 * The earlier link, worded as this send asks (--message, --preset); its date is named only
 * when `dated` says something ends the link then.
 */
export function reuseEarlier(
  plan: PreparedPlan,
  earlier: LedgerEntry,
  style: MessageStyle,
  dated: (enforcedBy: ExpiryEnforcer | null) => boolean,
): SentLink {
  const what = sharedWhat(plan.kind, plan.files);
  const facts = factsOf(earlier, earlier.url ?? "", what);
  if (!dated(expiryEnforcerOf(earlier))) facts.expiresAt = null;
  const message = renderMessage(facts, style);
  return { entry: { ...earlier, message }, reused: true };
}

async function stillWorks(provider: Provider, entry: LedgerEntry) {
  if (!entry.target) return "unknown";
  const state = await listerOf(provider).linkState(entry.target);
  if (state.item === "gone") return "no";
  return listedAmong(entry, state.links);
}

/** What a message says about a recorded link. */
function factsOf(entry: LedgerEntry, url: string, what: string): MessageFacts {
  return {
    url,
    kind: entry.kind,
    what,
    name: entry.name,
    count: entry.files.length,
    expiresAt: entry.expiresAt ? new Date(entry.expiresAt) : null,
    provider: displayNameOf(entry.provider),
  };
}
