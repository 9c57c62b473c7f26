// Dropbox: files in an app folder, view-only shared links (expiry, no-download and password
// on paid plans), revoke, delete.

import { withoutControls } from "../../lib/text.ts";
import type {
  Deleter,
  LinkLister,
  LinkRevoker,
  LinkSharer,
  ProviderModule,
  ProviderParts,
  ProviderSession,
  RemoteItem,
} from "../provider.ts";
import { checkShareOptions, linkState, listLinks, nativeExpiry, revoke, share } from "./links.ts";
import { login } from "./login.ts";
import { call, DROPBOX, type DropboxSession, openSession, ROOT, whoami } from "./session.ts";
import { upload } from "./upload.ts";

async function connect(providerSession: ProviderSession) {
  const session = await openSession(providerSession);
  return {
    name: DROPBOX.name,
    whoami: () => whoami(session),
    checkShareOptions: (options) => checkShareOptions(session, options),
    createAlbum: (name) => createAlbum(session, name),
    upload: (files, album, onProgress, concurrency) =>
      upload(session, files, album, onProgress, concurrency),
    share: (target, options) => share(session, target, options),
    revoke: (link) => revoke(session, link),
    deleteItems: (items) => deleteItems(session, items),
    nativeExpiry: () => nativeExpiry(session),
    linkState: (target) => linkState(session, target),
    listLinks: () => listLinks(session),
  } satisfies ProviderParts & LinkSharer & LinkRevoker & Deleter & LinkLister;
}

async function createAlbum(session: DropboxSession, name: string): Promise<RemoteItem> {
  const { metadata } = await call(session, `create the album folder "${name}"`, () =>
    session.dbx.filesCreateFolderV2({ path: `${ROOT}/${name}`, autorename: true }),
  );
  return {
    remotePath: withoutControls(metadata.path_display ?? `${ROOT}/${metadata.name}`),
    remoteId: metadata.id,
  };
}

/** Removes files or folders; items already gone are not an error. */
async function deleteItems(session: DropboxSession, items: RemoteItem[]): Promise<void> {
  for (const item of items) {
    await call(
      session,
      `delete ${item.remotePath}`,
      async () => {
        await session.dbx.filesDeleteV2({ path: item.remotePath });
        return { result: undefined };
      },
      (summary) =>
        summary.startsWith("path_lookup/not_found") ? Promise.resolve(undefined) : undefined,
    );
  }
}

export default { connect, login } satisfies ProviderModule;
