import { rmSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { mapSettled } from "../lib/concurrency.ts";
import { usageError } from "../lib/errors.ts";
import { type MediaType, mediaTypeFor } from "../media/detect.ts";
import type { MetadataRemoval } from "../media/metadata.ts";
import type { LocalFile } from "../providers/provider.ts";
import { isLocalFileFault, localFileError } from "../store/files.ts";

const PREPARE_CONCURRENCY = 4;

export interface PrepareOptions {
  keepMetadata: boolean;
  /** `--convert jpeg`: HEIC/HEIF become JPEG. */
  convertToJpeg: boolean;
  /** `--resize PX`: the long edge is at most this many pixels. */
  resize?: number;
}

/** What happened to a file on its way out, for the user. */
export interface Preparation {
  /** null when the metadata was kept (--keep-metadata). */
  metadata: MetadataRemoval | null;
  /** Re-encodings, in words: "converted from HEIC to JPEG (quality 90, 4032×3024)". */
  reencoded: string[];
  /** Options that did not apply to this file, in words. */
  notes: string[];
}

export interface PreparedFile extends LocalFile {
  preparation: Preparation;
}

/**
 * Runs `work` with a private temporary folder (0700) for prepared copies, and removes it
 * afterwards whatever happens (an error, Ctrl-C, a second Ctrl-C that quits at once, given
 * `onQuitNow`). The user's files are only ever read.
 */
export async function withWorkspace<T>(
  work: (dir: string) => Promise<T>,
  onQuitNow?: Set<() => void>,
): Promise<T> {
  let dir: string;
  try {
    dir = await mkdtemp(path.join(tmpdir(), "dmshare-"));
  } catch (error) {
    throw workspaceError(error, tmpdir(), "create a temporary folder in");
  }
  // Quitting at once (a second Ctrl-C) skips the finally below: the copies go as it exits.
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  onQuitNow?.add(removeNow);
  try {
    return await work(dir);
  } finally {
    onQuitNow?.delete(removeNow);
    await rm(dir, { recursive: true, force: true });
  }
}

/** The temporary folder's disk refused: say which, and that TMPDIR can point elsewhere. */
const workspaceError = (error: unknown, where: string, action: string) =>
  localFileError(error, where, action, {
    hint:
      `Nothing was uploaded. dmshare makes private copies (without metadata) in ${tmpdir()} before sending: ` +
      "free some space there or make it writable, or set TMPDIR to a folder on a disk with room.",
  });

/**
 * Prepares every file before anything is uploaded: metadata removed (unless kept), then
 * converted and resized when asked. A file that can't be prepared stops the whole send.
 */
export async function prepareFiles(
  files: LocalFile[],
  options: PrepareOptions,
  workspace: string,
  signal: AbortSignal,
): Promise<PreparedFile[]> {
  // A few at a time: reading and writing overlap; all are settled before any error is
  // thrown, so nothing is still writing into the workspace when it is removed.
  const results = await mapSettled(files, PREPARE_CONCURRENCY, (file, index) =>
    prepareFile(file, index, options, workspace, signal),
  );
  return results.map((result) => {
    if (!result.ok) throw result.error;
    return result.value;
  });
}

async function prepareFile(
  file: LocalFile,
  index: number,
  options: PrepareOptions,
  workspace: string,
  signal: AbortSignal,
): Promise<PreparedFile> {
  const preparation: Preparation = { metadata: null, reencoded: [], notes: [] };
  let current = { ...file };
  let type = mediaTypeFor(file.mime);
  const step = (suffix: string) => path.join(workspace, `${index}-${suffix}-${file.name}`);

  if (!options.keepMetadata) {
    if (type) {
      const { removeMetadata } = await import("../media/metadata.ts");
      const clean = step("clean");
      preparation.metadata = await explainFailure(file, "remove its metadata", workspace, () =>
        removeMetadata(current.contentPath, clean, type as MediaType, signal),
      );
      current = { ...current, contentPath: clean };
    } else {
      preparation.metadata = {
        removed: [],
        locationRemoved: false,
        notRemoved:
          "dmshare can't read the metadata of this kind of file, so it was sent as it is.",
      };
    }
  }

  if (options.convertToJpeg && type && /^image\/hei[cf]$/.test(type.mime)) {
    const { convertToJpeg } = await import("../media/transform.ts");
    const converted = `${step("jpeg").replace(/\.[^.]*$/, "")}.jpg`;
    const result = await explainFailure(file, "convert it to JPEG", workspace, () =>
      convertToJpeg(current.contentPath, converted, {
        keepMetadata: options.keepMetadata,
        type: type as MediaType,
        signal,
      }),
    );
    preparation.reencoded.push(
      `converted from ${type.label} to JPEG (quality ${result.quality}, ${result.width}×${result.height})`,
    );
    type = mediaTypeFor("image/jpeg");
    current = {
      ...current,
      contentPath: converted,
      mime: "image/jpeg",
      name: `${path.parse(file.name).name}.jpg`,
    };
  } else if (options.convertToJpeg) {
    preparation.notes.push(
      `--convert jpeg only converts HEIC/HEIF; ${file.name} was left as it is`,
    );
  }

  if (options.resize !== undefined) {
    if (!type || type.video) {
      preparation.notes.push(`--resize applies to photos only; ${file.name} was left as it is`);
    } else {
      const { resizeImage } = await import("../media/transform.ts");
      const resized = step("resized");
      const maxEdge = options.resize;
      const result = await explainFailure(file, "resize it", workspace, () =>
        resizeImage(current.contentPath, resized, maxEdge, type as MediaType, {
          keepMetadata: options.keepMetadata,
          signal,
        }),
      );
      if (result.resized) {
        preparation.reencoded.push(`resized to ${result.width}×${result.height}`);
        current = { ...current, contentPath: resized, mime: result.mime };
      }
    }
  }

  if (!options.keepMetadata && type && current.contentPath !== file.path) {
    await gate(file, current.contentPath, signal);
  }

  const bytes =
    current.contentPath === file.path ? file.bytes : (await stat(current.contentPath)).size;
  return { ...current, bytes, preparation };
}

/**
 * The second gate (DESIGN.md §3): the copy about to be uploaded is read again by an
 * independent checker that knows nothing of how metadata was removed. Anything it finds that
 * could identify the sender stops the send, so a gap in the stripper fails closed.
 */
async function gate(file: LocalFile, prepared: string, signal: AbortSignal): Promise<void> {
  const { scanMedia, summariseFindings } = await import("../media/scan/index.ts");
  const report = await scanMedia(prepared, signal);
  const found = report.findings.filter((finding) => finding.refuse);
  if (found.length === 0) return;
  throw usageError(
    `Can't send ${file.path}: after removing its metadata, dmshare's check still found ${summariseFindings(found)} in the copy it would upload.`,
    `Nothing was uploaded. See everything the file holds with: dmshare inspect ${JSON.stringify(file.path)}. To send it anyway, with all its metadata, use --keep-metadata.`,
  );
}

/** A file dmshare can't parse is bad input: exit 2, naming the file and the way around it. */
const isInside = (dir: string, file: string) => !path.relative(dir, file).startsWith("..");

async function explainFailure<T>(
  file: LocalFile,
  action: string,
  workspace: string,
  work: () => Promise<T>,
) {
  try {
    return await work();
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    // The disk of the private copies refused: full (a write error names no file), or the
    // named file is one of the copies. A fault reading the user's own file is reported below.
    const { code, path: where } = error as NodeJS.ErrnoException;
    if (code === "ENOSPC" || code === "EDQUOT" || (where && isInside(workspace, where))) {
      if (isLocalFileFault(error)) {
        throw workspaceError(error, where ?? workspace, "write a private copy in");
      }
    }
    throw usageError(
      `Can't send ${file.path}: dmshare could not ${action} (${(error as Error).message}).`,
      "Nothing was uploaded. If the file opens elsewhere, send it unchanged with --keep-metadata (and without --convert/--resize).",
    );
  }
}
