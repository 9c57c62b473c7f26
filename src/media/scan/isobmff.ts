// ISO base media files: the top-level boxes of a picture or a movie.
import { boxesIn, printable, uuidBox } from "./boxes.ts";
import { scanItems } from "./heif-items.ts";
import { scanMovie } from "./movie.ts";
import { scanOpaque } from "./opaque.ts";
import { MAX_STRUCTURE, type Reader } from "./reader.ts";
import type { Report } from "./report.ts";

/** Top-level boxes that make up a picture or a movie. Anything else is a finding. */
const TOP_LEVEL = new Set([
  "ftyp",
  "styp",
  "moov",
  "mdat",
  "meta",
  "free",
  "skip",
  "wide",
  "moof",
  "mfra",
  "sidx",
  "ssix",
  "pdin",
  "prft",
  "emsg",
  "uuid",
]);

/**
 * Scans [start, end) as whatever file its first bytes say it is (index.ts's `scanRange`),
 * handed down so that an embedded file is checked without this module importing the index.
 */
export type ScanRange = (
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
) => Promise<string>;

export async function scanIsobmff(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
  scanRange: ScanRange,
): Promise<string> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  const top = await boxesIn(reader, start, end, report, name("file"));
  let format = "MP4/MOV";
  for (const box of top) {
    reader.signal?.throwIfAborted();
    const label = name(`"${printable(box.type)}" box`);
    if (box.type === "ftyp") {
      const brand = (await reader.read(box.body, 4)).toString("latin1");
      format = /^(heic|heix|hevc|heim|heis|hevm|hevs|mif1|msf1)$/.test(brand)
        ? "HEIC"
        : brand === "avif" || brand === "avis"
          ? "AVIF"
          : brand === "qt  "
            ? "QuickTime"
            : "MP4";
    } else if (box.type === "meta") {
      await scanItems(reader, box, report, label, depth);
    } else if (box.type === "moov") {
      await scanMovie(reader, box, report, label);
    } else if (box.type === "uuid") {
      await uuidBox(reader, box, report, label);
    } else if (box.type === "free" || box.type === "skip" || box.type === "wide") {
      await scanOpaque(reader, box.body, box.end, report, label);
    } else if (box.type === "mpvd") {
      // Samsung motion photo: a whole MP4, checked as a video.
      report.find("embedded", "an embedded video (motion photo)", label);
      await scanRange(reader, box.body, box.end, report, label, depth + 1);
    } else if (!TOP_LEVEL.has(box.type)) {
      // Samsung's sefd trailer (country code, time), maker boxes: not part of the picture.
      report.find("other", "a box that is not part of the picture or movie", label);
      await scanOpaque(
        reader,
        box.body,
        Math.min(box.end, box.body + MAX_STRUCTURE),
        report,
        label,
      );
    }
  }
  return format;
}
