// Where a send's files go in OneDrive: a folder of its own in the app folder, named by the
// send's id (`Apps/dmshare/<id>/beach.jpg`), an album in a folder inside it
// (`Apps/dmshare/<id>/Lisbon trip`), so names of different sends never meet and clean-up
// deletes that one folder. Folders are made with conflictBehavior=fail: a retry (or another
// process) that finds the name taken takes the folder that is there.

import { providerError } from "../../lib/errors.ts";
import type { FolderItem } from "../../lib/link-records.ts";
import { withoutControls } from "../../lib/text.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import type { RemoteItem } from "../provider.ts";
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

const TAKEN = Symbol("name taken");

/** The folder `name` in `parent`: made, or the one already there. */
async function ensureFolder(
  s: GraphSession,
  parent: FolderItem,
  name: string,
  action: string,
): Promise<FolderItem> {
  const made = await call<GraphItem | typeof TAKEN>(
    s,
    action,
    async () =>
      (
        await graphRequest<GraphItem>(s, `${itemPath(parent.remoteId)}/children`, {
          method: "POST",
          json: { name, folder: {}, "@microsoft.graph.conflictBehavior": "fail" },
        })
      ).data,
    (error) => (error.status === 409 ? TAKEN : undefined),
  );
  const folder =
    made === TAKEN
      ? await graph<GraphItem>(
          s,
          action,
          `${itemPath(parent.remoteId)}:/${encodeURIComponent(name)}`,
        )
      : made;
  if (typeof folder?.id !== "string" || !folder.folder) {
    throw providerError(
      `${LABEL} has something other than a folder at ${parent.remotePath}/${name}.`,
      "Try again; dmshare picks a new name for each send.",
    );
  }
  // This folder is what clean-up and `revoke --delete-files` delete whole: an answer naming
  // another folder (the app folder, another send's) must never be taken for it, so the
  // answer is checked, and read back by its id.
  const isIt = (item: GraphItem | undefined) =>
    item?.id === folder.id &&
    item.id !== parent.remoteId &&
    !!item.folder &&
    item.name?.toLowerCase() === name.toLowerCase() &&
    (item.parentReference?.id === undefined || item.parentReference.id === parent.remoteId);
  if (!isIt(folder) || !isIt(await graph<GraphItem>(s, action, itemPath(folder.id)))) {
    throw providerError(
      `${LABEL} answered dmshare's request for the folder ${parent.remotePath}/${withoutControls(name)} with another item; dmshare uploaded nothing into it.`,
      alteredAnswerHint(LABEL),
    );
  }
  return {
    remotePath: withoutControls(`${parent.remotePath}/${folder.name ?? name}`),
    remoteId: folder.id,
  };
}

/** The send's own folder, `Apps/<app>/<sendId>`. */
export async function sendFolderOf(s: GraphSession, sendId: string): Promise<FolderItem> {
  const app = await appFolder(s);
  const root = { remotePath: await appFolderPath(s), remoteId: app.id };
  return ensureFolder(s, root, sendId, "create the folder for this send");
}

/** The album `name` in the send's own folder (its name is the recipient's to see). */
export async function createAlbum(
  s: GraphSession,
  name: string,
  sendId: string,
): Promise<RemoteItem> {
  const sendFolder = await sendFolderOf(s, sendId);
  const album = await ensureFolder(s, sendFolder, name, `create the album folder "${name}"`);
  return { ...album, sendFolder };
}
