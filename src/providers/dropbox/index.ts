// Dropbox: files in an app folder, view-only shared links (expiry, no-download and password
// on paid plans), revoke, delete.

import type { files } from "dropbox";
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
import { call, DROPBOX, type DropboxSession, openSession, whoami } from "./session.ts";
import { sendFolderOf, upload } from "./upload.ts";

async function connect(providerSession: ProviderSession) {
  const session = await openSession(providerSession);
  return {
    name: DROPBOX.name,
    whoami: () => whoami(session),
    checkShareOptions: (options) => checkShareOptions(session, options),
    createAlbum: (name, sendId) => createAlbum(session, name, sendId),
    upload: (files, destination, onProgress, concurrency) =>
      upload(session, files, destination, onProgress, concurrency),
    share: (target, options) => share(session, target, options),
    revoke: (link) => revoke(session, link),
    deleteItems: (items) => deleteItems(session, items),
    nativeExpiry: () => nativeExpiry(session),
    linkState: (target) => linkState(session, target),
    listLinks: () => listLinks(session),
  } satisfies ProviderParts & LinkSharer & LinkRevoker & Deleter & LinkLister;
}

/**
 * The album's folder in the send's own (`/dmshare/<sendId>/<name>`), which Dropbox makes on the
 * way. Nothing else is there, so it is never renamed; a retry that finds it made (the reply
 * was lost) takes it.
 */
async function createAlbum(
  session: DropboxSession,
  name: string,
  sendId: string,
): Promise<RemoteItem> {
  const sendFolder = sendFolderOf(sendId);
  const path = `${sendFolder.remotePath}/${name}`;
  const metadata = await call(
    session,
    `create the album folder "${name}"`,
    async () => ({
      result: (await session.dbx.filesCreateFolderV2({ path, autorename: false })).result
        .metadata as files.Metadata,
    }),
    (summary) =>
      summary.startsWith("path/conflict/folder")
        ? call(session, `create the album folder "${name}"`, () =>
            session.dbx.filesGetMetadata({ path }),
          )
        : undefined,
  );
  return {
    remotePath: withoutControls(metadata.path_display ?? path),
    remoteId: (metadata as files.FolderMetadataReference).id,
    sendFolder,
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
