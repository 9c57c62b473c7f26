// Where a send's files go in Drive: a folder of its own, named by the send's id, inside the
// dmshare folder (an album's folder plays that part itself). A write whose reply was lost is
// looked for there before it is tried again, so a retry never leaves a private duplicate.

import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { drive_v3 } from "@googleapis/drive";
import { providerError } from "../../lib/errors.ts";
import type { FolderItem } from "../../lib/link-records.ts";
import { withoutControls } from "../../lib/text.ts";
import { call } from "../google/session.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import type { LocalFile, RemoteItem } from "../provider.ts";
import {
  CREATED_FIELDS,
  type DriveSession,
  FOLDER_MIME,
  ROOT_FOLDER,
  rootFolder,
  takeIdForSendFolder,
} from "./session.ts";

/** A Drive query's string literal: `'` and `\` escaped. */
export const quoted = (text: string) => `'${text.replace(/[\\']/g, (char) => `\\${char}`)}'`;

/** The items named `name` directly in the folder `parentId` (not trashed). */
async function namedIn(
  { google, api }: DriveSession,
  parentId: string,
  name: string,
  fields: string,
): Promise<drive_v3.Schema$File[]> {
  const { data } = await call(google, `look for ${name}`, () =>
    api.files.list({
      q: `name = ${quoted(name)} and ${quoted(parentId)} in parents and trashed = false`,
      fields: `files(${fields})`,
      pageSize: 10,
    }),
  );
  return data.files ?? [];
}

/**
 * Runs `create` once; should it fail and be tried again (its reply may have been lost after
 * Drive made the item), `madeBefore` is asked first, and what it finds is taken instead.
 */
export function createOnce<T>(
  create: () => Promise<T>,
  madeBefore: () => Promise<T | undefined>,
): () => Promise<T> {
  let tried = false;
  return async () => {
    if (tried) {
      const found = await madeBefore();
      if (found !== undefined) return found;
    }
    tried = true;
    return create();
  };
}

/**
 * A folder in the dmshare folder, made once (a retry after a lost reply first asks
 * `madeBefore`), with the id Drive generated for it when Drive gave one: the dmshare folder's
 * id, that id, and Drive's answer.
 */
async function createFolderOnce(
  drive: DriveSession,
  action: string,
  folder: { name: string; appProperties?: Record<string, string> },
  fields: string,
  madeBefore: (parent: string) => Promise<drive_v3.Schema$File | undefined>,
) {
  const [parent, id] = await Promise.all([rootFolder(drive), takeIdForSendFolder(drive)]);
  const made = await call(
    drive.google,
    action,
    createOnce(
      async () =>
        (
          await drive.api.files.create({
            requestBody: { ...(id && { id }), ...folder, mimeType: FOLDER_MIME, parents: [parent] },
            fields,
          })
        ).data,
      () => madeBefore(parent),
    ),
  );
  return { parent, id, made };
}

/** Drive answered a folder's creation with another item: nothing is uploaded into it. */
const anotherItem = (what: string) =>
  providerError(
    `Google Drive answered dmshare's request for ${what} with another item; dmshare uploaded nothing into it.`,
    alteredAnswerHint("Google Drive"),
  );

/** The send's own folder, `dmshare/<sendId>`, made in the dmshare folder. */
export async function createSendFolder(drive: DriveSession, sendId: string): Promise<FolderItem> {
  const fields = "id,name,mimeType,parents";
  const { parent, id, made } = await createFolderOnce(
    drive,
    "create the folder for this send",
    { name: sendId },
    fields,
    async (parent) =>
      (await namedIn(drive, parent, sendId, fields)).find((item) => item.mimeType === FOLDER_MIME),
  );
  // This folder is what clean-up and `revoke --delete-files` delete whole: an answer naming
  // another folder (the dmshare folder, another send's) must never be taken for it, so the
  // answer is checked, and must carry the id Drive made for it (Drive refuses to create an
  // item with an id in use) or else is read back by its id.
  const isSendFolder = (item: drive_v3.Schema$File | undefined): item is { id: string } =>
    typeof item?.id === "string" &&
    item.id !== parent &&
    item.name === sendId &&
    item.mimeType === FOLDER_MIME &&
    item.parents?.includes(parent) === true;
  const readBack = async (id: string) =>
    (
      await call(drive.google, "check the folder for this send", () =>
        drive.api.files.get({ fileId: id, fields }),
      )
    ).data;
  if (!isSendFolder(made) || (id ? made.id !== id : !isSendFolder(await readBack(made.id)))) {
    throw anotherItem(`the folder ${ROOT_FOLDER}/${sendId}`);
  }
  return { remotePath: withoutControls(`${ROOT_FOLDER}/${sendId}`), remoteId: made.id };
}

/**
 * The album's folder, in the dmshare folder: Drive never renames, so no other send's names can
 * show in it, and it is this send's own folder (clean-up deletes it). It carries the send's id
 * (appProperties), so a retry after a lost reply finds it instead of making a second one.
 */
export async function createAlbum(
  drive: DriveSession,
  name: string,
  sendId: string,
): Promise<RemoteItem> {
  const { id, made } = await createFolderOnce(
    drive,
    `create the album folder "${name}"`,
    { name, appProperties: { [SEND_PROPERTY]: sendId } },
    CREATED_FIELDS,
    (parent) => folderOfSend(drive, parent, sendId),
  );
  // Clean-up deletes this folder whole: an answer naming another item (the dmshare folder,
  // another send's) must not be taken for it. Drive made the id; it can't be another's.
  if (typeof made.id !== "string" || (id !== undefined && made.id !== id)) {
    throw anotherItem(`the album folder "${name}"`);
  }
  drive.unshared.add(made.id);
  return {
    remotePath: withoutControls(`${ROOT_FOLDER}/${made.name ?? name}`),
    remoteId: made.id,
    ...(made.webViewLink && { viewUrl: made.webViewLink }),
  };
}

/** The appProperty that names the send an album's folder was made for. */
const SEND_PROPERTY = "dmshareSend";

/** The album folder made for the send `sendId` in `parentId`, if a lost reply hid it. */
async function folderOfSend(
  { google, api }: DriveSession,
  parentId: string,
  sendId: string,
): Promise<drive_v3.Schema$File | undefined> {
  const { data } = await call(google, "look for the album folder", () =>
    api.files.list({
      q:
        `appProperties has { key=${quoted(SEND_PROPERTY)} and value=${quoted(sendId)} } and ` +
        `${quoted(parentId)} in parents and mimeType = '${FOLDER_MIME}' and trashed = false`,
      fields: `files(${CREATED_FIELDS})`,
      pageSize: 10,
    }),
  );
  return data.files?.[0];
}

/** The MD5 Drive reports for a file's content, of what is uploaded. */
async function md5Of(file: LocalFile): Promise<string> {
  const hash = createHash("md5");
  for await (const chunk of createReadStream(file.contentPath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** The file named like `file` in `parentId` with its exact bytes (size and MD5), if any. */
export async function uploadedBefore(
  drive: DriveSession,
  file: LocalFile,
  parentId: string,
): Promise<drive_v3.Schema$File | undefined> {
  const candidates = (
    await namedIn(drive, parentId, file.name, `${CREATED_FIELDS},size,md5Checksum`)
  ).filter((item) => Number(item.size) === file.bytes && item.md5Checksum);
  if (candidates.length === 0) return undefined;
  const md5 = await md5Of(file);
  return candidates.find((item) => item.md5Checksum === md5);
}
