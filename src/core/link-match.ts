import { catalogEntry } from "../providers/catalog.ts";
import {
  identityOfLink,
  type LinkIdentity,
  type LinkKey,
  parseLinkRef,
  sameLink,
} from "../providers/link-identity.ts";
import type { LiveLink } from "../providers/provider.ts";
import type { LedgerEntry } from "../store/ledger.ts";

/**
 * What the provider identifies an entry's link by: what the entry recorded, completed from its
 * URL and target for entries from before identities were recorded.
 */
export function identityOf(
  entry: Pick<LedgerEntry, "provider" | "url" | "target" | "link">,
): LinkIdentity {
  const derived = identityOfLink(entry.url, entry.target?.remoteId);
  // A Drive link is its file's own address: the file id identifies it even without a URL.
  if (!derived.key && entry.target && catalogEntry(entry.provider)?.linkIsItemAddress) {
    derived.key = entry.target.remoteId;
  }
  return { ...derived, ...entry.link };
}

/** The identity of a link the provider reports (its URL, as the provider spells it today). */
export const keyOfLive = (link: Pick<LiveLink, "url">): LinkKey | undefined => {
  const { key, secret } = identityOfLink(link.url);
  return key ? { key, ...(secret && { secret }) } : undefined;
};

/**
 * Whether the provider's list of links to an item shows the entry's link: `yes`, `no` (every
 * listed link was understood and none is it), or `unknown` (the entry's link or one the
 * provider listed can't be identified): only `no` may mark an entry revoked.
 */
export function listedAmong(
  entry: Pick<LedgerEntry, "provider" | "url" | "target" | "link">,
  links: readonly Pick<LiveLink, "url">[],
): "yes" | "no" | "unknown" {
  const own = identityOf(entry);
  if (!own.key) return "unknown";
  const keys = links.map(keyOfLive);
  if (keys.some((key) => sameLink(own as LinkKey, key))) return "yes";
  return keys.every(Boolean) ? "no" : "unknown";
}

export interface RefMatch {
  entries: LedgerEntry[];
  /** The URL lost its `&…` (an unquoted shell) or its rlkey, and matched on the rest. */
  truncated: boolean;
}

/**
 * The entries a URL names, matched on the link's identity: any query spelling (`dl=1`, `st=`,
 * `usp=sharing`), a trailing punctuation mark, or a URL cut at `&` (then only the path id is
 * compared, which may match several links). Null when `ref` is not a URL.
 */
export function matchUrlRef(entries: LedgerEntry[], ref: string): RefMatch | null {
  const text = ref.trim().replace(/^[<(["']+/, "");
  if (!/^(https?:\/\/|(www\.)?dropbox\.com\/|(drive|docs)\.google\.com\/)/i.test(text)) return null;
  const parsed = parseLinkRef(text);
  if (!parsed) {
    // Not a Dropbox or Drive address: only the exact text can name it.
    return { entries: entries.filter((entry) => entry.url === text), truncated: false };
  }
  const matches = entries.filter((entry) => {
    if (entry.provider !== parsed.provider) return false;
    const own = identityOf(entry);
    if (own.key !== parsed.key) return false;
    return parsed.truncated || (own.secret ?? "") === (parsed.secret ?? "");
  });
  return { entries: matches, truncated: parsed.truncated };
}
