// Google Photos: uploads into the user's library (and albums), privately. Apps can no
// longer share there (the Library API lost it on 2025-03-31), nor delete.

import { loginGoogle } from "../google/login.ts";
import { call } from "../google/session.ts";
import type {
  Account,
  LinkToRevoke,
  ProviderModule,
  ProviderParts,
  ProviderSession,
  Refusals,
  RemoteItem,
} from "../provider.ts";
import { openSession, type PhotosSession, SERVICE, whoami } from "./session.ts";
import { upload } from "./upload.ts";

const SEND_WITH_DRIVE = "For a link made in one step, send with --via gdrive.";

/** Why there is no link, in one sentence (true before a run too: --dry-run says it). */
const SHARING_UNAVAILABLE =
  "Google Photos only lets people share from the Google Photos app (apps lost that on 2025-03-31), so dmshare uploads privately and copies nothing: open the page it prints and press Share.";

async function connect(session: ProviderSession): Promise<ProviderParts> {
  const photos = await openSession(session);
  // No LinkSharer, LinkRevoker, Deleter or LinkLister: apps can't make, see or remove share
  // links in Google Photos, nor delete from a library. The core asks for them through
  // features.ts, which answers with these refusals.
  return {
    name: SERVICE.name,
    sharingNote: `${SHARING_UNAVAILABLE} ${SEND_WITH_DRIVE}`,
    refusals: REFUSALS,
    whoami: () => whoami(photos),
    // Google Photos has no folders and its names never collide (every upload is an item of
    // its own, whatever its file name): the send's id plays no part here.
    createAlbum: (name) => createAlbum(photos, name),
    upload: (files, { album }, onProgress, concurrency) =>
      upload(photos, files, album, onProgress, concurrency),
  };
}

const REFUSALS: Refusals = {
  share: { message: SHARING_UNAVAILABLE, hint: SEND_WITH_DRIVE },
  revoke: (link: LinkToRevoke) => ({
    message:
      "dmshare can't unshare Google Photos items: Google lets only the Google Photos app change sharing.",
    hint: `If you shared it there, open ${link.target?.ownerUrl ?? "it in Google Photos"} and stop sharing it in the app.`,
  }),
  deleteItems: {
    message: "Google Photos does not let apps delete photos or albums.",
    hint: "Delete them in the Google Photos app if you want them gone.",
  },
};

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
