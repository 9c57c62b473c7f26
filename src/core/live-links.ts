import type { Ctx } from "../context.ts";
import { type LinkStatus, type LinkSummaryView, summaryViewOf } from "./links.ts";
import { openLedger } from "./session.ts";

/**
 * A link that still works, which revoking would stop: active, or past an expiry dmshare
 * enforces and not revoked yet (overdue). Not revoked, expired (the provider stopped it),
 * pending (no link yet) or needs-sharing (no link dmshare can revoke).
 */
export const isLive = (status: LinkStatus): boolean => status === "active" || status === "overdue";

/** The links that still work, newest first: what `dmshare revoke` at a terminal offers. */
export async function liveLinks(ctx: Ctx): Promise<LinkSummaryView[]> {
  const now = ctx.now();
  const live: LinkSummaryView[] = [];
  for await (const batch of openLedger(ctx).newestFirst()) {
    for (const summary of batch) {
      const view = summaryViewOf(summary, now);
      if (isLive(view.status)) live.push(view);
    }
  }
  return live;
}
