import type { drive_v3 } from "@googleapis/drive";
import { providerError } from "../../errors.ts";
import { withoutControls } from "../../text.ts";
import {
  connectGoogle,
  type GoogleConnection,
  type GoogleService,
  loginGoogle,
} from "../google/login.ts";
import { parseLinkRef } from "../link-identity.ts";
import type {
  Account,
  LinkState,
  LinkToRevoke,
  LocalFile,
  Provider,
  ProviderLink,
  ProviderModule,
  ProviderSession,
  RemoteItem,
  RevokeOutcome,
  SharedLink,
  ShareOptions,
  UploadedFile,
  UploadProgress,
} from "../provider.ts";
import {
  Concurrency,
  chunkBytesFor,
  FilePart,
  mapSettled,
  uploadedOrIncomplete,
} from "../transfer.ts";

const SERVICE: GoogleService = {
  provider: "gdrive",
  label: "Google Drive",
  // dmshare sees only the files it created.
  scopes: ["https://www.googleapis.com/auth/drive.file"],
};
const FOLDER_MIME = "application/vnd.google-apps.folder";
/** Everything dmshare uploads lives in this folder at the top of the user's Drive. */
const ROOT_FOLDER = "dmshare";
/** Google suggests resumable uploads above 5 MB; smaller files go in one multipart request. */
const MULTIPART_MAX = 5 * 1024 * 1024;
/** Drive asks for resumable chunks in multiples of 256 KiB. */
const CHUNK_MULTIPLE = 256 * 1024;
const UPLOAD_CONCURRENCY = 4;
/** Asked of every file or folder dmshare makes: its link comes with it, no extra round trip. */
const CREATED_FIELDS = "id,name,webViewLink";
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

const isNotFound = (status: number) => status === 404;

interface Folder {
  id: string;
  /** For the ledger and messages: `dmshare/Lisbon trip`. */
  path: string;
}

async function connect(session: ProviderSession): Promise<Provider> {
  const google = await connectGoogle(session, SERVICE);
  const { auth, endpoints, call } = google;
  const { drive } = await import("@googleapis/drive");
  // dmshare's own retry policy applies; the client's would retry some calls a second time.
  const api = drive({ version: "v3", auth, rootUrl: endpoints.apiRoot, retry: false });
  const uploadOptions = { rootUrl: endpoints.apiRoot, signal: session.ctx.signal };
  let rootFolderId: Promise<string> | undefined;

  /** The `dmshare` folder, found or made once per run. */
  const rootFolder = () => {
    rootFolderId ??= findOrCreateRootFolder(google, api);
    return rootFolderId;
  };

  async function uploadOne(file: LocalFile, parent: Folder, onProgress: UploadProgress) {
    const metadata: drive_v3.Schema$File = {
      name: file.name,
      parents: [parent.id],
      modifiedTime: file.modifiedAt.toISOString(),
    };
    const created =
      file.bytes <= MULTIPART_MAX
        ? await call(`upload ${file.name}`, async () => {
            const { data } = await api.files.create(
              {
                requestBody: metadata,
                media: {
                  mimeType: file.mime,
                  body: new FilePart(file, 0, file.bytes, onProgress),
                },
                fields: CREATED_FIELDS,
              },
              uploadOptions,
            );
            return data;
          })
        : await resumableUpload(google, file, metadata, onProgress, session.ctx.signal);
    const uploaded: UploadedFile = {
      localPath: file.path,
      bytes: file.bytes,
      remoteId: created.id as string,
      remotePath: withoutControls(`${parent.path}/${created.name ?? file.name}`),
      ...(created.webViewLink && { viewUrl: created.webViewLink }),
    };
    return uploaded;
  }

  /** Sets "viewers can't download, print or copy" on a file, or on every file of a folder. */
  async function restrictDownloads(target: RemoteItem) {
    const { data: item } = await call("read the shared item", () =>
      api.files.get({ fileId: target.remoteId, fields: "id,mimeType" }),
    );
    const fileIds =
      item.mimeType === FOLDER_MIME ? await childIds(target.remoteId) : [target.remoteId];
    for (const fileId of fileIds) {
      await call("stop viewers from downloading", () =>
        api.files.update({ fileId, requestBody: { copyRequiresWriterPermission: true } }),
      );
    }
  }

  async function childIds(folderId: string): Promise<string[]> {
    const ids: string[] = [];
    let pageToken: string | undefined;
    do {
      const { data } = await call("list the album", () =>
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

  async function anyonePermissions(fileId: string) {
    const permissions = await call(
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

  async function deletePermission(fileId: string, permissionId: string) {
    await call(
      "remove the link",
      async () => {
        await api.permissions.delete({ fileId, permissionId });
        return true;
      },
      (error) => (isNotFound(error.status) ? false : undefined),
    );
  }

  const provider = {
    name: SERVICE.provider,
    capabilities: {
      publicLinks: true,
      albums: true,
      // Drive offers expiry only for links to named people, not for "anyone with the link".
      expiry: false,
      noDownload: true,
      // Drive has no password for "anyone with the link".
      password: false,
      revoke: true,
      deleteFiles: true,
    },

    whoami: () => whoami(google, api),

    async checkShareOptions() {},

    async createAlbum(name: string): Promise<RemoteItem> {
      const parent = await rootFolder();
      const { data } = await call(`create the album folder "${name}"`, () =>
        api.files.create({
          requestBody: { name, mimeType: FOLDER_MIME, parents: [parent] },
          fields: CREATED_FIELDS,
        }),
      );
      return {
        remotePath: withoutControls(`${ROOT_FOLDER}/${data.name ?? name}`),
        remoteId: data.id as string,
        ...(data.webViewLink && { viewUrl: data.webViewLink }),
      };
    },

    async upload(
      files: LocalFile[],
      album: RemoteItem | null,
      onProgress: UploadProgress,
      concurrency = UPLOAD_CONCURRENCY,
    ) {
      const parent: Folder = album
        ? { id: album.remoteId, path: album.remotePath }
        : { id: await rootFolder(), path: ROOT_FOLDER };
      google.uploads = new Concurrency(concurrency);
      const results = await mapSettled(files, google.uploads, (file) =>
        uploadOne(file, parent, onProgress),
      );
      return uploadedOrIncomplete(files, results);
    },

    async share(target: RemoteItem, options: ShareOptions): Promise<SharedLink> {
      const existing = await anyonePermissions(target.remoteId);
      const viewOnly = existing.find(
        (permission) => permission.role === "reader" && permission.allowFileDiscovery === false,
      );
      // A wider "anyone" permission (editor, or discoverable) goes: the link must be view-only.
      for (const permission of existing) {
        if (permission !== viewOnly)
          await deletePermission(target.remoteId, permission.id as string);
      }
      // Before the link exists, so that it never works without the restriction.
      if (options.noDownload) await restrictDownloads(target);
      let permissionId = viewOnly?.id ?? undefined;
      if (!viewOnly) {
        const { data: made } = await call(`create a link to ${target.remotePath}`, () =>
          api.permissions.create({ fileId: target.remoteId, requestBody: VIEW_ONLY }),
        );
        permissionId = made?.id ?? undefined;
      }
      const url =
        target.viewUrl ??
        (
          await call(`read the link to ${target.remotePath}`, () =>
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
    },

    async revoke(link: LinkToRevoke): Promise<RevokeOutcome> {
      const fileId = link.target?.remoteId ?? (link.url ? idFromUrl(link.url) : null);
      if (!fileId) {
        // Nothing was made (no upload, no link) is the only case that needs no asking.
        if (!link.url) return "already-revoked";
        throw providerError(
          `dmshare can't tell which Google Drive file the link ${link.url} is for, so it can't check that the link is gone.`,
          "Stop sharing it on drive.google.com (Share → General access → Restricted).",
        );
      }
      const permissions = await anyonePermissions(fileId);
      for (const permission of permissions) await deletePermission(fileId, permission.id as string);
      return permissions.length > 0 ? "revoked" : "already-revoked";
    },

    async deleteItems(items: RemoteItem[]): Promise<void> {
      for (const item of items) {
        await call(
          `delete ${item.remotePath}`,
          async () => {
            await api.files.delete({ fileId: item.remoteId });
            return true;
          },
          (error) => (isNotFound(error.status) ? false : undefined),
        );
      }
    },

    async linkState(target: RemoteItem): Promise<LinkState> {
      const item = await call(
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
      const shared = (await anyonePermissions(target.remoteId)).length > 0;
      return {
        item: "present",
        links: shared && item.webViewLink ? [{ url: item.webViewLink, expiresAt: null }] : [],
      };
    },

    /** Files and album folders directly in the dmshare folder that anyone with the link sees. */
    async listLinks(): Promise<ProviderLink[]> {
      const root = await findRootFolder(google, api);
      if (!root) return [];
      const found: ProviderLink[] = [];
      let pageToken: string | undefined;
      do {
        const { data } = await call("list the shared items in the dmshare folder", () =>
          api.files.list({
            q:
              `'${root}' in parents and trashed = false and ` +
              `(visibility = 'anyoneWithLink' or visibility = 'anyoneCanFind')`,
            fields: "nextPageToken,files(id,name,mimeType,webViewLink,createdTime,size)",
            pageSize: 1000,
            pageToken,
          }),
        );
        for (const file of data.files ?? []) {
          if (!file.id || !file.webViewLink) continue;
          const name = withoutControls(file.name ?? file.id);
          found.push({
            url: file.webViewLink,
            expiresAt: null,
            kind: file.mimeType === FOLDER_MIME ? "album" : "photo",
            name,
            target: { remotePath: `${ROOT_FOLDER}/${name}`, remoteId: file.id },
            uploadedAt: file.createdTime ? new Date(file.createdTime) : null,
            bytes: file.size ? Number(file.size) : null,
          });
        }
        pageToken = data.nextPageToken ?? undefined;
      } while (pageToken);
      return found;
    },
  } satisfies Provider;
  return provider;
}

async function whoami(google: GoogleConnection, api: drive_v3.Drive): Promise<Account> {
  const { data } = await google.call("read your account", () =>
    api.about.get({ fields: "user(displayName,emailAddress,permissionId)" }),
  );
  return {
    id: data.user?.permissionId ?? "",
    name: data.user?.displayName ?? "your Google account",
    email: data.user?.emailAddress ?? null,
  };
}

/**
 * The id of the oldest `dmshare` folder at the top of the Drive (every process settles on the
 * same one), or null when dmshare has not made one yet.
 */
async function findRootFolder(google: GoogleConnection, api: drive_v3.Drive) {
  const { data } = await google.call("find the dmshare folder", () =>
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

async function isEmptyFolder(google: GoogleConnection, api: drive_v3.Drive, folderId: string) {
  const { data } = await google.call("look into a dmshare folder", () =>
    api.files.list({ q: `'${folderId}' in parents`, fields: "files(id)", pageSize: 1 }),
  );
  return (data.files ?? []).length === 0;
}

/**
 * Finds the `dmshare` folder or makes it. Sends started at once on a first use (`xargs -P`)
 * may each make one: each then looks again and keeps the oldest, and removes its own only
 * while nothing is in it (a slow listing elsewhere may have picked it).
 */
async function findOrCreateRootFolder(google: GoogleConnection, api: drive_v3.Drive) {
  const found = await findRootFolder(google, api);
  if (found) return found;
  const { data: created } = await google.call("create the dmshare folder", () =>
    api.files.create({
      requestBody: { name: ROOT_FOLDER, mimeType: FOLDER_MIME, parents: ["root"] },
      fields: "id",
    }),
  );
  const mine = created.id as string;
  const kept = (await findRootFolder(google, api)) ?? mine;
  if (kept !== mine && (await isEmptyFolder(google, api, mine))) {
    await google.call("remove a second dmshare folder", async () => {
      await api.files.delete({ fileId: mine });
      return true;
    });
  }
  return kept;
}

/**
 * A resumable upload (done by hand: the client library never uses this protocol), in chunks
 * of about an eighth of the file; after a failure Drive is asked how much arrived and the
 * rest goes from there.
 */
async function resumableUpload(
  google: GoogleConnection,
  file: LocalFile,
  metadata: drive_v3.Schema$File,
  onProgress: UploadProgress,
  signal: AbortSignal,
): Promise<drive_v3.Schema$File> {
  const { auth, endpoints, call } = google;
  const sessionUrl = await call(`start uploading ${file.name}`, async () => {
    const response = await auth.request({
      url: `${endpoints.apiRoot}upload/drive/v3/files?uploadType=resumable&fields=${CREATED_FIELDS}`,
      method: "POST",
      headers: {
        "Content-Type": "application/json; charset=UTF-8",
        "X-Upload-Content-Type": file.mime,
        "X-Upload-Content-Length": String(file.bytes),
      },
      data: JSON.stringify(metadata),
      signal,
    });
    const location = response.headers.get("location");
    if (!location) throw providerError("Google Drive started an upload without a session URL.");
    return location;
  });

  const total = file.bytes;
  const send = async (contentRange: string, start: number, end: number) => {
    const response = await auth.request<drive_v3.Schema$File>({
      url: sessionUrl,
      method: "PUT",
      headers: { "Content-Range": contentRange, "Content-Length": String(end - start) },
      data: end > start ? new FilePart(file, start, end, onProgress) : "",
      validateStatus: (status) => status === 308 || (status >= 200 && status < 300),
      signal,
    });
    if (response.status !== 308) return { done: response.data };
    // `Range: bytes=0-N` is what Drive holds; no Range means nothing arrived yet.
    const range = /bytes=0-(\d+)/.exec(response.headers.get("range") ?? "");
    return { next: range ? Number(range[1]) + 1 : 0 };
  };

  // Up to 32 MiB goes in one request.
  const chunkBytes = chunkBytesFor(total, { multiple: CHUNK_MULTIPLE, min: 128 * CHUNK_MULTIPLE });
  let offset = 0;
  let askFirst = false;
  return call(`upload ${file.name}`, async () => {
    if (askFirst) {
      const status = await send(`bytes */${total}`, 0, 0);
      if (status.done) return status.done;
      offset = status.next ?? 0;
    }
    askFirst = true;
    for (;;) {
      const end = Math.min(total, offset + chunkBytes);
      const result = await send(`bytes ${offset}-${end - 1}/${total}`, offset, end);
      if (result.done) return result.done;
      offset = result.next ?? 0;
    }
  });
}

async function login(...args: Parameters<ProviderModule["login"]>): Promise<Account> {
  const [request, session, ui] = args;
  return loginGoogle(request, session, ui, SERVICE, async (loggedIn) =>
    (await connect(loggedIn)).whoami(),
  );
}

export default { connect, login } satisfies ProviderModule;
