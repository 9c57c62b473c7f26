import type { Ctx } from "../context.ts";
import { usageError } from "../errors.ts";
import { findProvider } from "../providers/registry.ts";
import { parseSince } from "./duration.ts";
import { type LinkStatus, type LinkView, viewOf } from "./links.ts";
import { openLedger } from "./session.ts";

export interface ListRequest {
  all: boolean;
  provider?: string;
  status?: string;
  /** `7d` (the last seven days) or a date: only links made since then. */
  since?: string;
}

const STATUSES: readonly LinkStatus[] = [
  "pending",
  "active",
  "needs-sharing",
  "expired",
  "revoked",
];

/** The links dmshare made, newest first; revoked ones only with `all` or `status`. */
export async function listLinks(ctx: Ctx, request: ListRequest): Promise<LinkView[]> {
  const wantedStatus = request.status === undefined ? undefined : parseStatus(request.status);
  const wantedProvider = request.provider ? findProvider(request.provider).name : undefined;
  const now = ctx.now();
  const since =
    request.since === undefined ? undefined : parseSince("--since", request.since, now).getTime();
  const views = (await openLedger(ctx).entries()).map((entry) => viewOf(entry, now));
  return views
    .filter((view) => !wantedProvider || view.provider === wantedProvider)
    .filter((view) => since === undefined || Date.parse(view.createdAt) >= since)
    .filter((view) =>
      wantedStatus ? view.status === wantedStatus : request.all || view.status !== "revoked",
    )
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

function parseStatus(status: string): LinkStatus {
  const wanted = status.trim().toLowerCase() as LinkStatus;
  if (!STATUSES.includes(wanted)) {
    throw usageError(`Unknown status "${status}".`, `Use one of: ${STATUSES.join(", ")}.`);
  }
  return wanted;
}
