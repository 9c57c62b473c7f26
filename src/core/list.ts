import type { Ctx } from "../context.ts";
import { usageError } from "../errors.ts";
import { findProvider } from "../providers/registry.ts";
import { parseSince } from "./duration.ts";
import { type LinkStatus, type LinkView, statusOf, viewOf } from "./links.ts";
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
  // Filtered before anything is built for the output: ledgers run to 10 000s of entries.
  const wanted = (await openLedger(ctx).entries()).filter((entry) => {
    if (wantedProvider && entry.provider !== wantedProvider) return false;
    if (since !== undefined && Date.parse(entry.createdAt) < since) return false;
    const status = statusOf(entry, now);
    return wantedStatus ? status === wantedStatus : request.all || status !== "revoked";
  });
  return wanted
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0))
    .map((entry) => viewOf(entry, now));
}

function parseStatus(status: string): LinkStatus {
  const wanted = status.trim().toLowerCase() as LinkStatus;
  if (!STATUSES.includes(wanted)) {
    throw usageError(`Unknown status "${status}".`, `Use one of: ${STATUSES.join(", ")}.`);
  }
  return wanted;
}
