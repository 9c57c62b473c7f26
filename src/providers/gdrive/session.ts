// A Google Drive session: the Drive client on the shared Google connection, and the
// `dmshare` folder everything goes into, found or made once per run.

import type { drive_v3 } from "@googleapis/drive";
import {
  call,
  connectGoogle,
  type GoogleConnection,
  type GoogleService,
} from "../google/session.ts";
import type { Account, ProviderSession } from "../provider.ts";

export const SERVICE: GoogleService = {
  name: "gdrive",
  label: "Google Drive",
  // dmshare sees only the files it created.
  scopes: ["https://www.googleapis.com/auth/drive.file"],
};
export const FOLDER_MIME = "application/vnd.google-apps.folder";
/** Everything dmshare uploads lives in this folder at the top of the user's Drive. */
export const ROOT_FOLDER = "dmshare";
/** Asked of every file or folder dmshare makes: its link comes with it, no extra round trip. */
export const CREATED_FIELDS = "id,name,webViewLink";

export const isNotFound = (status: number) => status === 404;

export interface DriveSession {
  google: GoogleConnection;
  api: drive_v3.Drive;
  signal: AbortSignal;
  /** The `dmshare` folder's id, once asked for in this run. */
  rootFolderId?: Promise<string>;
  /** The `dmshare` folder looked for ahead (null: none yet), see lookForRootFolder. */
  rootFolderLookup?: Promise<string | null>;
  /** An id Drive made for the next send folder (files.generateIds), not used yet. */
  sendFolderId?: Promise<string | undefined>;
  /**
   * Items this run made and has not shared yet: nobody but the owner has a permission on
   * them (their folder is the send's own, never shared), so sharing one needs no look at
   * its permissions first: one round trip less.
   */
  unshared: Set<string>;
}

export async function openSession(session: ProviderSession): Promise<DriveSession> {
  const google = await connectGoogle(session, SERVICE);
  const { drive } = await import("@googleapis/drive");
  // dmshare's own retry policy applies; the client's would retry some calls a second time.
  const api = drive({
    version: "v3",
    auth: google.auth,
    rootUrl: google.endpoints.apiRoot,
    retry: false,
  });
  return { google, api, signal: session.ctx.signal, unshared: new Set() };
}

export async function whoami({ google, api }: DriveSession): Promise<Account> {
  const { data } = await call(google, "read your account", () =>
    api.about.get({ fields: "user(displayName,emailAddress,permissionId)" }),
  );
  return {
    id: data.user?.permissionId ?? "",
    name: data.user?.displayName ?? "your Google account",
    email: data.user?.emailAddress ?? null,
  };
}

/** Drive's ids are letters, digits, `-` and `_`. */
const DRIVE_ID = /^[\w-]{10,128}$/;

/**
 * An id for a send's folder (its own, or its album's), made by Drive ahead (files.generateIds)
 * and used once: the first is asked for while the files are prepared (`warmUp`), and lets
 * the folder's creation be checked by its id instead of by a round trip reading it back.
 * Undefined when Drive did not give one.
 */
export function idForSendFolder(drive: DriveSession): Promise<string | undefined> {
  drive.sendFolderId ??= call(drive.google, "prepare the folder for this send", () =>
    drive.api.files.generateIds({ count: 1, space: "drive", type: "files", fields: "ids" }),
  ).then(
    ({ data }) => data.ids?.find((id) => DRIVE_ID.test(id)),
    () => undefined,
  );
  return drive.sendFolderId;
}

/** The id of idForSendFolder, taken: the next folder gets another. */
export function takeIdForSendFolder(drive: DriveSession): Promise<string | undefined> {
  const id = idForSendFolder(drive);
  drive.sendFolderId = undefined;
  return id;
}

/** The `dmshare` folder, found or made once per run. */
export function rootFolder(drive: DriveSession): Promise<string> {
  drive.rootFolderId ??= findOrCreateRootFolder(drive);
  return drive.rootFolderId;
}

/**
 * Looks for the `dmshare` folder ahead of rootFolder() (while a send's files are prepared),
 * without ever making it: a send refused before its upload leaves the Drive as it was.
 */
export function lookForRootFolder(drive: DriveSession): void {
  drive.rootFolderLookup ??= findRootFolder(drive);
  drive.rootFolderLookup.catch(() => {});
}

/**
 * The id of the oldest `dmshare` folder at the top of the Drive (every process settles on the
 * same one), or null when dmshare has not made one yet.
 */
export async function findRootFolder({ google, api }: DriveSession): Promise<string | null> {
  const { data } = await call(google, "find the dmshare folder", () =>
    api.files.list({
      q: `name = '${ROOT_FOLDER}' and mimeType = '${FOLDER_MIME}' and 'root' in parents and trashed = false`,
      fields: "files(id,createdTime)",
      orderBy: "createdTime",
      pageSize: 10,
    }),
  );
  const [oldest] = (data.files ?? []).sort(
    (a, b) =>
      (a.createdTime ?? "").localeCompare(b.createdTime ?? "") ||
      (a.id ?? "").localeCompare(b.id ?? ""),
  );
  return oldest?.id ?? null;
}

async function isEmptyFolder({ google, api }: DriveSession, folderId: string) {
  const { data } = await call(google, "look into a dmshare folder", () =>
    api.files.list({ q: `'${folderId}' in parents`, fields: "files(id)", pageSize: 1 }),
  );
  return (data.files ?? []).length === 0;
}

/**
 * Finds the `dmshare` folder or makes it. Sends started at once on a first use (`xargs -P`)
 * may each make one: each then looks again and keeps the oldest, and removes its own only
 * while nothing is in it (a slow listing elsewhere may have picked it).
 */
async function findOrCreateRootFolder(drive: DriveSession): Promise<string> {
  const { google, api } = drive;
  const found = await (drive.rootFolderLookup ?? findRootFolder(drive));
  if (found) return found;
  const { data: created } = await call(google, "create the dmshare folder", () =>
    api.files.create({
      requestBody: { name: ROOT_FOLDER, mimeType: FOLDER_MIME, parents: ["root"] },
      fields: "id",
    }),
  );
  const mine = created.id as string;
  const kept = (await findRootFolder(drive)) ?? mine;
  if (kept !== mine && (await isEmptyFolder(drive, mine))) {
    await call(google, "remove a second dmshare folder", async () => {
      await api.files.delete({ fileId: mine });
      return true;
    });
  }
  return kept;
}
