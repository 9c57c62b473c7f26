import type { ExpiryEnforcer, LedgerEntry, LinkSummary, StoredStatus } from "../store/ledger.ts";

/**
 * What `list` shows: a stored status, or one derived from the clock: `expired` when the
 * provider stopped the link at its expiry, `overdue` when dmshare must revoke it and has not
 * yet (the link still works).
 */
export type LinkStatus = StoredStatus | "expired" | "overdue";

/** Every status, in the order `list --status` and its completion name them. */
export const LINK_STATUSES = [
  "pending",
  "active",
  "needs-sharing",
  "expired",
  "overdue",
  "revoked",
] as const satisfies readonly LinkStatus[];

export interface LinkView {
  id: string;
  provider: string;
  kind: LedgerEntry["kind"];
  name: string;
  url: string | null;
  /** The item's own page, which only its owner can open: where to press Share (Google Photos). */
  ownerUrl: string | null;
  message: string | null;
  files: { path: string; remotePath: string | null; bytes: number }[];
  createdAt: string;
  expiresAt: string | null;
  /** `provider`: the provider stops the link; `dmshare`: `dmshare prune` revokes it. */
  expiryEnforcedBy: ExpiryEnforcer | null;
  revokedAt: string | null;
  status: LinkStatus;
}

/** What the table of `dmshare list` shows of a link: its summary, with the status as of now. */
export type LinkSummaryView = Omit<LinkSummary, "expiryEnforcedBy" | "status"> &
  Pick<LinkView, "expiryEnforcedBy" | "status">;

type Expiring = Pick<LedgerEntry, "status" | "expiresAt" | "expiryEnforcedBy">;

export function expiryEnforcerOf(entry: Expiring): ExpiryEnforcer | null {
  return entry.expiresAt ? (entry.expiryEnforcedBy ?? "provider") : null;
}

export function statusOf(entry: Expiring, now: Date): LinkStatus {
  if (
    entry.status === "active" &&
    entry.expiresAt &&
    Date.parse(entry.expiresAt) <= now.getTime()
  ) {
    return expiryEnforcerOf(entry) === "dmshare" ? "overdue" : "expired";
  }
  return entry.status;
}

/** A link past the expiry dmshare itself must enforce, still working: prune revokes it. */
export const isOverdue = (entry: Expiring, now: Date): boolean =>
  statusOf(entry, now) === "overdue";

/** The public shape of a link (DESIGN.md §2 field names), without internal remote ids. */
export function viewOf(entry: LedgerEntry, now: Date): LinkView {
  return {
    id: entry.id,
    provider: entry.provider,
    kind: entry.kind,
    name: entry.name,
    url: entry.url,
    ownerUrl: entry.target?.ownerUrl ?? null,
    message: entry.message,
    files: entry.files.map(({ path, remotePath, bytes }) => ({ path, remotePath, bytes })),
    createdAt: entry.createdAt,
    expiresAt: entry.expiresAt,
    expiryEnforcedBy: expiryEnforcerOf(entry),
    revokedAt: entry.revokedAt,
    status: statusOf(entry, now),
  };
}

export function summaryViewOf(summary: LinkSummary, now: Date): LinkSummaryView {
  return {
    id: summary.id,
    provider: summary.provider,
    kind: summary.kind,
    name: summary.name,
    url: summary.url,
    createdAt: summary.createdAt,
    expiresAt: summary.expiresAt,
    expiryEnforcedBy: expiryEnforcerOf(summary),
    status: statusOf(summary, now),
  };
}
