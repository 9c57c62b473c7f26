// What a provider identifies a link by, read from its URL, and which link URLs a provider may
// give at all. No SDK here: `revoke URL` and `list` load this without any provider module.

import type { LinkIdentity } from "../lib/link-records.ts";
import type { ProviderName } from "./names.ts";

export type { LinkIdentity } from "../lib/link-records.ts";

/**
 * A link as the provider identifies it, never its URL text (`dl=1`, `st=…`, `usp=sharing` and
 * friends change the text, not the link).
 * - Dropbox: `key` is the link's own id from its path (`scl/fi/<id>`, `scl/fo/<id>`, old
 *   `s/<id>`), `secret` its `rlkey` (two links to one file share the path id, not the rlkey).
 * - Google Drive: a link is the file's own address, public through an `anyone` permission:
 *   `key` is the file id.
 * - Google Photos: `key` is the album's (or item's) id.
 * - OneDrive: `key` is the link's path after its kind letter (`c/<drive id>/<token>`).
 */
export interface LinkKey {
  key: string;
  /** Dropbox's rlkey; absent for links without one (old `/s/` links, Drive, Photos). */
  secret?: string;
}

/** The hosts each provider's own links live on; a link anywhere else is refused. */
export const LINK_HOSTS: Record<ProviderName, readonly string[]> = {
  dropbox: ["www.dropbox.com", "dropbox.com"],
  gdrive: ["drive.google.com", "docs.google.com"],
  gphotos: ["photos.google.com", "photos.app.goo.gl"],
  onedrive: ["1drv.ms"],
};

/** C0 and C1 control characters and DEL: never part of a link or of a name to print. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why a link a server gave can't be trusted, or null when it is an `https` URL on one of the
 * provider's own hosts, with no control characters, credentials or odd port.
 */
export function linkProblem(provider: ProviderName, url: unknown): string | null {
  if (typeof url !== "string" || url === "") return "it gave no link";
  if (CONTROL.test(url)) return "its link contains control characters";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "its link is not a URL";
  }
  if (parsed.protocol !== "https:") return `its link is not an https address`;
  if (parsed.username || parsed.password || parsed.port) return "its link has an unusual address";
  if (!LINK_HOSTS[provider].includes(parsed.hostname)) {
    return `its link points to ${parsed.hostname}, not to ${LINK_HOSTS[provider].join(" or ")}`;
  }
  return null;
}

/** A link URL the user typed or pasted, once the way it was cut or decorated is undone. */
export interface ParsedLinkRef extends LinkKey {
  provider: ProviderName;
  /**
   * The URL ended where an unquoted shell cut it at `&` or `;`, or the rlkey is missing:
   * it can still name a link when only one matches.
   */
  truncated: boolean;
}

/** Punctuation that ends a sentence or wraps a URL, never part of one pasted from a chat. */
const TRAILING = /[.,;:!?)\]}>'"»]+$/;
const LEADING = /^[<(["'«]+/;

/**
 * The provider's identity of a link URL in any of the spellings it is shown in, or null when
 * it is no Dropbox or Google link dmshare could have made.
 */
export function parseLinkRef(text: string): ParsedLinkRef | null {
  const trimmed = text.trim().replace(LEADING, "").replace(TRAILING, "");
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
  } catch {
    return null;
  }
  const host = url.hostname.toLowerCase();
  const parts = url.pathname.split("/").filter(Boolean);
  if (
    host === "dropbox.com" ||
    host === "www.dropbox.com" ||
    host === "dl.dropboxusercontent.com"
  ) {
    return dropboxRef(url, parts);
  }
  if (host === "drive.google.com" || host === "docs.google.com") {
    const id = driveFileId(url, parts);
    return id ? { provider: "gdrive", key: id, truncated: false } : null;
  }
  if (host === "1drv.ms") return oneDriveRef(parts);
  return null;
}

function dropboxRef(url: URL, parts: string[]): ParsedLinkRef | null {
  // /scl/fi/<id>/<name>?rlkey=…  /scl/fo/<id>/<hash>?rlkey=…  /s/<id>/<name>  /sh/<id>/<hash>
  if (parts[0] === "scl" && (parts[1] === "fi" || parts[1] === "fo") && parts[2]) {
    const secret = url.searchParams.get("rlkey")?.replace(TRAILING, "") || undefined;
    return {
      provider: "dropbox",
      key: `scl/${parts[1]}/${parts[2]}`,
      ...(secret && { secret }),
      truncated: !secret,
    };
  }
  if ((parts[0] === "s" || parts[0] === "sh") && parts[1]) {
    return { provider: "dropbox", key: `${parts[0]}/${parts[1]}`, truncated: false };
  }
  return null;
}

/** OneDrive's anonymous links: `1drv.ms/<kind>/c/<drive id>/<token>` (older: `/<kind>/s!<token>`). */
function oneDriveRef(parts: string[]): ParsedLinkRef | null {
  const token = parts[1] === "c" ? parts[3] : parts[1];
  if (!parts[0] || !token || !/^[\w!-]{6,}$/.test(token)) return null;
  return { provider: "onedrive", key: parts.slice(1).join("/"), truncated: false };
}

const DRIVE_ID = /^[\w-]{10,}$/;

/** `/file/d/<id>/view`, `/drive/folders/<id>`, `/drive/u/0/folders/<id>`, `/open?id=`, `docs…/d/<id>`. */
function driveFileId(url: URL, parts: string[]): string | null {
  const afterD = parts.indexOf("d");
  if (afterD >= 0 && parts[afterD + 1] && DRIVE_ID.test(parts[afterD + 1] as string)) {
    return parts[afterD + 1] as string;
  }
  const folders = parts.indexOf("folders");
  if (folders >= 0 && parts[folders + 1] && DRIVE_ID.test(parts[folders + 1] as string)) {
    return parts[folders + 1] as string;
  }
  const id = url.searchParams.get("id")?.replace(TRAILING, "");
  return id && DRIVE_ID.test(id) ? id : null;
}

/** The identity of a link a provider gave (its URL) to something (its item id). */
export function identityOfLink(url: string | null, itemId?: string): LinkIdentity {
  const parsed = url ? parseLinkRef(url) : null;
  return {
    ...(parsed && { key: parsed.key }),
    ...(parsed?.secret && { secret: parsed.secret }),
    ...(itemId && { itemId }),
  };
}

/** The same link, by what the provider identifies it by: false when either is unknown. */
export function sameLink(a: LinkKey | undefined, b: LinkKey | undefined): boolean {
  if (!a?.key || !b?.key) return false;
  return a.key === b.key && (a.secret ?? "") === (b.secret ?? "");
}
