// OneDrive (Microsoft Graph v1.0, personal accounts): files in the app folder
// (`Apps/<app name>`, the only place the Files.ReadWrite.AppFolder scope reaches), each send
// in a folder of its own there (folders.ts), anonymous view-only links, revoke, delete. Plain fetch rather than
// @microsoft/microsoft-graph-client: see the commit that added this provider.

import { withoutControls } from "../../lib/text.ts";
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
import { LABEL } from "./errors.ts";
import { createAlbum } from "./folders.ts";
import { linkState, listLinks, revoke, share } from "./links.ts";
import { loginOneDrive } from "./login.ts";
import { type GraphSession, graph, itemPath, openSession, SERVICE } from "./session.ts";
import { upload } from "./upload.ts";

async function connect(session: ProviderSession) {
  const s = await openSession(session);
  return {
    name: SERVICE.name,
    whoami: () => whoami(s),
    createAlbum: (name, sendId) => createAlbum(s, name, sendId),
    upload: (files, destination, onProgress, concurrency) =>
      upload(s, files, destination, onProgress, concurrency),
    share: (target, options) => share(s, target, options),
    revoke: (link) => revoke(s, link),
    deleteItems: (items) => deleteItems(s, items),
    linkState: (target) => linkState(s, target),
    listLinks: () => listLinks(s),
  } satisfies ProviderParts & LinkSharer & LinkRevoker & Deleter & LinkLister;
}

async function whoami(s: GraphSession): Promise<Account> {
  const me = await graph<{
    id?: unknown;
    displayName?: unknown;
    userPrincipalName?: unknown;
    mail?: unknown;
  }>(s, "read your account", "/me");
  const email = typeof me.mail === "string" ? me.mail : me.userPrincipalName;
  return {
    id: typeof me.id === "string" ? me.id : "",
    name: withoutControls(
      typeof me.displayName === "string" && me.displayName
        ? me.displayName
        : `your ${LABEL} account`,
    ),
    email: typeof email === "string" ? withoutControls(email) : null,
  };
}

/** Removes files or folders (to the recycle bin); items already gone are not an error. */
async function deleteItems(s: GraphSession, items: RemoteItem[]): Promise<void> {
  for (const item of items) {
    await graph<boolean>(
      s,
      `delete ${item.remotePath}`,
      itemPath(item.remoteId),
      { method: "DELETE" },
      (error) => (error.status === 404 ? false : undefined),
    );
  }
}

async function login(...args: Parameters<ProviderModule["login"]>): Promise<Account> {
  const [request, session, ui] = args;
  return loginOneDrive(request, session, ui, async (loggedIn) =>
    whoami(await openSession(loggedIn)),
  );
}

export default { connect, login } satisfies ProviderModule;
