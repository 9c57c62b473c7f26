import { once } from "node:events";
import { type FileHandle, open } from "node:fs/promises";
import { Readable, type Writable } from "node:stream";
import { Concurrency, mapSettled, type Settled } from "../lib/concurrency.ts";
import type { FolderItem } from "../lib/link-records.ts";
import {
  type Destination,
  type FileFailure,
  IncompleteUpload,
  type LocalFile,
  type UploadedFile,
  type UploadProgress,
} from "./provider.ts";

// Bounded concurrency is a leaf helper (core uses it too); re-exported for the providers.
export { Concurrency, mapConcurrently, mapSettled, type Settled } from "../lib/concurrency.ts";

/** How much of a file is read at a time for an upload. */
const READ_BYTES = 256 * 1024;

/**
 * Bytes `start` to `end` (exclusive) of a file, read only as they are sent, reporting progress
 * as they go. It knows its length (the request's Content-Length). Read as a stream, each chunk
 * is a new buffer; `pumpTo` instead writes through two reused buffers, so a big upload leaves
 * no garbage behind (streamingUploads uses it).
 */
export class FilePart extends Readable {
  readonly byteLength: number;
  private readonly file: LocalFile;
  private position: number;
  private readonly end: number;
  private readonly onProgress: UploadProgress;
  private handle: Promise<FileHandle> | undefined;

  constructor(file: LocalFile, start: number, end: number, onProgress: UploadProgress) {
    super({ highWaterMark: READ_BYTES });
    this.file = file;
    this.position = start;
    this.end = Math.max(start, end);
    this.byteLength = this.end - start;
    this.onProgress = onProgress;
  }

  override _read(): void {
    const wanted = Math.min(READ_BYTES, this.end - this.position);
    if (wanted <= 0) {
      this.push(null);
      return;
    }
    this.readInto(Buffer.allocUnsafe(wanted)).then(
      (chunk) => this.push(chunk.length > 0 ? chunk : null),
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    const closing = this.handle?.then((handle) => handle.close());
    this.handle = undefined;
    Promise.resolve(closing).then(
      () => done(error),
      () => done(error),
    );
  }

  /** Writes the rest of the part into `sink` and ends it; a buffer is reused once flushed. */
  async pumpTo(sink: Writable): Promise<void> {
    const buffers = [Buffer.allocUnsafe(READ_BYTES), Buffer.allocUnsafe(READ_BYTES)];
    const flushed: Promise<void>[] = [Promise.resolve(), Promise.resolve()];
    try {
      for (let turn = 0; this.position < this.end; turn = 1 - turn) {
        await flushed[turn];
        const chunk = await this.readInto(buffers[turn] as Buffer);
        if (chunk.length === 0) break;
        const written = new Promise<void>((resolve, reject) =>
          sink.write(chunk, (error) => (error ? reject(error) : resolve())),
        );
        // Its failure surfaces where it is awaited, or as the request's own error.
        written.catch(() => {});
        flushed[turn] = written;
        if (sink.writableNeedDrain) await once(sink, "drain");
      }
      await Promise.all(flushed);
      sink.end();
    } finally {
      this.destroy();
    }
  }

  /** Reads the next bytes of the part into `buffer`; an empty result means the file ended. */
  private async readInto(buffer: Buffer): Promise<Buffer> {
    // Destroyed (its connection dropped) while being sent: a new handle would never be closed.
    if (this.destroyed) throw new Error(`the upload of ${this.file.name} was stopped`);
    this.handle ??= open(this.file.contentPath, "r");
    const handle = await this.handle;
    const wanted = Math.min(buffer.length, this.end - this.position);
    const { bytesRead } = await handle.read(buffer, 0, wanted, this.position);
    this.position += bytesRead;
    if (bytesRead > 0) this.onProgress(this.file, this.position);
    return buffer.subarray(0, bytesRead);
  }
}

const MIB = 1024 * 1024;

/**
 * The chunk size of a big file's upload: about an eighth of it, so a dropped connection costs
 * at most that much sent again, in the `multiple` the API asks for, from `min` up to 128 MiB
 * (eight round trips for 1 GB). Chunks are streamed from the file, never held in memory.
 */
export function chunkBytesFor(
  fileBytes: number,
  { multiple, min }: { multiple: number; min: number },
) {
  const eighth = Math.ceil(fileBytes / 8 / multiple) * multiple;
  return Math.min(128 * MIB, Math.max(min, eighth));
}

/**
 * A resumable upload's next byte that is not to be followed, after bytes `offset` to `end`
 * (exclusive) of `total` were sent: not past what the server held before (a session going
 * back, again and again), past what was sent, or the end (a finished upload gives the file).
 */
export const isStrayNextByte = (next: number, offset: number, end: number, total: number) =>
  next <= offset || next > end || next >= total;

/**
 * An album's uploads, once each file was tried: all of them, or IncompleteUpload when some
 * failed, or the first error when none arrived.
 */
export function uploadedOrIncomplete(
  files: readonly LocalFile[],
  results: readonly Settled<UploadedFile>[],
): UploadedFile[] {
  const uploaded: UploadedFile[] = [];
  const failures: FileFailure[] = [];
  results.forEach((result, index) => {
    if (result.ok) uploaded.push(result.value);
    else failures.push({ file: files[index] as LocalFile, error: result.error });
  });
  const [first] = failures;
  if (!first) return uploaded;
  if (uploaded.length === 0) throw first.error;
  throw new IncompleteUpload(uploaded, failures);
}

/** The folder a send's files go in, for the providers that have folders. */
export interface UploadFolder {
  id: string;
  /** For the ledger and messages: `dmshare/Lisbon trip`. */
  path: string;
  /** The send's own folder, which clean-up deletes whole (see Destination). */
  sendFolder?: FolderItem;
}

/** The album's folder (waited for: it may still be in the making), or else the send's own. */
export async function uploadFolder(
  { sendId, album }: Destination,
  sendFolderFor: (sendId: string) => Promise<FolderItem>,
): Promise<UploadFolder> {
  if (album) {
    const { remoteId, remotePath, sendFolder } = await album;
    return { id: remoteId, path: remotePath, ...(sendFolder && { sendFolder }) };
  }
  const sendFolder = await sendFolderFor(sendId);
  return { id: sendFolder.remoteId, path: sendFolder.remotePath, sendFolder };
}

/**
 * A send's files into its folder (uploadFolder), `concurrency` at a time (the uploads a rate
 * limit makes back off, once the folder is there): each file's outcome, then
 * uploadedOrIncomplete. Should nothing arrive in a folder made for this send alone, it goes
 * again, quietly: the failure is what the user is told about.
 */
export async function uploadIntoFolder(
  files: readonly LocalFile[],
  destination: Destination,
  { authorized, concurrency }: { authorized: { uploads?: Concurrency }; concurrency: number },
  folder: {
    makeSendFolder: (sendId: string) => Promise<FolderItem>;
    removeFolder: (id: string) => Promise<unknown>;
  },
  uploadOne: (file: LocalFile, parent: UploadFolder) => Promise<UploadedFile>,
): Promise<UploadedFile[]> {
  const parent = await uploadFolder(destination, folder.makeSendFolder);
  const uploads = new Concurrency(concurrency);
  authorized.uploads = uploads;
  const results = await mapSettled(files, uploads, (file) => uploadOne(file, parent));
  if (!destination.album && parent.sendFolder && results.every((result) => !result.ok)) {
    await folder.removeFolder(parent.sendFolder.remoteId).catch(() => undefined);
  }
  return uploadedOrIncomplete(files, results);
}
