// Uploads to Dropbox: small files in one request, larger ones through upload sessions in
// chunks, an album's files as concurrent sessions committed together.

import type { files } from "dropbox";
import { providerError } from "../../lib/errors.ts";
import { withoutControls } from "../../lib/text.ts";
import type { LocalFile, RemoteItem, UploadedFile, UploadProgress } from "../provider.ts";
import {
  Concurrency,
  chunkBytesFor,
  FilePart,
  mapSettled,
  type Settled,
  uploadedOrIncomplete,
} from "../transfer.ts";
import { correctOffset, describeTag } from "./errors.ts";
import { call, type DropboxSession, dropboxTime, ROOT } from "./session.ts";

/**
 * Files up to this size go up in one request; larger ones through an upload session, in
 * chunks that are retried one by one, so a dropped connection costs at most one chunk.
 */
const SINGLE_REQUEST_MAX = 8 * 1024 * 1024;
const MIB = 1024 * 1024;
const FINISH_BATCH_MAX = 1000;
export const UPLOAD_CONCURRENCY = 6;

export async function upload(
  session: DropboxSession,
  files: LocalFile[],
  album: RemoteItem | null,
  onProgress: UploadProgress,
  concurrency = UPLOAD_CONCURRENCY,
): Promise<UploadedFile[]> {
  const folder = album?.remotePath ?? ROOT;
  const [only] = files;
  if (only && files.length === 1) return [await uploadOne(session, only, folder, onProgress)];
  return uploadBatch(session, files, folder, onProgress, concurrency);
}

/**
 * Sends a file's bytes into an upload session and closes it; returns the session id. After a
 * lost connection the chunk is sent again; when Dropbox says it holds a different offset
 * (`incorrect_offset`: the lost reply's chunk did arrive), the upload goes on from there.
 */
async function uploadToSession(
  session: DropboxSession,
  file: LocalFile,
  onProgress: UploadProgress,
): Promise<string> {
  const { dbx } = session;
  // Dropbox asks for multiples of 4 MiB.
  const chunkBytes = chunkBytesFor(file.bytes, { multiple: 4 * MIB, min: 8 * MIB });
  const firstEnd = Math.min(file.bytes, chunkBytes);
  const { session_id: sessionId } = await call(session, `upload ${file.name}`, () =>
    dbx.filesUploadSessionStart({
      close: firstEnd === file.bytes,
      contents: new FilePart(file, 0, firstEnd, onProgress),
    }),
  );
  let offset = firstEnd;
  while (offset < file.bytes) {
    const from = offset;
    const end = Math.min(file.bytes, from + chunkBytes);
    offset = await call(
      session,
      `upload ${file.name}`,
      async () => {
        await dbx.filesUploadSessionAppendV2({
          cursor: { session_id: sessionId, offset: from },
          close: end === file.bytes,
          contents: new FilePart(file, from, end, onProgress),
        });
        return { result: end };
      },
      (summary, error) => {
        const held = correctOffset(error);
        return summary.startsWith("incorrect_offset") && held !== undefined
          ? Promise.resolve(held)
          : undefined;
      },
    );
  }
  return sessionId;
}

/** Every send gets its own file (identical bytes too), so links never share a file. */
const commitInfo = (file: LocalFile, folder: string): files.CommitInfo => ({
  path: `${folder}/${file.name}`,
  mode: { ".tag": "add" },
  autorename: true,
  strict_conflict: true,
  client_modified: dropboxTime(file.modifiedAt),
});

const uploadedFrom = (
  file: LocalFile,
  folder: string,
  metadata: files.FileMetadata,
): UploadedFile => ({
  localPath: file.path,
  bytes: file.bytes,
  // A path from the server: printed and stored, so without control characters.
  remotePath: withoutControls(metadata.path_display ?? `${folder}/${metadata.name}`),
  remoteId: metadata.id,
});

async function uploadOne(
  session: DropboxSession,
  file: LocalFile,
  folder: string,
  onProgress: UploadProgress,
) {
  const { dbx } = session;
  if (file.bytes <= SINGLE_REQUEST_MAX) {
    const metadata = await call(session, `upload ${file.name}`, () =>
      dbx.filesUpload({
        ...commitInfo(file, folder),
        contents: new FilePart(file, 0, file.bytes, onProgress),
      }),
    );
    return uploadedFrom(file, folder, metadata);
  }
  const sessionId = await uploadToSession(session, file, onProgress);
  const metadata = await call(session, `upload ${file.name}`, () =>
    dbx.filesUploadSessionFinish({
      cursor: { session_id: sessionId, offset: file.bytes },
      commit: commitInfo(file, folder),
      contents: Buffer.alloc(0),
    } as files.UploadSessionFinishArg),
  );
  return uploadedFrom(file, folder, metadata);
}

/**
 * Concurrent sessions committed together by finish_batch_v2, as Dropbox recommends. A file
 * that fails does not stop the others (see uploadedOrIncomplete).
 */
async function uploadBatch(
  session: DropboxSession,
  batch: LocalFile[],
  folder: string,
  onProgress: UploadProgress,
  concurrency: number,
) {
  const uploads = new Concurrency(concurrency);
  session.authorized.uploads = uploads;
  const sessions = await mapSettled(batch, uploads, (file) =>
    uploadToSession(session, file, onProgress),
  );
  const results: Settled<UploadedFile>[] = sessions.map((each) =>
    each.ok ? { ok: false, error: undefined } : each,
  );
  const ready = batch.flatMap((file, index) => {
    const started = sessions[index];
    return started?.ok ? [{ file, index, sessionId: started.value }] : [];
  });
  for (let start = 0; start < ready.length; start += FINISH_BATCH_MAX) {
    const slice = ready.slice(start, start + FINISH_BATCH_MAX);
    await finishBatch(session, slice, folder, results);
  }
  return uploadedOrIncomplete(batch, results);
}

interface ReadyFile {
  file: LocalFile;
  index: number;
  sessionId: string;
}

/** Commits up to FINISH_BATCH_MAX closed sessions; each file's outcome goes into `results`. */
async function finishBatch(
  session: DropboxSession,
  slice: ReadyFile[],
  folder: string,
  results: Settled<UploadedFile>[],
) {
  const { entries } = await call(session, "save the uploaded files", () =>
    session.dbx.filesUploadSessionFinishBatchV2({
      entries: slice.map(({ file, sessionId }) => ({
        cursor: { session_id: sessionId, offset: file.bytes },
        commit: commitInfo(file, folder),
      })),
    }),
  );
  entries.forEach((entry, position) => {
    const { file, index } = slice[position] as ReadyFile;
    if (entry[".tag"] === "success") {
      results[index] = {
        ok: true,
        value: uploadedFrom(file, folder, entry as files.FileMetadata),
      };
      return;
    }
    const { failure } = entry as files.UploadSessionFinishBatchResultEntryFailure;
    results[index] = {
      ok: false,
      error: providerError(`Dropbox could not save ${file.name} (${describeTag(failure)}).`),
    };
  });
}
