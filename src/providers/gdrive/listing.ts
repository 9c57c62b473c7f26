// What `sync` asks of Drive: every item in dmshare's folder that anyone with the link sees,
// in both layouts: directly in the dmshare folder (albums; photos sent before per-send
// folders) and one level down, in a send's own folder (`dmshare/<id>/beach.jpg`).

import type { drive_v3 } from "@googleapis/drive";
import { withoutControls } from "../../lib/text.ts";
import { call } from "../google/session.ts";
import type { ProviderLink } from "../provider.ts";
import { quoted } from "./folders.ts";
import { type DriveSession, FOLDER_MIME, findRootFolder, ROOT_FOLDER } from "./session.ts";

const SHARED = "(visibility = 'anyoneWithLink' or visibility = 'anyoneCanFind')";
const FIELDS = "id,name,mimeType,webViewLink,createdTime,size,parents";

export async function listLinks(drive: DriveSession): Promise<ProviderLink[]> {
  const root = await findRootFolder(drive);
  if (!root) return [];
  const found: ProviderLink[] = [];
  for (const item of await listAll(
    drive,
    `${quoted(root)} in parents and trashed = false and ${SHARED}`,
  )) {
    const listed = providerLinkFrom(item, ROOT_FOLDER);
    if (listed) found.push(listed);
  }
  // The sends' own folders are never shared themselves; what is shared in them is a photo.
  const sendFolders = new Map<string, string>();
  const folderQuery = `${quoted(root)} in parents and trashed = false and mimeType = '${FOLDER_MIME}' and visibility = 'limited'`;
  for (const folder of await listAll(drive, folderQuery)) {
    if (folder.id) sendFolders.set(folder.id, withoutControls(folder.name ?? folder.id));
  }
  if (sendFolders.size === 0) return found;
  const sharedFiles = `trashed = false and mimeType != '${FOLDER_MIME}' and ${SHARED}`;
  for (const item of await listAll(drive, sharedFiles)) {
    const [parent] = item.parents ?? [];
    const folderName = parent === undefined ? undefined : sendFolders.get(parent);
    if (folderName === undefined) continue;
    const listed = providerLinkFrom(item, `${ROOT_FOLDER}/${folderName}`);
    if (listed) found.push(listed);
  }
  return found;
}

async function listAll({ google, api }: DriveSession, q: string): Promise<drive_v3.Schema$File[]> {
  const items: drive_v3.Schema$File[] = [];
  let pageToken: string | undefined;
  do {
    const { data } = await call(google, "list the shared items in the dmshare folder", () =>
      api.files.list({ q, fields: `nextPageToken,files(${FIELDS})`, pageSize: 1000, pageToken }),
    );
    items.push(...(data.files ?? []));
    pageToken = data.nextPageToken ?? undefined;
  } while (pageToken);
  return items;
}

function providerLinkFrom(file: drive_v3.Schema$File, folderPath: string): ProviderLink | null {
  if (!file.id || !file.webViewLink) return null;
  const name = withoutControls(file.name ?? file.id);
  return {
    url: file.webViewLink,
    expiresAt: null,
    kind: file.mimeType === FOLDER_MIME ? "album" : "photo",
    name,
    target: { remotePath: `${folderPath}/${name}`, remoteId: file.id },
    uploadedAt: file.createdTime ? new Date(file.createdTime) : null,
    bytes: file.size ? Number(file.size) : null,
  };
}
