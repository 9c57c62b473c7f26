// Dropbox's shared links: made view-only (or reused and made so), revoked, looked up for
// `sync`, and the account plan that decides which link settings are allowed.

import type { DropboxResponseError, sharing } from "dropbox";
import { usageError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import type {
  LinkState,
  LinkToRevoke,
  LiveLink,
  ProviderLink,
  RemoteItem,
  RevokeOutcome,
  SharedLink,
  ShareOptions,
} from "../provider.ts";
import { translate } from "./errors.ts";
import { accountType, call, type DropboxSession, dropboxTime, ROOT } from "./session.ts";

/** Refuses, before anything is uploaded, link settings a Dropbox Basic plan does not have. */
export async function checkShareOptions(
  session: DropboxSession,
  options: ShareOptions,
): Promise<void> {
  const wanted = [
    options.expiresAt && "--expires",
    options.noDownload && "--no-download",
    options.password !== undefined && "--password",
  ]
    .filter(Boolean)
    .join(" and ");
  if (!wanted) return;
  if ((await accountType(session)) !== "basic") return;
  throw usageError(
    `Your Dropbox Basic plan does not allow ${wanted} on shared links.`,
    `Nothing was uploaded. Send without ${wanted}, or use a paid Dropbox plan.`,
  );
}

/** Dropbox Basic has no link expiry; paid plans do. */
export async function nativeExpiry(session: DropboxSession): Promise<boolean> {
  return (await accountType(session)) !== "basic";
}

export async function share(
  session: DropboxSession,
  target: RemoteItem,
  options: ShareOptions,
): Promise<SharedLink> {
  const settings: sharing.SharedLinkSettings = {
    audience: { ".tag": "public" },
    access: { ".tag": "viewer" },
    ...(options.expiresAt ? { expires: dropboxTime(options.expiresAt) } : {}),
    ...(options.noDownload ? { allow_download: false } : {}),
    ...(options.password !== undefined
      ? {
          audience: { ".tag": "password" },
          require_password: true,
          link_password: options.password,
        }
      : {}),
  };
  return call(
    session,
    `create a link to ${target.remotePath}`,
    async () => {
      const { result } = await session.dbx.sharingCreateSharedLinkWithSettings({
        path: target.remotePath,
        settings,
      });
      return { result: linkFrom(result, false) };
    },
    (summary, error) =>
      summary.startsWith("shared_link_already_exists")
        ? reuseExisting(session, target.remotePath, error, settings, options)
        : undefined,
  );
}

/** Dropbox already has a link to this item: reuse it, made view-only if it isn't. */
async function reuseExisting(
  session: DropboxSession,
  path: string,
  conflict: DropboxResponseError<unknown>,
  settings: sharing.SharedLinkSettings,
  options: ShareOptions,
): Promise<SharedLink> {
  const { dbx } = session;
  const body = conflict.error as {
    error?: { shared_link_already_exists?: { metadata?: sharing.SharedLinkMetadataReference } };
  };
  let existing = body.error?.shared_link_already_exists?.metadata;
  if (!existing) {
    const { links } = await call(session, "look up the existing link", () =>
      dbx.sharingListSharedLinks({ path, direct_only: true }),
    );
    existing = links[0];
  }
  if (!existing) {
    throw translate(
      conflict,
      `create a link to ${path}`,
      session.authorized.credentials.loginAgain,
    );
  }
  if (isViewOnlyPublic(existing, options)) return linkFrom(existing, true);
  const { url } = existing;
  const modified = await call(session, "make the existing link view-only", () =>
    dbx.sharingModifySharedLinkSettings({ url, settings, remove_expiration: !options.expiresAt }),
  );
  return linkFrom(modified, true);
}

const isViewOnlyPublic = (link: sharing.SharedLinkMetadataReference, options: ShareOptions) => {
  const permissions = link.link_permissions;
  const visibility = permissions?.resolved_visibility?.[".tag"];
  const access = permissions?.link_access_level?.[".tag"];
  const audience = permissions?.effective_audience?.[".tag"];
  const sameExpiry =
    (link.expires ?? null) === (options.expiresAt ? dropboxTime(options.expiresAt) : null);
  return (
    // A password can't be read back: a link that must have one is always given it again.
    options.password === undefined &&
    (visibility === "public" || audience === "public") &&
    (access === undefined || access === "viewer") &&
    permissions?.allow_download !== options.noDownload &&
    sameExpiry
  );
};

const linkFrom = (link: sharing.SharedLinkMetadataReference, reused: boolean): SharedLink => ({
  // Checked by the core before it is trusted (an HTML page answered with 200 has no url).
  url: link?.url,
  expiresAt: link?.expires ? new Date(link.expires) : null,
  reused,
  identity: {
    ...(typeof link?.id === "string" && { itemId: link.id }),
    ...(typeof link?.path_lower === "string" && { pathLower: link.path_lower }),
  },
});

export async function revoke(session: DropboxSession, link: LinkToRevoke): Promise<RevokeOutcome> {
  const urls = link.url ? [link.url] : await linksTo(session, link.target);
  let revokedAny = false;
  for (const url of urls) {
    revokedAny =
      (await call(
        session,
        "revoke the link",
        async () => {
          await session.dbx.sharingRevokeSharedLink({ url });
          return { result: true };
        },
        (summary) =>
          summary.startsWith("shared_link_not_found") ? Promise.resolve(false) : undefined,
      )) || revokedAny;
  }
  return revokedAny ? "revoked" : "already-revoked";
}

async function linksTo(session: DropboxSession, target: RemoteItem | null): Promise<string[]> {
  if (!target) return [];
  const { links } = await call(
    session,
    "look up links",
    () => session.dbx.sharingListSharedLinks({ path: target.remotePath, direct_only: true }),
    (summary) =>
      summary.startsWith("path/not_found")
        ? Promise.resolve({ links: [], has_more: false })
        : undefined,
  );
  return links.map((link) => link.url);
}

export async function linkState(session: DropboxSession, target: RemoteItem): Promise<LinkState> {
  // By id, so an item moved or renamed in Dropbox is still found.
  const found = await call(
    session,
    `look up the links to ${target.remotePath}`,
    () => session.dbx.sharingListSharedLinks({ path: target.remoteId, direct_only: true }),
    (summary) => (summary.startsWith("path/not_found") ? Promise.resolve(null) : undefined),
  );
  if (!found) return { item: "gone", links: [] };
  return { item: "present", links: found.links.map((link) => liveLinkFrom(link)) };
}

export async function listLinks(session: DropboxSession): Promise<ProviderLink[]> {
  const found: ProviderLink[] = [];
  let cursor: string | undefined;
  do {
    const page = await call(session, "list your shared links", () =>
      session.dbx.sharingListSharedLinks(cursor ? { cursor } : {}),
    );
    for (const link of page.links) {
      const adoptable = providerLinkFrom(link);
      if (adoptable) found.push(adoptable);
    }
    cursor = page.has_more ? page.cursor : undefined;
  } while (cursor);
  return found;
}

const liveLinkFrom = (link: sharing.SharedLinkMetadataReference): LiveLink => ({
  url: link.url,
  expiresAt: link.expires ? new Date(link.expires) : null,
});

/** A link to a file or folder inside dmshare's folder, as sync adopts it; else null. */
function providerLinkFrom(link: sharing.SharedLinkMetadataReference): ProviderLink | null {
  const pathLower = link.path_lower;
  if (!pathLower?.startsWith(`${ROOT}/`) || !link.id) return null;
  const kind = (link as { ".tag"?: string })[".tag"];
  if (kind !== "file" && kind !== "folder") return null;
  const file = link as Partial<sharing.FileLinkMetadataReference>;
  // path_lower is lower case; the display path keeps the item's own name.
  const remotePath = withoutControls(
    `${pathLower.slice(0, pathLower.lastIndexOf("/"))}/${link.name}`,
  );
  return {
    ...liveLinkFrom(link),
    kind: kind === "file" ? "photo" : "album",
    name: link.name,
    target: { remotePath, remoteId: link.id },
    uploadedAt: file.server_modified ? new Date(file.server_modified) : null,
    bytes: typeof file.size === "number" ? file.size : null,
  };
}
