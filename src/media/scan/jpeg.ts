// JPEG: segments judged, scans skipped, what follows the end-of-image marker checked.
import { checkIptc } from "./iptc.ts";
import { type ScanRange, scanIsobmff } from "./isobmff.ts";
import { scanOpaque, signaturesIn } from "./opaque.ts";
import { allZero, type Reader, SCAN_CHUNK, startsWith } from "./reader.ts";
import { ascii, type Report } from "./report.ts";
import { checkTiff } from "./tiff.ts";
import { checkXmp } from "./xmp.ts";

const JPEG_SOS = 0xda;
const JPEG_EOI = 0xd9;

/**
 * Markers of the coding process: SOF0–SOF15 (but JPG), DHT, DAC, SOS, DQT, DNL, DRI, DHP, EXP.
 * Their segments hold tables and frame headers; any other marker with a length is unknown.
 */
const CODING_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xda,
  0xdb, 0xdc, 0xdd, 0xde, 0xdf,
]);

/** APPn segments a viewer needs to show the picture the same way: kept, and said to be. */
const KEPT_APP_SEGMENTS = [
  { app: 0, signature: "JFIF\0", what: "JFIF header" },
  { app: 2, signature: "ICC_PROFILE\0", what: "ICC colour profile" },
  { app: 2, signature: "MPF\0", what: "multi-picture index (MPF)" },
  {
    app: 2,
    signature: "urn:iso:std:iso:ts:21496:-1\0",
    what: "HDR gain-map parameters (ISO 21496-1)",
  },
  { app: 14, signature: "Adobe", what: "Adobe colour transform" },
] as const;

/**
 * JPEG: every APPn and COM segment is metadata by definition, so each must be one of the
 * allowed kinds (JFIF, ICC, MPF, gain-map, Adobe, a clean EXIF or XMP) or blank. Coding
 * segments pass; scans are skipped without being searched. After the end-of-image marker,
 * only zeros, further JPEGs (MPF gain maps and previews, each checked the same way) and an
 * embedded video (checked as a video) may follow.
 */
export async function scanJpeg(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
  withTrailer: boolean,
  scanRange: ScanRange,
): Promise<number> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  let at = start + 2;
  let sawExif = false;
  for (;;) {
    reader.signal?.throwIfAborted();
    if (at + 2 > end) {
      report.find("structure", "a JPEG that ends before its end-of-image marker", name("JPEG"));
      return end;
    }
    const probe = await reader.read(at, 4);
    if (probe[0] !== 0xff) {
      // Bytes between segments belong to nothing: a reader may still find data there.
      report.find(
        "structure",
        `stray bytes between JPEG segments at byte ${at - start}`,
        name("JPEG"),
      );
      const next = await findByte(reader, at, end, 0xff);
      if (next === -1) return end;
      await scanOpaque(reader, at, next, report, name(`stray bytes at ${at - start}`));
      at = next;
      continue;
    }
    const marker = probe[1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === JPEG_EOI) {
      at += 2;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (probe.length < 4) {
      report.find("structure", "a JPEG segment cut short", name("JPEG"));
      return end;
    }
    const length = probe.readUInt16BE(2);
    const segmentEnd = at + 2 + length;
    if (length < 2 || segmentEnd > end) {
      report.find("structure", "a JPEG segment that runs past the end of the file", name("JPEG"));
      return end;
    }
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      const payload = await reader.read(at + 4, length - 2);
      sawExif = judgeSegment(marker, payload, name(segmentName(marker, payload)), report, sawExif);
    } else if (!CODING_MARKERS.has(marker)) {
      // Not a marker any decoder uses (readers such as exifr still find EXIF inside one).
      const where = name(`JPEG marker 0xFF${marker.toString(16).toUpperCase()} segment`);
      report.find("structure", "a segment with an unknown marker", where);
      await scanOpaque(reader, at + 4, segmentEnd, report, where);
    }
    at = segmentEnd;
    if (marker === JPEG_SOS) at = await skipScan(reader, at, end);
  }
  if (withTrailer) await scanJpegTrailer(reader, at, end, report, where, depth, scanRange);
  return at;
}

function segmentName(marker: number, payload: Buffer): string {
  if (marker === 0xfe) return "JPEG comment (COM)";
  const id = payload.toString("latin1", 0, Math.min(32, payload.length)).split("\0")[0] ?? "";
  const label = /^[\x20-\x7e]{2,}$/.test(id) ? ` "${id}"` : "";
  return `APP${marker - 0xe0} segment${label}`;
}

/** Judges one APPn/COM payload; returns whether an EXIF block has now been seen. */
function judgeSegment(
  marker: number,
  payload: Buffer,
  where: string,
  report: Report,
  sawExif: boolean,
): boolean {
  // Blanked in place (how secondary images lose their metadata without changing size).
  if (allZero(payload)) return sawExif;
  if (marker === 0xfe) {
    report.find("text", "comment", where, ascii(payload));
    return sawExif;
  }
  const app = marker - 0xe0;
  const kept = KEPT_APP_SEGMENTS.find(
    (segment) => segment.app === app && startsWith(payload, segment.signature),
  );
  if (kept) {
    report.keep(kept.what, where);
    return sawExif;
  }
  if (app === 0 && startsWith(payload, "JFXX\0")) {
    report.find("embedded", "embedded thumbnail (JFXX)", where);
    return sawExif;
  }
  if (app === 1 && startsWith(payload, "Exif\0")) {
    if (sawExif) report.find("other", "a second EXIF block", where);
    checkTiff(payload.subarray(6), where, report);
    return true;
  }
  if (app === 1 && startsWith(payload, "http://ns.adobe.com/xap/1.0/\0")) {
    checkXmp(payload.subarray(29), where, report);
    return sawExif;
  }
  if (app === 1 && startsWith(payload, "http://ns.adobe.com/xmp/extension/\0")) {
    report.find("other", "extended XMP", where);
    checkXmp(payload.subarray(35 + 40), where, report);
    return sawExif;
  }
  if (app === 13) {
    checkIptc(payload, where, report);
    return sawExif;
  }
  // Anything else (Canon CIFF in APP0, GoPro APP6, maker previews, C2PA in APP11…) is
  // application data no viewer needs; what it holds is searched only to say more about it.
  report.find("other", "application data no viewer needs", where);
  for (const { category, what } of signaturesIn(payload)) report.find(category, what, where);
  return sawExif;
}

async function findByte(reader: Reader, start: number, end: number, byte: number): Promise<number> {
  for (let at = start; at < end; at += SCAN_CHUNK) {
    const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
    const found = data.indexOf(byte);
    if (found !== -1) return at + found;
    if (data.length === 0) break;
  }
  return -1;
}

/**
 * Skips entropy-coded data: up to the next marker that is not stuffing, a restart or fill.
 * The whole scan is read (that is where a JPEG's end is), so the next chunk is read while this
 * one is searched.
 */
async function skipScan(reader: Reader, start: number, end: number): Promise<number> {
  let at = start;
  let turn = 0;
  let pending = reader.chunkAhead(at, Math.min(SCAN_CHUNK, end - at), turn);
  try {
    while (at < end) {
      reader.signal?.throwIfAborted();
      const data = await pending;
      if (data.length === 0) return end;
      const following = at + data.length;
      turn ^= 1;
      pending =
        following < end
          ? reader.chunkAhead(following, Math.min(SCAN_CHUNK, end - following), turn)
          : Promise.resolve(EMPTY);
      const marker = markerIn(data);
      if (marker >= 0) return at + marker;
      if (marker === -1) {
        at = following;
        continue;
      }
      // The chunk ends in 0xFF bytes whose meaning is in the next chunk: read again from there.
      if (following >= end) return end;
      // (A chunk of nothing but 0xFF fill moves on to its last byte, so the loop always advances.)
      const ff = data.length + marker + 1;
      await pending;
      at += ff > 0 ? ff : data.length - 1;
      turn ^= 1;
      pending = reader.chunkAhead(at, Math.min(SCAN_CHUNK, end - at), turn);
    }
    return end;
  } finally {
    await pending.catch(() => {});
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Where a marker that ends entropy-coded data starts in `data` (its first 0xFF); -1 when there
 * is none; or, when `data` ends in a run of 0xFF bytes that the next byte decides, that run's
 * start as `ff - data.length - 1` (below -1).
 */
function markerIn(data: Buffer): number {
  let search = 0;
  for (;;) {
    const ff = data.indexOf(0xff, search);
    if (ff === -1) return -1;
    let next = ff + 1;
    while (next < data.length && data[next] === 0xff) next++;
    if (next >= data.length) return ff - data.length - 1;
    const byte = data[next] ?? 0;
    if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7)) {
      search = next + 1;
      continue;
    }
    return next - 1;
  }
}

/** What follows a JPEG's end-of-image marker. */
async function scanJpegTrailer(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
  scanRange: ScanRange,
): Promise<void> {
  let at = start;
  let images = 0;
  while (at < end) {
    reader.signal?.throwIfAborted();
    const head = await reader.read(at, 16);
    if (allZero(head)) {
      // Zero padding says nothing; skip it a chunk at a time.
      const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
      const firstNonZero = data.findIndex((byte) => byte !== 0);
      at += firstNonZero === -1 ? data.length : firstNonZero;
      continue;
    }
    if (head[0] === 0xff && head[1] === 0xd8) {
      images++;
      const label = `${where ? `${where}: ` : ""}image ${images + 1} after the first`;
      report.keep("secondary image (gain map or preview)", label);
      at = await scanJpeg(reader, at, end, report, label, depth + 1, false, scanRange);
      continue;
    }
    if (["ftyp", "mdat", "moov"].includes(head.toString("latin1", 4, 8))) {
      report.find("embedded", "an embedded video (motion photo)", where || "after the image");
      const label = `${where || "JPEG"} embedded video`;
      await scanIsobmff(reader, at, end, report, label, depth + 1, scanRange);
      return;
    }
    report.find("other", "data appended after the image", where || `after byte ${at}`);
    await scanOpaque(reader, at, end, report, where || "data after the image");
    return;
  }
}
