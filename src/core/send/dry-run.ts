import type { Ctx } from "../../context.ts";
import type { Provider, ShareOptions } from "../../providers/provider.ts";
import type { ExpiryEnforcer } from "../../store/ledger.ts";
import { contentHashOf, earlierLink } from "./reuse.ts";
import type { DryRun, DryRunShare, PreparedPlan } from "./types.ts";

/**
 * The real run's decisions without its effects: each plan (already prepared, so its metadata
 * removal and conversions are known) is looked up for a live link to reuse, as the real run
 * does (the provider is asked whether it still works: a read), but nothing is uploaded,
 * linked or recorded.
 */
export async function dryRunOf(
  ctx: Ctx,
  provider: Provider,
  plans: readonly PreparedPlan[],
  terms: { shareOptions: ShareOptions; expiryBy: ExpiryEnforcer | null; newLink: boolean },
): Promise<DryRun> {
  const shares: DryRunShare[] = [];
  for (const plan of plans) {
    const contentHash = () => contentHashOf(plan, ctx.signal);
    const reuses = await earlierLink(ctx, provider, plan, {
      newLink: terms.newLink,
      options: terms.shareOptions,
      contentHash,
      record: false,
    });
    shares.push(reuses ? { plan, reuses } : { plan });
  }
  return {
    shares,
    links: provider.capabilities.publicLinks,
    expiresAt: terms.shareOptions.expiresAt ?? null,
    expiryBy: terms.expiryBy,
  };
}
