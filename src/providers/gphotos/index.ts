import { authError, providerError, usageError } from "../../errors.ts";
import {
  connectGoogle,
  type GoogleConnection,
  type GoogleService,
  loginGoogle,
} from "../google/login.ts";
import type {
  Account,
  LinkState,
  LinkToRevoke,
  LocalFile,
  Provider,
  ProviderModule,
  ProviderSession,
  RemoteItem,
  UploadedFile,
  UploadProgress,
} from "../provider.ts";
import { Concurrency, FilePart, mapConcurrently } from "../transfer.ts";

const APPEND_ONLY_SCOPE = "https://www.googleapis.com/auth/photoslibrary.appendonly";
const SERVICE: GoogleService = {
  provider: "gphotos",
  label: "Google Photos",
  scopes: [APPEND_ONLY_SCOPE],
};
const SEND_WITH_DRIVE = "For a link made in one step, send with --via gdrive.";
/** mediaItems:batchCreate takes at most 50 items per call. */
const BATCH_CREATE_MAX = 50;
const UPLOAD_CONCURRENCY = 4;

interface NewMediaItemResult {
  uploadToken?: string;
  status?: { code?: number; message?: string };
  mediaItem?: { id: string; productUrl?: string; filename?: string };
}

/** Why there is no link, in one sentence. */
const SHARING_UNAVAILABLE =
  "Google Photos only lets people share from the Google Photos app (apps lost that on 2025-03-31), so dmshare uploaded privately and copied nothing: open the page below and press Share.";

async function connect(session: ProviderSession): Promise<Provider> {
  const google = await connectGoogle(session, SERVICE);
  const { auth, endpoints, call } = google;
  const signal = session.ctx.signal;

  const uploadBytes = (file: LocalFile, onProgress: UploadProgress) =>
    call(`upload ${file.name}`, async () => {
      const { data } = await auth.request<string>({
        url: `${endpoints.photosRoot}/v1/uploads`,
        method: "POST",
        headers: {
          "Content-Type": "application/octet-stream",
          "X-Goog-Upload-Content-Type": file.mime,
          "X-Goog-Upload-Protocol": "raw",
          // Header values must be ASCII; the real name goes in batchCreate's JSON.
          "X-Goog-Upload-File-Name": encodeURIComponent(file.name),
        },
        data: new FilePart(file, 0, file.bytes, onProgress),
        responseType: "text",
        signal,
      });
      return data.trim();
    });

  async function createMediaItems(
    files: LocalFile[],
    tokens: string[],
    album: RemoteItem | null,
  ): Promise<UploadedFile[]> {
    const uploaded: UploadedFile[] = [];
    const rejected: string[] = [];
    for (let start = 0; start < files.length; start += BATCH_CREATE_MAX) {
      const slice = files.slice(start, start + BATCH_CREATE_MAX);
      const { data } = await call("add the photos to Google Photos", () =>
        auth.request<{ newMediaItemResults?: NewMediaItemResult[] }>({
          url: `${endpoints.photosRoot}/v1/mediaItems:batchCreate`,
          method: "POST",
          headers: { "Content-Type": "application/json" },
          data: JSON.stringify({
            ...(album ? { albumId: album.remoteId } : {}),
            newMediaItems: slice.map((file, index) => ({
              simpleMediaItem: { uploadToken: tokens[start + index], fileName: file.name },
            })),
          }),
        }),
      );
      // The answer is 200 even when items fail: each result has its own status.
      slice.forEach((file, index) => {
        const token = tokens[start + index];
        const result =
          data.newMediaItemResults?.find((item) => item.uploadToken === token) ??
          data.newMediaItemResults?.[index];
        if (!result?.mediaItem || (result.status?.code ?? 0) !== 0) {
          rejected.push(`${file.name} (${result?.status?.message ?? "no result"})`);
          return;
        }
        uploaded.push({
          localPath: file.path,
          bytes: file.bytes,
          remoteId: result.mediaItem.id,
          remotePath: album ? `${album.remotePath}/${file.name}` : file.name,
          ownerUrl: result.mediaItem.productUrl,
        });
      });
    }
    if (rejected.length > 0) {
      throw providerError(
        `Google Photos did not accept ${rejected.join(", ")}.`,
        "The other photos are in your Google Photos library, not shared. Check the files and send them again.",
      );
    }
    return uploaded;
  }

  const provider = {
    name: SERVICE.provider,
    sharingNote: `${SHARING_UNAVAILABLE} ${SEND_WITH_DRIVE}`,
    capabilities: {
      publicLinks: false,
      albums: true,
      expiry: false,
      noDownload: false,
      password: false,
      revoke: false,
      // The Library API can add to a library but never delete from it.
      deleteFiles: false,
    },

    whoami: () => whoami(google),

    async checkShareOptions() {},

    async createAlbum(name: string): Promise<RemoteItem> {
      const { data } = await call(`create the album "${name}"`, () =>
        auth.request<{ id: string; title?: string; productUrl?: string }>({
          url: `${endpoints.photosRoot}/v1/albums`,
          method: "POST",
          headers: { "Content-Type": "application/json" },
          data: JSON.stringify({ album: { title: name } }),
        }),
      );
      return { remotePath: data.title ?? name, remoteId: data.id, ownerUrl: data.productUrl };
    },

    async upload(
      files: LocalFile[],
      album: RemoteItem | null,
      onProgress: UploadProgress,
      concurrency = UPLOAD_CONCURRENCY,
    ) {
      google.uploads = new Concurrency(concurrency);
      const tokens = await mapConcurrently(files, google.uploads, (file) =>
        uploadBytes(file, onProgress),
      );
      return createMediaItems(files, tokens, album);
    },

    async share(): Promise<never> {
      throw usageError(SHARING_UNAVAILABLE, SEND_WITH_DRIVE);
    },

    async revoke(link: LinkToRevoke): Promise<never> {
      throw usageError(
        "dmshare can't unshare Google Photos items: Google lets only the Google Photos app change sharing.",
        `If you shared it there, open ${link.target?.ownerUrl ?? "it in Google Photos"} and stop sharing it in the app.`,
      );
    },

    async deleteItems(): Promise<never> {
      throw usageError(
        "Google Photos does not let apps delete photos or albums.",
        "Delete them in the Google Photos app if you want them gone.",
      );
    },

    // Apps can't make or see share links in Google Photos: there is nothing to reconcile.
    async linkState(): Promise<LinkState> {
      return { item: "present", links: [] };
    },

    async listLinks(): Promise<[]> {
      return [];
    },
  } satisfies Provider;
  return provider;
}

/** The Library API has no "about me"; the token's own info says whose it is and what it may do. */
async function whoami(google: GoogleConnection): Promise<Account> {
  const { auth, call } = google;
  const info = await call("check your Google Photos login", async () => {
    const { token } = await auth.getAccessToken();
    return auth.getTokenInfo(token ?? "");
  });
  if (!info.scopes.includes(APPEND_ONLY_SCOPE)) {
    throw authError(
      "dmshare's Google Photos login does not allow adding photos.",
      "Log in again: dmshare login gphotos, and allow what the consent page asks for.",
    );
  }
  return {
    id: info.sub ?? info.email ?? "",
    name: info.email ?? "your Google account",
    email: info.email ?? null,
  };
}

async function login(...args: Parameters<ProviderModule["login"]>): Promise<Account> {
  const [request, session, ui] = args;
  return loginGoogle(request, session, ui, SERVICE, async (loggedIn) =>
    (await connect(loggedIn)).whoami(),
  );
}

export default { connect, login } satisfies ProviderModule;
