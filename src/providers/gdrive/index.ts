// Google Drive: files in a `dmshare` folder, "anyone with the link" view-only links
// (optionally without downloads), revoke, delete.

import { loginGoogle } from "../google/login.ts";
import { call } from "../google/session.ts";
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
import { createAlbum } from "./folders.ts";
import { linkState, revoke, share } from "./links.ts";
import { listLinks } from "./listing.ts";
import {
  type DriveSession,
  idForSendFolder,
  isNotFound,
  lookForRootFolder,
  openSession,
  SERVICE,
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
