import type { Ctx } from "../context.ts";
import { usageError } from "../lib/errors.ts";
import { didYouMean } from "../lib/suggest.ts";
import { findProvider } from "../providers/catalog.ts";
import type { LinkSummary } from "../store/ledger.ts";
import { parseSince } from "./duration.ts";
import {
  LINK_STATUSES,
  type LinkStatus,
  type LinkSummaryView,
  type LinkView,
  statusOf,
  summaryViewOf,
  viewOf,
} from "./links.ts";
import { openLedger } from "./session.ts";

export interface ListRequest {
  all: boolean;
  provider?: string;
  status?: string;
  /** `7d` (the last seven days) or a date: only links made since then. */
  since?: string;
}

/** The links dmshare made, newest first; revoked ones only with `all` or `status`. */
export async function listLinks(ctx: Ctx, request: ListRequest): Promise<LinkView[]> {
  const now = ctx.now();
  const select = selection(request, now);
  return select(await openLedger(ctx).entries()).map((entry) => viewOf(entry, now));
}

/**
 * Like listLinks, with only what the table shows, a batch at a time as the ledger is read
 * (newest first), so the first rows can be printed before the last are read, and memory stays
 * bounded at any ledger size.
 */
export async function* streamLinkSummaries(
  ctx: Ctx,
  request: ListRequest,
): AsyncGenerator<LinkSummaryView[]> {
  const now = ctx.now();
  const wanted = filter(request, now);
  for await (const links of openLedger(ctx).newestFirst()) {
    const views = links.filter(wanted).map((link) => summaryViewOf(link, now));
    if (views.length > 0) yield views;
  }
}

/** Checks the request, then picks the links it asks for, newest first. */
function selection(request: ListRequest, now: Date) {
  const wanted = filter(request, now);
  return <T extends LinkSummary>(links: T[]): T[] =>
    links
      .filter(wanted)
      .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}

/** Checks the request; whether a link is one it asks for. */
function filter(request: ListRequest, now: Date) {
  const wantedStatus = request.status === undefined ? undefined : parseStatus(request.status);
  const wantedProvider = request.provider ? findProvider(request.provider).name : undefined;
  const since =
    request.since === undefined ? undefined : parseSince("--since", request.since, now).getTime();
  return (link: LinkSummary): boolean => {
    if (wantedProvider && link.provider !== wantedProvider) return false;
    if (since !== undefined && Date.parse(link.createdAt) < since) return false;
    const status = statusOf(link, now);
    return wantedStatus ? status === wantedStatus : request.all || status !== "revoked";
  };
}

function parseStatus(status: string): LinkStatus {
  const wanted = status.trim().toLowerCase() as LinkStatus;
  if (!LINK_STATUSES.includes(wanted)) {
    throw usageError(
      `Unknown status "${status}".`,
      `${didYouMean(wanted, LINK_STATUSES)}Use one of: ${LINK_STATUSES.join(", ")}.`,
    );
  }
  return wanted;
}
