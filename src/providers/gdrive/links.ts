// Google Drive's links: an "anyone with the link" reader permission (view-only, not
// discoverable), downloads restricted on request, removed again, looked up for `sync`.

import type { drive_v3 } from "@googleapis/drive";
import { providerError } from "../../lib/errors.ts";
import { call } from "../google/session.ts";
import { parseLinkRef } from "../link-identity.ts";
import type {
  LinkState,
  LinkToRevoke,
  RemoteItem,
  RevokeOutcome,
  SharedLink,
  ShareOptions,
} from "../provider.ts";
import { type DriveSession, FOLDER_MIME, isNotFound } from "./session.ts";

const VIEW_ONLY: drive_v3.Schema$Permission = {
  type: "anyone",
  role: "reader",
  allowFileDiscovery: false,
};

/** Drive file ids from webViewLink URLs (`/file/d/ID/view`, `/drive/folders/ID`, `?id=`). */
const idFromUrl = (url: string) => {
  const parsed = parseLinkRef(url);
  return parsed?.provider === "gdrive" ? parsed.key : null;
};

export async function share(
  drive: DriveSession,
  target: RemoteItem,
  options: ShareOptions,
): Promise<SharedLink> {
  const { google, api } = drive;
  // Made by this run and not shared yet: nothing to reuse or narrow (session.ts).
  const existing = drive.unshared.delete(target.remoteId)
    ? []
    : await anyonePermissions(drive, target.remoteId);
  const viewOnly = existing.find(
    (permission) => permission.role === "reader" && permission.allowFileDiscovery === false,
  );
  // A wider "anyone" permission (editor, or discoverable) goes: the link must be view-only.
  for (const permission of existing) {
    if (permission !== viewOnly)
      await deletePermission(drive, target.remoteId, permission.id as string);
  }
  // Before the link exists, so that it never works without the restriction.
  if (options.noDownload) await restrictDownloads(drive, target);
  let permissionId = viewOnly?.id ?? undefined;
  if (!viewOnly) {
    const { data: made } = await call(google, `create a link to ${target.remotePath}`, () =>
      api.permissions.create({ fileId: target.remoteId, requestBody: VIEW_ONLY }),
    );
    permissionId = made?.id ?? undefined;
  }
  const url =
    target.viewUrl ??
    (
      await call(google, `read the link to ${target.remotePath}`, () =>
        api.files.get({ fileId: target.remoteId, fields: "webViewLink" }),
      )
    ).data.webViewLink;
  if (!url) {
    throw providerError(
      `Google Drive gave no link for ${target.remotePath}.`,
      "Try again; dmshare revoke removes the half-made share.",
    );
  }
  return {
    url,
    expiresAt: null,
    reused: Boolean(viewOnly),
    identity: {
      key: target.remoteId,
      itemId: target.remoteId,
      ...(typeof permissionId === "string" && { permissionId }),
    },
  };
}

/** Sets "viewers can't download, print or copy" on a file, or on every file of a folder. */
async function restrictDownloads(drive: DriveSession, target: RemoteItem) {
  const { google, api } = drive;
  const { data: item } = await call(google, "read the shared item", () =>
    api.files.get({ fileId: target.remoteId, fields: "id,mimeType" }),
  );
  const fileIds =
    item.mimeType === FOLDER_MIME ? await childIds(drive, target.remoteId) : [target.remoteId];
  for (const fileId of fileIds) {
    await call(google, "stop viewers from downloading", () =>
      api.files.update({ fileId, requestBody: { copyRequiresWriterPermission: true } }),
    );
  }
}

async function childIds({ google, api }: DriveSession, folderId: string): Promise<string[]> {
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(google, "list the album", () =>
      api.files.list({
        q: `'${folderId}' in parents and trashed = false`,
        fields: "nextPageToken,files(id)",
        pageSize: 1000,
        pageToken,
      }),
    );
    ids.push(...(data.files ?? []).map((file) => file.id as string));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return ids;
}

async function anyonePermissions({ google, api }: DriveSession, fileId: string) {
  const permissions = await call(
    google,
    "read the item's sharing",
    async () => {
      const { data } = await api.permissions.list({
        fileId,
        fields: "permissions(id,type,role,allowFileDiscovery)",
        pageSize: 100,
      });
      return data.permissions ?? [];
    },
    (error) => (isNotFound(error.status) ? [] : undefined),
  );
  return permissions.filter((permission) => permission.type === "anyone");
}

async function deletePermission(
  { google, api }: DriveSession,
  fileId: string,
  permissionId: string,
) {
  await call(
    google,
    "remove the link",
    async () => {
      await api.permissions.delete({ fileId, permissionId });
      return true;
    },
    (error) => (isNotFound(error.status) ? false : undefined),
  );
}

export async function revoke(drive: DriveSession, link: LinkToRevoke): Promise<RevokeOutcome> {
  const fileId = link.target?.remoteId ?? (link.url ? idFromUrl(link.url) : null);
  if (!fileId) {
    // Nothing was made (no upload, no link) is the only case that needs no asking.
    if (!link.url) return "already-revoked";
    throw providerError(
      `dmshare can't tell which Google Drive file the link ${link.url} is for, so it can't check that the link is gone.`,
      "Stop sharing it on drive.google.com (Share → General access → Restricted).",
    );
  }
  const permissions = await anyonePermissions(drive, fileId);
  for (const permission of permissions) {
    await deletePermission(drive, fileId, permission.id as string);
  }
  return permissions.length > 0 ? "revoked" : "already-revoked";
}

export async function linkState(drive: DriveSession, target: RemoteItem): Promise<LinkState> {
  const { google, api } = drive;
  const item = await call(
    google,
    `look up ${target.remotePath}`,
    async () => {
      const { data } = await api.files.get({
        fileId: target.remoteId,
        fields: "id,trashed,webViewLink",
      });
      return data;
    },
    (error) => (isNotFound(error.status) ? null : undefined),
  );
  // A trashed item opens for nobody but its owner.
  if (!item || item.trashed) return { item: "gone", links: [] };
  const shared = (await anyonePermissions(drive, target.remoteId)).length > 0;
  return {
    item: "present",
    links: shared && item.webViewLink ? [{ url: item.webViewLink, expiresAt: null }] : [],
  };
}
