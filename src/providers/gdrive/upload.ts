// Uploads to Google Drive: small files in one multipart request, larger ones by Drive's
// resumable protocol in chunks, several files at once.

import type { drive_v3 } from "@googleapis/drive";
import { providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import { call } from "../google/session.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import type { Destination, LocalFile, UploadedFile, UploadProgress } from "../provider.ts";
import { FilePart, isStrayNextByte, type UploadFolder, uploadIntoFolder } from "../transfer.ts";
import { createOnce, createSendFolder, uploadedBefore } from "./folders.ts";
import { CREATED_FIELDS, type DriveSession } from "./session.ts";

/** Google suggests resumable uploads above 5 MB; smaller files go in one multipart request. */
const MULTIPART_MAX = 5 * 1024 * 1024;
/**
 * The most one request of a resumable upload carries (a multiple of 256 KiB, as Drive asks of
 * every request but the last). Drive keeps what arrives of a request whose connection drops,
 * in 256 KiB units, and says how much when asked: a big file goes in one request, as Google
 * recommends, since every request more costs a round trip and a pause of the uplink.
 */
const REQUEST_MAX_BYTES = 1024 * 1024 * 1024;
const UPLOAD_CONCURRENCY = 6;
/** What an upload's answer must say: the file made, its name, folder and size. */
const UPLOADED_FIELDS = `${CREATED_FIELDS},parents,size`;

/**
 * Into the album's folder (made in the dmshare folder: Drive never renames, and the folder
 * is this send's alone), or else into a folder made for this send. Should nothing arrive in
 * that folder, it goes again.
 */
export async function upload(
  drive: DriveSession,
  files: LocalFile[],
  destination: Destination,
  onProgress: UploadProgress,
  concurrency = UPLOAD_CONCURRENCY,
): Promise<UploadedFile[]> {
  return uploadIntoFolder(
    files,
    destination,
    { authorized: drive.google.authorized, concurrency },
    {
      makeSendFolder: (id) => createSendFolder(drive, id),
      removeFolder: (fileId) => drive.api.files.delete({ fileId }),
    },
    (file, parent) => uploadOne(drive, file, parent, onProgress),
  );
}

async function uploadOne(
  drive: DriveSession,
  file: LocalFile,
  parent: UploadFolder,
  onProgress: UploadProgress,
): Promise<UploadedFile> {
  const { google, api, signal } = drive;
  const metadata: drive_v3.Schema$File = {
    name: file.name,
    parents: [parent.id],
    modifiedTime: file.modifiedAt.toISOString(),
  };
  const uploadOptions = { rootUrl: google.endpoints.apiRoot, signal };
  // A retry after a lost reply first looks for what the lost attempt made (folders.ts).
  const created =
    file.bytes <= MULTIPART_MAX
      ? await call(
          google,
          `upload ${file.name}`,
          createOnce(
            async () => {
              const { data } = await api.files.create(
                {
                  requestBody: metadata,
                  media: {
                    mimeType: file.mime,
                    body: new FilePart(file, 0, file.bytes, onProgress),
                  },
                  fields: UPLOADED_FIELDS,
                },
                uploadOptions,
              );
              return data;
            },
            () => uploadedBefore(drive, file, parent.id),
          ),
        )
      : await resumableUpload(drive, file, metadata, onProgress);
  // Drive keeps the name asked for, in the folder asked for: an answer naming another file
  // (an earlier send's, of the same size) must not be shared in its place.
  if (
    typeof created.id !== "string" ||
    created.name !== file.name ||
    (created.parents != null && !created.parents.includes(parent.id)) ||
    (created.size != null && Number(created.size) !== file.bytes)
  ) {
    throw providerError(
      `Google Drive answered the upload of ${file.name} with another file (${withoutControls(String(created.name))}); dmshare shares nothing.`,
      alteredAnswerHint("Google Drive"),
    );
  }
  drive.unshared.add(created.id);
  return {
    localPath: file.path,
    bytes: file.bytes,
    remoteId: created.id as string,
    remotePath: withoutControls(`${parent.path}/${created.name ?? file.name}`),
    ...(created.webViewLink && { viewUrl: created.webViewLink }),
    ...(parent.sendFolder && { sendFolder: parent.sendFolder }),
  };
}

/** Starts a resumable upload; Drive answers with the session URL the bytes go to. */
function startResumable(
  drive: DriveSession,
  file: LocalFile,
  metadata: drive_v3.Schema$File,
): Promise<string> {
  const { google, signal } = drive;
  return call(google, `start uploading ${file.name}`, async () => {
    const response = await google.auth.request({
      url: `${google.endpoints.apiRoot}upload/drive/v3/files?uploadType=resumable&fields=${UPLOADED_FIELDS}`,
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
}

/**
 * A resumable upload (done by hand: the client library never uses this protocol), in one
 * request up to REQUEST_MAX_BYTES; after a failure Drive is asked how much arrived and the
 * rest goes from there.
 */
async function resumableUpload(
  drive: DriveSession,
  file: LocalFile,
  metadata: drive_v3.Schema$File,
  onProgress: UploadProgress,
): Promise<drive_v3.Schema$File> {
  const { google, signal } = drive;
  const sessionUrl = await startResumable(drive, file, metadata);

  const total = file.bytes;
  const send = async (contentRange: string, start: number, end: number) => {
    const response = await google.auth.request<drive_v3.Schema$File>({
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

  let offset = 0;
  let askFirst = false;
  return call(google, `upload ${file.name}`, async () => {
    if (askFirst) {
      const status = await send(`bytes */${total}`, 0, 0);
      if (status.done) return status.done;
      offset = status.next ?? 0;
    }
    askFirst = true;
    for (;;) {
      const end = Math.min(total, offset + REQUEST_MAX_BYTES);
      const result = await send(`bytes ${offset}-${end - 1}/${total}`, offset, end);
      if (result.done) return result.done;
      const next = result.next ?? 0;
      // Drive must hold more than before, and no byte that was not sent: a session going
      // back (again and again) or claiming bytes never sent is not to be followed.
      if (isStrayNextByte(next, offset, end, total)) {
        throw providerError(
          `Google Drive answered dmshare's upload of ${file.name} wrongly (it holds bytes up to ${next} after bytes ${offset}-${end - 1} were sent); dmshare stopped the upload and shares nothing.`,
          alteredAnswerHint("Google Drive"),
        );
      }
      offset = next;
    }
  });
}
