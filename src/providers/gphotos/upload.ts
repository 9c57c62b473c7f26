// Uploads to Google Photos: the bytes first (each gives an upload token), then the media
// items made from the tokens in batches, into an album when there is one.

import { providerError } from "../../lib/errors.ts";
import { call } from "../google/session.ts";
import type { LocalFile, RemoteItem, UploadedFile, UploadProgress } from "../provider.ts";
import { Concurrency, FilePart, mapConcurrently } from "../transfer.ts";
import type { PhotosSession } from "./session.ts";

/** mediaItems:batchCreate takes at most 50 items per call. */
const BATCH_CREATE_MAX = 50;
const UPLOAD_CONCURRENCY = 4;

interface NewMediaItemResult {
  uploadToken?: string;
  status?: { code?: number; message?: string };
  mediaItem?: { id: string; productUrl?: string; filename?: string };
}

/** The bytes go up while the album is made; the items are added to it once both are done. */
export async function upload(
  photos: PhotosSession,
  files: LocalFile[],
  album: RemoteItem | Promise<RemoteItem> | null,
  onProgress: UploadProgress,
  concurrency = UPLOAD_CONCURRENCY,
): Promise<UploadedFile[]> {
  const uploads = new Concurrency(concurrency);
  photos.google.authorized.uploads = uploads;
  const tokens = await mapConcurrently(files, uploads, (file) =>
    uploadBytes(photos, file, onProgress),
  );
  return createMediaItems(photos, files, tokens, await album);
}

const uploadBytes = (
  { google, signal }: PhotosSession,
  file: LocalFile,
  onProgress: UploadProgress,
) =>
  call(google, `upload ${file.name}`, async () => {
    const { data } = await google.auth.request<string>({
      url: `${google.endpoints.photosRoot}/v1/uploads`,
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
  { google }: PhotosSession,
  files: LocalFile[],
  tokens: string[],
  album: RemoteItem | null,
): Promise<UploadedFile[]> {
  const uploaded: UploadedFile[] = [];
  const rejected: string[] = [];
  for (let start = 0; start < files.length; start += BATCH_CREATE_MAX) {
    const slice = files.slice(start, start + BATCH_CREATE_MAX);
    const { data } = await call(google, "add the photos to Google Photos", () =>
      google.auth.request<{ newMediaItemResults?: NewMediaItemResult[] }>({
        url: `${google.endpoints.photosRoot}/v1/mediaItems:batchCreate`,
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
