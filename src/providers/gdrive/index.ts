// Google Drive: files in a `dmshare` folder, "anyone with the link" view-only links
// (optionally without downloads), revoke, delete.

import { providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { loginGoogle } from "../google/login.ts";
import { call } from "../google/session.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import type {
  Account,
  Deleter,
  LinkLister,
  LinkRevoker,
  LinkSharer,
  ProviderModule,
  ProviderParts,
  ProviderSession,
  RemoteItem,
} from "../provider.ts";
import { createOnce, folderOfSend, SEND_PROPERTY } from "./folders.ts";
import { linkState, revoke, share } from "./links.ts";
import { listLinks } from "./listing.ts";
import {
  CREATED_FIELDS,
  type DriveSession,
  FOLDER_MIME,
  idForSendFolder,
  isNotFound,
  lookForRootFolder,
  openSession,
  ROOT_FOLDER,
  rootFolder,
  SERVICE,
  takeIdForSendFolder,
  whoami,
} from "./session.ts";
import { upload } from "./upload.ts";

async function connect(session: ProviderSession) {
  const drive = await openSession(session);
  return {
    name: SERVICE.name,
    whoami: () => whoami(drive),
    // The dmshare folder is looked up while the files are prepared; the upload takes the
    // answer, or its error.
    warmUp: () => {
      lookForRootFolder(drive);
      idForSendFolder(drive).catch(() => {});
    },
    createAlbum: (name, sendId) => createAlbum(drive, name, sendId),
    upload: (files, destination, onProgress, concurrency) =>
      upload(drive, files, destination, onProgress, concurrency),
    share: (target, options) => share(drive, target, options),
    revoke: (link) => revoke(drive, link),
    deleteItems: (items) => deleteItems(drive, items),
    linkState: (target) => linkState(drive, target),
    listLinks: () => listLinks(drive),
  } satisfies ProviderParts & LinkSharer & LinkRevoker & Deleter & LinkLister;
}

/**
 * The album's folder, in the dmshare folder: Drive never renames, so no other send's names can
 * show in it, and it is this send's own folder (clean-up deletes it). It carries the send's id
 * (appProperties), so a retry after a lost reply finds it instead of making a second one.
 */
async function createAlbum(drive: DriveSession, name: string, sendId: string): Promise<RemoteItem> {
  const [parent, id] = await Promise.all([rootFolder(drive), takeIdForSendFolder(drive)]);
  const data = await call(
    drive.google,
    `create the album folder "${name}"`,
    createOnce(
      async () =>
        (
          await drive.api.files.create({
            requestBody: {
              ...(id && { id }),
              name,
              mimeType: FOLDER_MIME,
              parents: [parent],
              appProperties: { [SEND_PROPERTY]: sendId },
            },
            fields: CREATED_FIELDS,
          })
        ).data,
      () => folderOfSend(drive, parent, sendId),
    ),
  );
  // Clean-up deletes this folder whole: an answer naming another item (the dmshare folder,
  // another send's) must not be taken for it. Drive made the id; it can't be another's.
  if (typeof data.id !== "string" || (id !== undefined && data.id !== id)) {
    throw providerError(
      `Google Drive answered dmshare's request for the album folder "${name}" with another item; dmshare uploaded nothing into it.`,
      alteredAnswerHint("Google Drive"),
    );
  }
  drive.unshared.add(data.id);
  return {
    remotePath: withoutControls(`${ROOT_FOLDER}/${data.name ?? name}`),
    remoteId: data.id as string,
    ...(data.webViewLink && { viewUrl: data.webViewLink }),
  };
}

/** Removes files or folders; items already gone are not an error. */
async function deleteItems({ google, api }: DriveSession, items: RemoteItem[]): Promise<void> {
  for (const item of items) {
    await call(
      google,
      `delete ${item.remotePath}`,
      async () => {
        await api.files.delete({ fileId: item.remoteId });
        return true;
      },
      (error) => (isNotFound(error.status) ? false : undefined),
    );
  }
}

async function login(...args: Parameters<ProviderModule["login"]>): Promise<Account> {
  const [request, session, ui] = args;
  return loginGoogle(request, session, ui, SERVICE, async (loggedIn) =>
    whoami(await openSession(loggedIn)),
  );
}

export default { connect, login } satisfies ProviderModule;
