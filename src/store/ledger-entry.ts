// The ledger's record types: what one link entry holds.
import type { LinkIdentity, RemoteItem } from "../lib/link-records.ts";
import type { PendingOwner } from "./owner.ts";

export type LinkKind = "photo" | "album";
export type ExpiryEnforcer = "provider" | "dmshare";
/**
 * `pending`: the intent is recorded, the link may or may not exist yet. `needs-sharing`: the
 * upload is done but the provider lets only its own app share it (Google Photos).
 */
export type StoredStatus = "pending" | "active" | "revoked" | "needs-sharing";

export interface LedgerFile {
  path: string;
  remotePath: string | null;
  remoteId: string | null;
  bytes: number;
}

export interface LedgerEntry {
  id: string;
  provider: string;
  kind: LinkKind;
  name: string;
  url: string | null;
  message: string | null;
  /** The shared file or folder; null until it exists remotely. */
  target: RemoteItem | null;
  files: LedgerFile[];
  createdAt: string;
  expiresAt: string | null;
  /**
   * Who stops the link at `expiresAt`: the provider itself, or dmshare (`dmshare prune`),
   * where the provider or plan has no expiry. Absent in entries from before it existed,
   * which could only have the provider's.
   */
  expiryEnforcedBy?: ExpiryEnforcer;
  revokedAt: string | null;
  status: StoredStatus;
  /** SHA-256 over what was uploaded, so the same photos sent again can reuse the link. */
  contentHash?: string;
  noDownload?: boolean;
  /** The link asks for a password (the password itself is never stored). */
  passwordProtected?: boolean;
  /** When `dmshare sync` found this link at the provider and added it to the ledger. */
  adoptedAt?: string;
  /** While pending: the send that works on it, so `sync` leaves it alone meanwhile. */
  owner?: PendingOwner;
  /**
   * What the provider identifies the link by (its id, rlkey, permission, the item's id), which
   * every comparison uses, never the URL text. Absent in entries from before it existed: it
   * is then derived from `url` and `target` (core/link-match.ts).
   */
  link?: LinkIdentity;
}

/** An entry of the ledger file that is not a link record dmshare can use, left as it is. */
export interface SkippedEntry {
  /** Its id, or its position ("entry 3") when it has none. */
  id: string;
  reason: string;
}
