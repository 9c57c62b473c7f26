// OneDrive's links: createLink with type "view" and scope "anonymous" — never edit, never
// organization — checked before it is trusted (a wrong answer is deleted again and refused);
// revoked by deleting that permission; read back from the permissions of the items in the app
// folder for `sync`.

import { providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import { linkProblem, parseLinkRef } from "../link-identity.ts";
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
import { LABEL } from "./errors.ts";
import {
  appFolder,
  appFolderPath,
  call,
  type GraphItem,
  type GraphSession,
  graph,
  graphRequest,
  itemPath,
} from "./session.ts";

/** A permission as Graph describes it. */
interface GraphPermission {
  id?: unknown;
  roles?: unknown;
  expirationDateTime?: unknown;
  inheritedFrom?: unknown;
  link?: { type?: unknown; scope?: unknown; webUrl?: unknown };
}

const expiryOf = (permission: GraphPermission): Date | null => {
  const text = permission.expirationDateTime;
  const time = typeof text === "string" ? Date.parse(text) : Number.NaN;
  return Number.isNaN(time) ? null : new Date(time);
};

/** An anonymous link of the item itself (not inherited from a folder above). */
const isOwnAnonymousLink = (permission: GraphPermission) =>
  !permission.inheritedFrom &&
  permission.link?.scope === "anonymous" &&
  typeof permission.id === "string";

/** Why a createLink answer can't be trusted as a view-only anonymous link, or null. */
function answerProblem(permission: GraphPermission): string | null {
  const link = permission.link;
  if (typeof permission.id !== "string" || !link) return "it gave no permission";
  if (link.type !== "view") return `it made a link of type "${String(link.type)}", not "view"`;
  if (link.scope !== "anonymous") {
    return `it made a link for "${String(link.scope)}", not for anyone with the link`;
  }
  const roles = permission.roles;
  if (!Array.isArray(roles) || roles.length === 0 || roles.some((role) => role !== "read")) {
    return `the link gives ${JSON.stringify(roles)}, not read-only access`;
  }
  return linkProblem("onedrive", link.webUrl);
}

export async function share(
  s: GraphSession,
  target: RemoteItem,
  _options: ShareOptions,
): Promise<SharedLink> {
  const path = `${itemPath(target.remoteId)}/createLink`;
  const { status, data: permission } = await call(s, `create a link to ${target.remotePath}`, () =>
    graphRequest<GraphPermission>(s, path, {
      method: "POST",
      json: { type: "view", scope: "anonymous" },
    }),
  );
  const problem =
    answerProblem(permission ?? {}) ?? (await notTheItemsOwn(s, target.remoteId, permission));
  if (problem) {
    // Fail closed: whatever it made on the item must not stay live behind the user's back,
    // whatever id the answer gave.
    await removeOwnLinks(s, target.remoteId).catch(() => undefined);
    throw providerError(
      `${LABEL} answered dmshare's request for a view-only link to ${target.remotePath} wrongly (${withoutControls(problem)}); dmshare removed what it made and shares nothing.`,
      "Try again later. If it happens again, check the item's sharing on onedrive.live.com.",
    );
  }
  const url = permission.link?.webUrl as string;
  return {
    url,
    expiresAt: expiryOf(permission),
    reused: status === 200,
    identity: {
      ...(parseLinkRef(url) && { key: parseLinkRef(url)?.key }),
      itemId: target.remoteId,
      permissionId: permission.id as string,
    },
  };
}

/**
 * Why the permission createLink answered is not a link of this item itself (read back from
 * the item's permissions: an answer for another item would share another file), or null.
 */
async function notTheItemsOwn(
  s: GraphSession,
  itemId: string,
  answered: GraphPermission,
): Promise<string | null> {
  const own = ((await permissionsOf(s, itemId)) ?? []).find((p) => p.id === answered.id);
  if (!own || own.inheritedFrom) return "the link it gave is not one of the item's own";
  if (own.link?.webUrl !== answered.link?.webUrl) return "the item's link has another address";
  return answerProblem(own);
}

/** The item's permissions; null when the item is gone. */
async function permissionsOf(s: GraphSession, itemId: string): Promise<GraphPermission[] | null> {
  const answer = await graph<{ value?: GraphPermission[] } | null>(
    s,
    "read the item's sharing",
    `${itemPath(itemId)}/permissions`,
    {},
    (error) => (error.status === 404 ? null : undefined),
  );
  if (answer === null) return null;
  return Array.isArray(answer?.value) ? answer.value : [];
}

async function deletePermission(s: GraphSession, itemId: string, permissionId: string) {
  return graph<boolean>(
    s,
    "remove the link",
    `${itemPath(itemId)}/permissions/${encodeURIComponent(permissionId)}`,
    { method: "DELETE" },
    (error) => (error.status === 404 ? false : undefined),
  ).then((result) => result !== false);
}

export async function revoke(s: GraphSession, link: LinkToRevoke): Promise<RevokeOutcome> {
  const itemId = link.target?.remoteId;
  if (!itemId) {
    if (!link.url) return "already-revoked";
    throw providerError(
      `dmshare can't tell which OneDrive item the link ${link.url} is for, so it can't check that the link is gone.`,
      "Stop sharing it on onedrive.live.com (Shared → Links → Remove).",
    );
  }
  return removeOwnLinks(s, itemId);
}

/** Deletes every anonymous link of the item itself. */
async function removeOwnLinks(s: GraphSession, itemId: string): Promise<RevokeOutcome> {
  const permissions = await permissionsOf(s, itemId);
  if (permissions === null) return "already-revoked";
  let removed = 0;
  for (const permission of permissions.filter(isOwnAnonymousLink)) {
    if (await deletePermission(s, itemId, permission.id as string)) removed += 1;
  }
  return removed > 0 ? "revoked" : "already-revoked";
}

/**
 * Every anonymous link of the item, trusted or not: the core keeps only trusted URLs for what
 * it records, and an untrusted one still means a link may work, so sync never takes the
 * entry's link for gone because OneDrive wrote its URL in an unexpected way.
 */
export const liveLinks = (permissions: GraphPermission[]): LiveLink[] =>
  permissions.filter(isOwnAnonymousLink).map((permission) => ({
    url: typeof permission.link?.webUrl === "string" ? permission.link.webUrl : "",
    expiresAt: expiryOf(permission),
  }));

export async function linkState(s: GraphSession, target: RemoteItem): Promise<LinkState> {
  const permissions = await permissionsOf(s, target.remoteId);
  if (permissions === null) return { item: "gone", links: [] };
  return { item: "present", links: liveLinks(permissions) };
}

/**
 * What anyone with a link can open in the app folder, in both layouts: directly in it (albums,
 * and photos sent before per-send folders) and one level down, in a send's own folder
 * (`<id>/beach.jpg`, `<id>/Lisbon trip`), which is never shared itself.
 */
export async function listLinks(s: GraphSession): Promise<ProviderLink[]> {
  const folder = await appFolder(s);
  const prefix = await appFolderPath(s);
  const found: ProviderLink[] = [];
  for (const item of await childrenOf(s, folder.id)) {
    const links = liveLinks((await permissionsOf(s, item.id)) ?? []);
    for (const link of links) found.push(providerLinkFrom(item, link, prefix));
    if (links.length > 0 || !item.folder) continue;
    const inner = `${prefix}/${withoutControls(item.name ?? item.id)}`;
    for (const child of await childrenOf(s, item.id)) {
      for (const link of liveLinks((await permissionsOf(s, child.id)) ?? [])) {
        found.push(providerLinkFrom(child, link, inner));
      }
    }
  }
  return found;
}

/** At 200 a page, 100,000 items: more than dmshare makes; a longer chain is a broken server. */
const MAX_PAGES = 500;

const badListing = (why: string) =>
  providerError(
    `${LABEL} answered dmshare's listing of its app folder wrongly (${why}); dmshare stopped reading it.`,
    alteredAnswerHint(LABEL),
  );

/**
 * Every child of a folder, page after page (the next pages only from Graph's own host, never
 * one already read, at most MAX_PAGES of them).
 */
async function childrenOf(s: GraphSession, folderId: string): Promise<GraphItem[]> {
  const items: GraphItem[] = [];
  let next: string | undefined = `${s.base}${itemPath(folderId)}/children?$top=200`;
  const seen = new Set<string>();
  while (next) {
    if (seen.has(next)) throw badListing("its next page leads back to a page already read");
    if (seen.size >= MAX_PAGES) throw badListing(`it goes on beyond ${MAX_PAGES} pages`);
    seen.add(next);
    const page: { value?: GraphItem[]; "@odata.nextLink"?: unknown } = await graph(
      s,
      "list dmshare's app folder",
      next,
    );
    items.push(...(page.value ?? []).filter((item) => typeof item?.id === "string"));
    const nextLink = page["@odata.nextLink"];
    next = typeof nextLink === "string" && nextLink.startsWith(`${s.base}/`) ? nextLink : undefined;
    if (typeof nextLink === "string" && !next) {
      throw badListing("its next page is on another host");
    }
  }
  return items;
}

function providerLinkFrom(item: GraphItem, link: LiveLink, prefix: string): ProviderLink {
  const name = withoutControls(item.name ?? item.id);
  return {
    ...link,
    kind: item.folder ? "album" : "photo",
    name,
    target: { remotePath: `${prefix}/${name}`, remoteId: item.id },
    uploadedAt: item.createdDateTime ? new Date(item.createdDateTime) : null,
    bytes: item.folder ? null : (item.size ?? null),
  };
}
