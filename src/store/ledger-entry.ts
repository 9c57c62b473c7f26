import type { LinkIdentity, RemoteItem } from "../lib/link-records.ts";
import { isPendingOwner, type PendingOwner } from "./owner.ts";

/** The item and link identity the ledger keeps, in the shapes providers report (lib/). */
export type StoredItem = RemoteItem;
export type StoredLinkIdentity = LinkIdentity;

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
  target: StoredItem | null;
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
  link?: StoredLinkIdentity;
}

const STORED_STATUSES: readonly string[] = ["pending", "active", "revoked", "needs-sharing"];

/** What `dmshare list` shows of a link (the ledger reads it without whole entries). */
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

/** An entry of the ledger file that is not a link record dmshare can use, left as it is. */
export interface SkippedEntry {
  /** Its id, or its position ("entry 3") when it has none. */
  id: string;
  reason: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isString = (value: unknown) => typeof value === "string";
const isStringOrNull = (value: unknown) =>
  value === null || value === undefined || typeof value === "string";

/**
 * What is wrong with `value` as a ledger entry, or null when dmshare can use it. Only what
 * the code relies on is checked: fields it does not know (added by a later version) are
 * fine, and so are optional fields that are absent.
 */
export function entryProblem(value: unknown): string | null {
  if (!isObject(value)) return "it is not an object";
  const wrong = (field: string, expected: string) =>
    `"${field}" is ${JSON.stringify(value[field]) ?? "missing"}, not ${expected}`;
  if (!isString(value.id) || value.id === "") return wrong("id", "a text");
  if (!isString(value.provider)) return wrong("provider", "a provider name");
  if (value.kind !== "photo" && value.kind !== "album") return wrong("kind", '"photo" or "album"');
  if (!isString(value.name)) return wrong("name", "a text");
  if (!STORED_STATUSES.includes(value.status as string)) {
    return wrong("status", STORED_STATUSES.map((status) => `"${status}"`).join(", "));
  }
  if (!isString(value.createdAt) || Number.isNaN(Date.parse(value.createdAt as string))) {
    return wrong("createdAt", "a date");
  }
  for (const field of ["url", "message", "expiresAt", "revokedAt"]) {
    if (!isStringOrNull(value[field])) return wrong(field, "a text or null");
  }
  for (const field of ["expiresAt", "revokedAt"]) {
    if (isString(value[field]) && Number.isNaN(Date.parse(value[field] as string))) {
      return wrong(field, "a date");
    }
  }
  const { target } = value;
  if (target !== null && target !== undefined) {
    if (!isObject(target) || !isString(target.remotePath) || !isString(target.remoteId)) {
      return wrong("target", "a remote item (remotePath, remoteId) or null");
    }
  }
  if (!Array.isArray(value.files)) return wrong("files", "a list");
  for (const file of value.files) {
    if (
      !isObject(file) ||
      !isString(file.path) ||
      typeof file.bytes !== "number" ||
      !isStringOrNull(file.remotePath) ||
      !isStringOrNull(file.remoteId)
    ) {
      return `"files" holds ${JSON.stringify(file)}, not a file record (path, bytes, remotePath, remoteId)`;
    }
  }
  const optional: [string, (field: unknown) => boolean, string][] = [
    [
      "expiryEnforcedBy",
      (field) => field === "provider" || field === "dmshare",
      '"provider" or "dmshare"',
    ],
    ["contentHash", isString, "a text"],
    ["adoptedAt", isString, "a date"],
    ["noDownload", (field) => typeof field === "boolean", "true or false"],
    ["passwordProtected", (field) => typeof field === "boolean", "true or false"],
    ["owner", isPendingOwner, "a process (pid, host, heartbeatAt)"],
  ];
  for (const [field, valid, expected] of optional) {
    if (value[field] !== undefined && !valid(value[field])) return wrong(field, expected);
  }
  return null;
}

/** The id of an entry, valid or not; "" when it has none. */
export const idOf = (raw: unknown) => (isObject(raw) && isString(raw.id) ? String(raw.id) : "");

const ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/** Short ids that are easy to type: 8 characters of Crockford-style base32. */
export function newLinkId(): string {
  // Web Crypto's global: importing node:crypto would cost every command start-up time.
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (byte) => ID_ALPHABET[byte % 32]).join("");
}

/**
 * Which entries could hold the same photos as `files`: same kind, same file sizes. Kept as a
 * column, so a send looks only at those instead of reading the whole ledger.
 */
export const sizesKeyOf = (kind: string, files: readonly { bytes: number }[]) =>
  `${kind}:${files
    .map((file) => file.bytes)
    .sort((a, b) => a - b)
    .join()}`;
