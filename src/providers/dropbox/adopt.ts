// A retried write whose first attempt did arrive (its reply was lost): in the send's own
// folder nothing else can be at that path, so the file there is adopted when its bytes are
// the ones sent, instead of writing a second, private copy beside it.

import { createHash } from "node:crypto";
import { open } from "node:fs/promises";
import type { files } from "dropbox";
import { providerError } from "../../lib/errors.ts";
import type { LocalFile } from "../provider.ts";
import { call, type DropboxSession } from "./session.ts";

/** Dropbox hashes content in blocks of 4 MiB. */
const BLOCK_BYTES = 4 * 1024 * 1024;

/**
 * Dropbox's content_hash of what is uploaded: the SHA-256 of each 4 MiB block, concatenated and
 * hashed again (https://www.dropbox.com/developers/reference/content-hash).
 */
export async function dropboxContentHash(file: LocalFile): Promise<string> {
  const overall = createHash("sha256");
  const handle = await open(file.contentPath, "r");
  try {
    const block = Buffer.allocUnsafe(BLOCK_BYTES);
    for (let position = 0; position < file.bytes; position += BLOCK_BYTES) {
      const wanted = Math.min(BLOCK_BYTES, file.bytes - position);
      const { bytesRead } = await handle.read(block, 0, wanted, position);
      overall.update(createHash("sha256").update(block.subarray(0, bytesRead)).digest());
    }
  } finally {
    await handle.close();
  }
  return overall.digest("hex");
}

/**
 * The file at `path`, when Dropbox holds one there with exactly `file`'s bytes; else nothing.
 * Asked after a write to the send's own folder failed as if it had been made already.
 */
export async function writtenBefore(
  session: DropboxSession,
  file: LocalFile,
  path: string,
): Promise<files.FileMetadata | undefined> {
  const found = await call(
    session,
    `check what arrived of ${file.name}`,
    () => session.dbx.filesGetMetadata({ path }),
    (summary) => (summary.startsWith("path/not_found") ? Promise.resolve(undefined) : undefined),
  );
  if (found?.[".tag"] !== "file") return undefined;
  const held = found as files.FileMetadataReference;
  if (held.size !== file.bytes || !held.content_hash) return undefined;
  return held.content_hash === (await dropboxContentHash(file)) ? held : undefined;
}

/** `writtenBefore`, or the error a write that conflicts with some other file fails with. */
export async function adoptWritten(
  session: DropboxSession,
  file: LocalFile,
  path: string,
): Promise<files.FileMetadata> {
  const held = await writtenBefore(session, file, path);
  if (held) return held;
  throw providerError(
    `Dropbox already holds another file at ${path}, in the folder dmshare made for this send alone.`,
    "Nothing was shared. Send again; if it happens again, check that nothing else writes to Dropbox's dmshare folder.",
  );
}
