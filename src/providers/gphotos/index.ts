// Google Photos: uploads into the user's library (and albums), privately. Apps can no
// longer share there (the Library API lost it on 2025-03-31), nor delete.

import { usageError } from "../../errors.ts";
import { loginGoogle } from "../google/login.ts";
import { call } from "../google/session.ts";
import type {
  Account,
  LinkState,
  LinkToRevoke,
  Provider,
  ProviderModule,
  ProviderSession,
  RemoteItem,
} from "../provider.ts";
import { openSession, type PhotosSession, SERVICE, whoami } from "./session.ts";
import { upload } from "./upload.ts";

const SEND_WITH_DRIVE = "For a link made in one step, send with --via gdrive.";

/** Why there is no link, in one sentence. */
const SHARING_UNAVAILABLE =
  "Google Photos only lets people share from the Google Photos app (apps lost that on 2025-03-31), so dmshare uploaded privately and copied nothing: open the page below and press Share.";

async function connect(session: ProviderSession): Promise<Provider> {
  const photos = await openSession(session);
  return {
    name: SERVICE.name,
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
    whoami: () => whoami(photos),
    async checkShareOptions() {},
    createAlbum: (name) => createAlbum(photos, name),
    upload: (files, album, onProgress, concurrency) =>
      upload(photos, files, album, onProgress, concurrency),

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
}

async function createAlbum({ google }: PhotosSession, name: string): Promise<RemoteItem> {
  const { data } = await call(google, `create the album "${name}"`, () =>
    google.auth.request<{ id: string; title?: string; productUrl?: string }>({
      url: `${google.endpoints.photosRoot}/v1/albums`,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      data: JSON.stringify({ album: { title: name } }),
    }),
  );
  return { remotePath: data.title ?? name, remoteId: data.id, ownerUrl: data.productUrl };
}

async function login(...args: Parameters<ProviderModule["login"]>): Promise<Account> {
  const [request, session, ui] = args;
  return loginGoogle(request, session, ui, SERVICE, async (loggedIn) =>
    whoami(await openSession(loggedIn)),
  );
}

export default { connect, login } satisfies ProviderModule;
