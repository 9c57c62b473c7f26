// Uploads to Dropbox: small files in one request, larger ones through upload sessions in
// chunks, an album's files as concurrent sessions committed together.

import type { files } from "dropbox";
import { providerError } from "../../lib/errors.ts";
import type { FolderItem } from "../../lib/link-records.ts";
import { withoutControls } from "../../lib/text.ts";
import { alteredAnswerHint } from "../guarded-fetch.ts";
import type { Destination, LocalFile, UploadedFile, UploadProgress } from "../provider.ts";
import {
  Concurrency,
  chunkBytesFor,
  FilePart,
  mapSettled,
  type Settled,
  type UploadFolder,
  uploadedOrIncomplete,
  uploadFolder,
} from "../transfer.ts";
import { adoptWritten, writtenBefore } from "./adopt.ts";
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

/** The send's own folder: `/dmshare/<sendId>`. Dropbox goes by path, so that is its id too. */
export const sendFolderOf = (sendId: string): FolderItem => ({
  remotePath: `${ROOT}/${sendId}`,
  remoteId: `${ROOT}/${sendId}`,
});

/**
 * Where the files are committed: the album's folder, or the send's own (uploadFolder), asked
 * for only when the first file is committed, so an album is made while the bytes go up.
 */
type Target = () => Promise<UploadFolder>;

/**
 * Into the send's own folder (see Destination), which the first commit makes; an album's
 * folder is made meanwhile (createAlbum), and awaited only when the files are committed.
 */
export async function upload(
  session: DropboxSession,
  files: LocalFile[],
  destination: Destination,
  onProgress: UploadProgress,
  concurrency = UPLOAD_CONCURRENCY,
): Promise<UploadedFile[]> {
  const target: Target = () => uploadFolder(destination, async (sendId) => sendFolderOf(sendId));
  const [only] = files;
  if (only && files.length === 1) return [await uploadOne(session, only, target, onProgress)];
  return uploadBatch(session, files, target, onProgress, concurrency);
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

/**
 * Every send gets its own file (identical bytes too), so links never share a file. The folder
 * is the send's own and the names in it distinct, so nothing may be renamed: a conflict can
 * only be this send's own earlier attempt, whose reply was lost (see adopt.ts).
 */
const commitInfo = (file: LocalFile, folder: string): files.CommitInfo => ({
  path: `${folder}/${file.name}`,
  mode: { ".tag": "add" },
  autorename: false,
  strict_conflict: true,
  client_modified: dropboxTime(file.modifiedAt),
});

/**
 * Links are made by the path an upload's answer gives: with autorename off it is the path
 * asked for, and an answer naming another file (another send's) is refused, or that file
 * would be shared in this one's place.
 */
function checkedPath(file: LocalFile, folder: string, metadata: files.FileMetadata): void {
  const given = metadata.path_lower ?? metadata.path_display;
  const asked = `${folder}/${file.name}`.toLowerCase();
  if (
    typeof metadata.id === "string" &&
    (given ?? `${folder}/${metadata.name}`).toLowerCase() === asked
  ) {
    return;
  }
  throw providerError(
    `Dropbox answered the upload of ${file.name} with another file (${withoutControls(String(given ?? metadata.name))}); dmshare shares nothing.`,
    alteredAnswerHint("Dropbox"),
  );
}

function uploadedFrom(
  file: LocalFile,
  folder: string,
  metadata: files.FileMetadata,
  sendFolder: FolderItem | undefined,
): UploadedFile {
  checkedPath(file, folder, metadata);
  return {
    localPath: file.path,
    bytes: file.bytes,
    // A path from the server: printed and stored, so without control characters.
    remotePath: withoutControls(metadata.path_display ?? `${folder}/${metadata.name}`),
    remoteId: metadata.id,
    ...(sendFolder && { sendFolder }),
  };
}

/** A retried write that finds its file there already (its reply was lost) adopts it. */
const adoptOnConflict =
  (session: DropboxSession, file: LocalFile, path: string) => (summary: string) =>
    ["path/conflict/file", "lookup_failed/closed", "lookup_failed/not_found"].some((tag) =>
      summary.startsWith(tag),
    )
      ? adoptWritten(session, file, path)
      : undefined;

async function uploadOne(
  session: DropboxSession,
  file: LocalFile,
  target: Target,
  onProgress: UploadProgress,
) {
  const { dbx } = session;
  if (file.bytes <= SINGLE_REQUEST_MAX) {
    const { path: folder, sendFolder } = await target();
    const commit = commitInfo(file, folder);
    const metadata = await call(
      session,
      `upload ${file.name}`,
      () => dbx.filesUpload({ ...commit, contents: new FilePart(file, 0, file.bytes, onProgress) }),
      adoptOnConflict(session, file, commit.path),
    );
    return uploadedFrom(file, folder, metadata, sendFolder);
  }
  const sessionId = await uploadToSession(session, file, onProgress);
  const { path: folder, sendFolder } = await target();
  const commit = commitInfo(file, folder);
  const metadata = await call(
    session,
    `upload ${file.name}`,
    () =>
      dbx.filesUploadSessionFinish({
        cursor: { session_id: sessionId, offset: file.bytes },
        commit,
        contents: Buffer.alloc(0),
      } as files.UploadSessionFinishArg),
    adoptOnConflict(session, file, commit.path),
  );
  return uploadedFrom(file, folder, metadata, sendFolder);
}

/**
 * Concurrent sessions committed together by finish_batch_v2, as Dropbox recommends. A file
 * that fails does not stop the others (see uploadedOrIncomplete).
 */
async function uploadBatch(
  session: DropboxSession,
  batch: LocalFile[],
  target: Target,
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
  const { path: folder, sendFolder } = await target();
  const commitTo = { folder, sendFolder };
  for (let start = 0; start < ready.length; start += FINISH_BATCH_MAX) {
    const slice = ready.slice(start, start + FINISH_BATCH_MAX);
    await finishBatch(session, slice, commitTo, results);
  }
  return uploadedOrIncomplete(batch, results);
}

interface ReadyFile {
  file: LocalFile;
  index: number;
  sessionId: string;
}

/**
 * Commits up to FINISH_BATCH_MAX closed sessions; each file's outcome goes into `results`. A
 * file that failed as if committed already (the batch was retried after a lost reply) is
 * adopted when its bytes are there.
 */
async function finishBatch(
  session: DropboxSession,
  slice: ReadyFile[],
  { folder, sendFolder }: { folder: string; sendFolder: FolderItem | undefined },
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
  for (const [position, entry] of entries.entries()) {
    const { file, index } = slice[position] as ReadyFile;
    if (entry[".tag"] === "success") {
      const metadata = entry as files.FileMetadata;
      results[index] = { ok: true, value: uploadedFrom(file, folder, metadata, sendFolder) };
      continue;
    }
    const { failure } = entry as files.UploadSessionFinishBatchResultEntryFailure;
    const held = await writtenBefore(session, file, commitInfo(file, folder).path).catch(
      () => undefined,
    );
    results[index] = held
      ? { ok: true, value: uploadedFrom(file, folder, held, sendFolder) }
      : {
          ok: false,
          error: providerError(`Dropbox could not save ${file.name} (${describeTag(failure)}).`),
        };
  }
}
