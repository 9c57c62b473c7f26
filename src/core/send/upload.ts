import { stat } from "node:fs/promises";
import { DmshareError } from "../../lib/errors.ts";
import { deleteUploads } from "../../providers/features.ts";
import {
  type FileFailure,
  IncompleteUpload,
  type LocalFile,
  type Provider,
  type RemoteItem,
  type UploadedFile,
} from "../../providers/provider.ts";
import { distinctNames } from "./names.ts";
import { errorMessage, type PreparedPlan, type SendObserver } from "./types.ts";

export interface PlanUpload {
  uploaded: UploadedFile[];
  /** The photo, or the album: what the link is made to. */
  target: RemoteItem;
  /** With --partial: the album's files that did not arrive. */
  missing: FileFailure[];
}

/**
 * A photo, or an album and its files, into the send's own folder (named `sendId`, see
 * Destination). The album is made while its first files go up. Without `shareWhatArrived` an
 * album whose files did not all arrive fails, and what did arrive is removed where the
 * provider can.
 */
export async function uploadPlan(
  provider: Provider,
  plan: PreparedPlan,
  observer: SendObserver,
  options: { sendId: string; shareWhatArrived: boolean; concurrency?: number },
): Promise<PlanUpload> {
  const { sendId, shareWhatArrived, concurrency } = options;
  const totalBytes = plan.files.reduce((sum, file) => sum + file.bytes, 0);
  const sentPerFile = new Map<LocalFile, number>();
  const onProgress = (file: LocalFile, bytesSent: number) => {
    sentPerFile.set(file, bytesSent);
    let sent = 0;
    for (const bytes of sentPerFile.values()) sent += bytes;
    observer.progress(sent, totalBytes, file, bytesSent);
  };
  if (plan.kind === "photo") {
    const uploaded = await provider.upload(plan.files, { sendId, album: null }, onProgress);
    const [file] = uploaded;
    if (!file) throw new DmshareError("unexpected", `${provider.name} returned no uploaded file.`);
    return { uploaded, target: file, missing: [] };
  }
  const making = provider.createAlbum(plan.name, sendId);
  // Awaited below whatever happens; this only keeps a failure from counting as unhandled
  // while the upload runs.
  making.catch(() => {});
  try {
    const files = distinctNames(plan.files);
    const uploaded = await provider.upload(
      files,
      { sendId, album: making },
      onProgress,
      concurrency,
    );
    return { uploaded, target: await making, missing: [] };
  } catch (error) {
    const album = await making.catch(() => undefined);
    if (album && shareWhatArrived && error instanceof IncompleteUpload) {
      return { uploaded: error.uploaded, target: album, missing: error.failures };
    }
    const cleaned =
      album !== undefined &&
      provider.capabilities.deleteFiles &&
      (await deleteUploads(provider, [album]).then(
        () => true,
        () => false,
      ));
    throw error instanceof IncompleteUpload ? albumFailed(plan, error, cleaned) : error;
  }
}

/** Some files of an album did not upload, so (without --partial) none of it is shared. */
function albumFailed(plan: PreparedPlan, incomplete: IncompleteUpload, cleaned: boolean) {
  const { failures } = incomplete;
  const first = failures[0]?.error;
  const reasons = failures.map(({ file, error }) => `${file.name}: ${errorMessage(error)}`);
  return new DmshareError(
    first instanceof DmshareError ? first.kind : "provider",
    `${failures.length} of ${plan.files.length} files of the album "${plan.name}" did not upload:\n  ${reasons.join("\n  ")}`,
    {
      cause: incomplete,
      hint:
        `Nothing was shared${cleaned ? " and the files that did arrive were removed" : ""}. ` +
        "Send again, or add --partial to share the photos that arrived.",
    },
  );
}

/**
 * A file streamed as it is (--keep-metadata, --any-file) that changed size or time since it
 * was inspected: what arrived may be half of one version and half of another. Prepared
 * copies live in dmshare's private temp dir and can't change.
 */
export async function changedSinceInspected(
  files: readonly LocalFile[],
): Promise<LocalFile | undefined> {
  for (const file of files) {
    if (file.contentPath !== file.path) continue;
    const now = await stat(file.path).catch(() => undefined);
    if (!now || now.size !== file.bytes || now.mtime.getTime() !== file.modifiedAt.getTime())
      return file;
  }
  return undefined;
}
