/**
 * The second gate (DESIGN.md §3): an independent checker of what a file tells about its sender.
 *
 * It knows nothing of the stripper in ./strip: it reads the file as any reader would and
 * reports every piece of metadata that is not on a short allow-list of things needed to show
 * the picture the same way (ICC profiles, orientation-only EXIF, the HDR gain-map XMP and
 * multi-picture index, empty or blanked structures). Run on a prepared copy, any finding means
 * the stripper missed something and the copy is refused; run on an original, the findings are
 * what `dmshare inspect` shows.
 *
 * Containers are parsed structurally and shallowly: JPEG segments, PNG chunks, RIFF chunks,
 * GIF blocks, ISO boxes (with HEIF items and the movie's user data). Coded picture and sound
 * data (JPEG scans, IDAT, VP8, GIF LZW, mdat samples) is never searched byte by byte: short
 * patterns occur there by chance. Everything else that is opaque (unknown chunks, free boxes,
 * trailers) is searched for strong signatures of EXIF, XMP, IPTC and location data.
 *
 * Memory stays bounded: metadata structures are read whole only up to a limit, and large
 * regions are walked a chunk at a time, so a 1 GiB video costs a few megabytes.
 */
import { open } from "node:fs/promises";
import { scanGif } from "./gif.ts";
import { scanIsobmff } from "./isobmff.ts";
import { scanJpeg } from "./jpeg.ts";
import { PNG_SIGNATURE, scanPng } from "./png.ts";
import { Reader } from "./reader.ts";
import { Report, type ScanReport } from "./report.ts";
import { scanWebp } from "./webp.ts";

export type { Category, Finding, Kept, ScanReport } from "./report.ts";
export { precisionNote, summariseFindings } from "./words.ts";

/** Nesting bound for embedded files (a JPEG in a JPEG's trailer, a video in a HEIC). */
const MAX_DEPTH = 4;

/** Scans the file at `file`; never modifies it. Throws only for I/O errors and aborts. */
export async function scanMedia(file: string, signal?: AbortSignal): Promise<ScanReport> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const reader = new Reader(handle, size, signal);
    const report = new Report();
    try {
      const format = await scanRange(reader, 0, size, report, "", 0);
      return report.finish(format);
    } finally {
      reader.release();
    }
  } finally {
    await handle.close();
  }
}

/** Scans [start, end) as whatever file its first bytes say it is; returns the format name. */
async function scanRange(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
): Promise<string> {
  const head = await reader.read(start, Math.min(16, end - start));
  const at = (text: string) => (where ? `${where}: ${text}` : text);
  if (depth > MAX_DEPTH) {
    report.find("structure", "files nested too deeply to check", at("embedded file"));
    return "unknown";
  }
  if (head[0] === 0xff && head[1] === 0xd8) {
    await scanJpeg(reader, start, end, report, where, depth, true, scanRange);
    return "JPEG";
  }
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) {
    await scanPng(reader, start, end, report, where);
    return "PNG";
  }
  if (head.toString("latin1", 0, 4) === "RIFF" && head.toString("latin1", 8, 12) === "WEBP") {
    await scanWebp(reader, start, end, report, where);
    return "WebP";
  }
  if (/^GIF8[79]a$/.test(head.toString("latin1", 0, 6))) {
    await scanGif(reader, start, end, report, where);
    return "GIF";
  }
  const boxType = head.toString("latin1", 4, 8);
  if (["ftyp", "moov", "mdat", "wide", "free", "skip", "styp"].includes(boxType)) {
    return scanIsobmff(reader, start, end, report, where, depth, scanRange);
  }
  report.find("structure", "data dmshare can't identify as a picture or video", at("file"));
  return "unknown";
}
