// WebP: RIFF chunks a decoder uses pass; EXIF, XMP and unknown chunks are judged.
import { scanOpaque } from "./opaque.ts";
import { MAX_STRUCTURE, type Reader, startsWith, zeroRange } from "./reader.ts";
import type { Report } from "./report.ts";
import { checkTiff } from "./tiff.ts";
import { checkXmp } from "./xmp.ts";

/** RIFF chunks a WebP decoder uses; frame data in them is not searched. */
const WEBP_CODED = new Set(["VP8 ", "VP8L", "ALPH", "ANMF"]);

export async function scanWebp(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<void> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  const header = await reader.read(start, 12);
  const riffEnd = start + 8 + header.readUInt32LE(4);
  if (riffEnd > end) report.find("structure", "a RIFF size larger than the file", name("WebP"));
  const limit = Math.min(riffEnd, end);
  let at = start + 12;
  while (at + 8 <= limit) {
    reader.signal?.throwIfAborted();
    const chunk = await reader.read(at, 8);
    const type = chunk.toString("latin1", 0, 4);
    const size = chunk.readUInt32LE(4);
    const dataEnd = at + 8 + size;
    const where = name(`WebP chunk ${JSON.stringify(type)}`);
    if (dataEnd > limit) {
      report.find("structure", "a WebP chunk that runs past the end of the file", where);
      return;
    }
    if (type === "EXIF") {
      if (size > MAX_STRUCTURE) report.find("other", "an oversized EXIF block", where);
      else {
        const data = await reader.read(at + 8, size);
        checkTiff(startsWith(data, "Exif\0\0") ? data.subarray(6) : data, where, report);
      }
    } else if (type === "XMP ") {
      if (size > MAX_STRUCTURE) report.find("other", "an oversized XMP packet", where);
      else checkXmp(await reader.read(at + 8, size), where, report);
    } else if (type === "ICCP") {
      report.keep("ICC colour profile", where);
    } else if (type === "VP8X" || type === "ANIM") {
      // Flags, canvas size, loop count and background colour: nothing else fits.
    } else if (!WEBP_CODED.has(type)) {
      report.find("other", "a chunk no viewer needs", where);
      await scanOpaque(reader, at + 8, dataEnd, report, where);
    }
    at = dataEnd + (size & 1);
  }
  if (limit < end && !(await zeroRange(reader, limit, end))) {
    report.find("other", "data appended after the image", name("after the RIFF data"));
    await scanOpaque(reader, limit, end, report, name("after the RIFF data"));
  }
}
