import type { LedgerEntry } from "./ledger-entry.ts";

/** What `dmshare list` shows of a link. */
export type LinkSummary = Pick<
  LedgerEntry,
  | "id"
  | "provider"
  | "kind"
  | "name"
  | "url"
  | "createdAt"
  | "expiresAt"
  | "expiryEnforcedBy"
  | "status"
>;

/** What `list` shows of a ledger entry. */
export const summaryOf = (entry: LedgerEntry): LinkSummary => ({
  id: entry.id,
  provider: entry.provider,
  kind: entry.kind,
  name: entry.name,
  url: entry.url,
  createdAt: entry.createdAt,
  expiresAt: entry.expiresAt,
  expiryEnforcedBy: entry.expiryEnforcedBy,
  status: entry.status,
});
