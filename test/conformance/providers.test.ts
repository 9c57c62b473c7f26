// Every provider, with its emulator, through the one contract in contract.ts.

import { describe } from "vitest";
import { startDropboxEmulator } from "../emulators/dropbox.ts";
import { startGoogleEmulator } from "../emulators/google.ts";
import { type ProviderFixture, providerContract } from "./contract.ts";

const TOKEN = "conformance-token";

const dropbox: ProviderFixture = {
  name: "dropbox",
  capabilities: {
    publicLinks: true,
    albums: true,
    expiry: true,
    noDownload: true,
    password: true,
    revoke: true,
    deleteFiles: true,
  },
  // Above the 64 MiB single-request limit: an upload session.
  largeFileBytes: 65 * 1024 * 1024,
  async start() {
    // A paid account: expiry and no-download are honoured there.
    const emulator = await startDropboxEmulator({ staticTokens: [TOKEN], accountType: "pro" });
    return {
      env: { DMSHARE_DROPBOX_API_URL: emulator.url, DMSHARE_DROPBOX_TOKEN: TOKEN },
      visit(url) {
        const link = emulator.resolveSharedLink(url);
        if (!link) return null;
        return {
          viewOnly: link.audience === "public" && link.access === "viewer",
          canDownload: link.allowDownload,
        };
      },
      storedBytes: (item) => emulator.readFile(item.remotePath),
      albumContents(album) {
        const prefix = `${album.remotePath.toLowerCase()}/`;
        return emulator
          .listFiles()
          .filter((file) => file.pathLower.startsWith(prefix))
          .map((file) => file.pathDisplay.slice(prefix.length));
      },
      uploadRequests: () =>
        emulator.requests.filter((request) => request.path.startsWith("/2/files/upload")).length,
      close: () => emulator.close(),
    };
  },
};

const googleDrive: ProviderFixture = {
  name: "gdrive",
  capabilities: {
    publicLinks: true,
    albums: true,
    expiry: false,
    noDownload: true,
    password: false,
    revoke: true,
    deleteFiles: true,
  },
  // Above the 5 MiB multipart limit, and more than one 8 MiB chunk: a resumable upload.
  largeFileBytes: 9 * 1024 * 1024 + 123,
  async start() {
    const emulator = await startGoogleEmulator({ staticTokens: [TOKEN] });
    return {
      env: { DMSHARE_GOOGLE_API_URL: emulator.url, DMSHARE_GDRIVE_TOKEN: TOKEN },
      visit(url) {
        const link = emulator.resolveDriveLink(url);
        if (!link?.access) return null;
        return { viewOnly: link.access === "reader", canDownload: link.canDownload };
      },
      storedBytes: (item) => emulator.readDriveFile(item.remoteId),
      albumContents: (album) =>
        emulator
          .driveFiles()
          .filter((file) => file.parents?.includes(album.remoteId))
          .map((file) => file.name),
      uploadRequests: () =>
        emulator.requests.filter((request) => request.path.startsWith("/upload/")).length,
      close: () => emulator.close(),
    };
  },
};

const googlePhotos: ProviderFixture = {
  name: "gphotos",
  capabilities: {
    publicLinks: false,
    albums: true,
    expiry: false,
    noDownload: false,
    password: false,
    revoke: false,
    deleteFiles: false,
  },
  largeFileBytes: 12 * 1024 * 1024,
  async start() {
    const emulator = await startGoogleEmulator({ staticTokens: [TOKEN] });
    const item = (id: string) => emulator.photosMediaItems().find((media) => media.id === id);
    return {
      env: { DMSHARE_GOOGLE_API_URL: emulator.url, DMSHARE_GPHOTOS_TOKEN: TOKEN },
      // Nothing dmshare makes in Google Photos opens for anyone but the owner.
      visit: () => null,
      storedBytes: (uploaded) => item(uploaded.remoteId)?.bytes ?? null,
      albumContents(album) {
        const ids = emulator
          .photosAlbums()
          .find((each) => each.id === album.remoteId)?.mediaItemIds;
        return (ids ?? []).map((id) => item(id)?.filename ?? "?");
      },
      uploadRequests: () =>
        emulator.requests.filter((request) => request.path === "/v1/uploads").length,
      close: () => emulator.close(),
    };
  },
};

for (const fixture of [dropbox, googleDrive, googlePhotos]) {
  describe(`provider contract: ${fixture.name}`, () => providerContract(fixture));
}
