import { usageError } from "../lib/errors.ts";
import type { LocalFile } from "../providers/provider.ts";
import type { LinkKind } from "../store/ledger.ts";
import { localDateTime } from "./time-format.ts";

export interface SharePlan<File extends LocalFile = LocalFile> {
  kind: LinkKind;
  /** The photo's file name, or the album's name. */
  name: string;
  files: File[];
}

export interface PlanOptions {
  album?: string;
  each: boolean;
}

/**
 * One file → one photo link; several files or `--album` → one album link; `--each` → a
 * photo link per file.
 */
export function planShares<File extends LocalFile>(
  files: File[],
  options: PlanOptions,
  now: Date,
): SharePlan<File>[] {
  if (options.each && options.album !== undefined) {
    throw usageError(
      "--each and --album can't be used together.",
      "Use --album NAME for one link to all the photos, or --each for one link per photo.",
    );
  }
  const [only] = files;
  if (options.each || (only && files.length === 1 && options.album === undefined)) {
    return files.map((file) => ({ kind: "photo", name: file.name, files: [file] }));
  }
  const name =
    options.album === undefined ? defaultAlbumName(now) : sanitizeAlbumName(options.album);
  return [{ kind: "album", name, files }];
}

/** `dmshare 2026-11-22 14.05`, in local time. */
export const defaultAlbumName = (now: Date) => `dmshare ${localDateTime(now, ".")}`;

const MAX_ALBUM_NAME = 100;

/**
 * An album name becomes a folder name: no path separators, control characters or
 * leading/trailing dots, so it can never climb out of the dmshare folder.
 */
export function sanitizeAlbumName(raw: string): string {
  const cleaned = raw
    .normalize("NFC")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u001f\u007f]/g, " ")
    .replace(/[/\\]/g, "-")
    .replace(/\s+/g, " ")
    .replace(/^[\s.]+|[\s.]+$/g, "");
  const trimmed = Array.from(cleaned).slice(0, MAX_ALBUM_NAME).join("").trim();
  if (!trimmed) {
    throw usageError(
      `The album name "${raw}" has no usable characters.`,
      'Give a name with letters or digits, e.g. --album "Lisbon trip".',
    );
  }
  return trimmed;
}
