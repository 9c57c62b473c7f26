/**
 * EXIF (a TIFF structure): read just enough to know what a block holds, and write the
 * smallest block that still displays the photo correctly (orientation, colour space).
 */
import { Findings, LABELS, type Label } from "./labels.ts";
import { xmpFindings } from "./xmp.ts";

const TYPE_SIZES: Record<number, number> = {
  1: 1,
  2: 1,
  3: 2,
  4: 4,
  5: 8,
  6: 1,
  7: 1,
  8: 2,
  9: 4,
  10: 8,
  11: 4,
  12: 8,
  13: 4,
};

const TAG = {
  orientation: 0x0112,
  exifIfd: 0x8769,
  gpsIfd: 0x8825,
  interopIfd: 0xa005,
  subIfds: 0x014a,
  colorSpace: 0xa001,
  interopIndex: 0x0001,
  thumbnailOffset: 0x0201,
  thumbnailLength: 0x0202,
  xmp: 0x02bc,
  iptc: 0x83bb,
} as const;

/** Tags that say nothing about who took the photo or where; kept out of the labels. */
const HARMLESS = new Set([
  0x0100,
  0x0101,
  0x0102,
  0x0103,
  0x0106,
  0x0115,
  0x011a,
  0x011b,
  0x0128,
  0x013e,
  0x013f,
  0x0211,
  0x0212,
  0x0213,
  0x8773,
  0x9000,
  0x9101,
  0xa000,
  0xa002,
  0xa003,
  0xa500,
  // Pointers are followed, not reported.
  TAG.exifIfd,
  TAG.gpsIfd,
  TAG.interopIfd,
]);

const TAG_LABELS = new Map<number, Label>([
  [0x010f, LABELS.camera],
  [0x0110, LABELS.camera],
  [0xa433, LABELS.camera],
  [0xa434, LABELS.camera],
  [0x0131, LABELS.software],
  [0x013c, LABELS.software],
  [0x000b, LABELS.software],
  [0x013b, LABELS.owner],
  [0xa430, LABELS.owner],
  [0x9c9d, LABELS.owner],
  [0x8298, LABELS.copyright],
  [0xa431, LABELS.serial],
  [0xc62f, LABELS.serial],
  [0xa435, LABELS.lensSerial],
  [0xa420, LABELS.uniqueId],
  [0x927c, LABELS.makerNotes],
  [0x010e, LABELS.comments],
  [0x010d, LABELS.comments],
  [0x011d, LABELS.comments],
  [0x9286, LABELS.comments],
  [0x9c9b, LABELS.comments],
  [0x9c9c, LABELS.comments],
  [0x9c9e, LABELS.comments],
  [0x9c9f, LABELS.comments],
  [0x0132, LABELS.dates],
  [0x9003, LABELS.dates],
  [0x9004, LABELS.dates],
  [0x9010, LABELS.dates],
  [0x9011, LABELS.dates],
  [0x9012, LABELS.dates],
  [0x9290, LABELS.dates],
  [0x9291, LABELS.dates],
  [0x9292, LABELS.dates],
  [TAG.iptc, LABELS.iptc],
  [TAG.subIfds, LABELS.thumbnail],
]);

/** GPS tags that pin a place: latitude/longitude (and their references), destination, area. */
const GPS_LOCATION_TAGS = new Set([1, 2, 3, 4, 0x13, 0x14, 0x15, 0x16, 0x1c]);

/**
 * Tags copied into the minimal block: what displays the photo (orientation, resolution,
 * colour space and the interoperability index that marks Adobe RGB) and the few fields the
 * EXIF standard requires of a JPEG. Nothing else survives: this is the whole allow-list.
 */
const KEPT: Record<"ifd0" | "exif" | "interop", Set<number>> = {
  ifd0: new Set([
    TAG.orientation,
    0x011a /* XResolution */,
    0x011b /* YResolution */,
    0x0128 /* ResolutionUnit */,
    0x0213 /* YCbCrPositioning */,
  ]),
  exif: new Set([
    0x9000 /* ExifVersion */,
    0x9101 /* ComponentsConfiguration */,
    0xa000 /* FlashpixVersion */,
    TAG.colorSpace,
    0xa002 /* PixelXDimension */,
    0xa003 /* PixelYDimension */,
  ]),
  interop: new Set([TAG.interopIndex, 0x0002 /* InteropVersion */]),
};

/** A kept value is a number or a short code; anything longer is not what the tag holds. */
const MAX_KEPT_VALUE = 16;

/** One entry to copy: its tag, type, count and value bytes, in the block's byte order. */
export interface KeptEntry {
  tag: number;
  type: number;
  count: number;
  value: Buffer;
}

export interface ExifAnalysis {
  /** False when the block is not a TIFF structure dmshare can read. */
  readable: boolean;
  littleEndian: boolean;
  orientation?: number;
  kept: { ifd0: KeptEntry[]; exif: KeptEntry[]; interop: KeptEntry[] };
  findings: Findings;
  /**
   * True when the block holds nothing beyond the allow-list: every entry of every IFD is a
   * kept tag (or the pointer to the Exif/Interop IFD), there is no IFD1, and every byte of
   * the block belongs to a table or a kept value (gaps only zero padding). Left byte-identical.
   */
  clean: boolean;
}

type IfdKind = "ifd0" | "exif" | "gps" | "interop" | "ifd1" | "other";

/** What walking the IFDs of one EXIF block gathers as it goes. */
interface Walk {
  tiff: Buffer;
  u16: (at: number) => number;
  u32: (at: number) => number;
  result: ExifAnalysis;
  findings: Findings;
  visited: Set<number>;
  /** Byte ranges of the block that hold a table or a kept value: the rest must be padding. */
  used: [number, number][];
  clean: boolean;
  thumbnailOffset?: number;
  thumbnailLength?: number;
}

/** Judges the IFD at `offset` (following its pointers); returns the offset of the next IFD. */
function walkIfd(w: Walk, offset: number, kind: IfdKind): number {
  const { tiff, u16, u32, result, findings, visited, used } = w;
  if (offset === 0) return 0;
  if (visited.has(offset) || offset + 2 > tiff.length || visited.size > 64) {
    w.clean = false;
    findings.add(LABELS.exif);
    return 0;
  }
  visited.add(offset);
  const count = u16(offset);
  if (offset + 2 + count * 12 + 4 > tiff.length) {
    w.clean = false;
    findings.add(LABELS.exif);
    return 0;
  }
  used.push([offset, offset + 2 + count * 12 + 4]);
  if (kind === "ifd1" && count > 0) findings.add(LABELS.thumbnail);
  if (kind !== "ifd0" && kind !== "exif" && kind !== "interop") w.clean = false;
  for (let index = 0; index < count; index++) {
    const entry = offset + 2 + index * 12;
    const tag = u16(entry);
    const type = u16(entry + 2);
    const valueCount = u32(entry + 4);
    const byteLength = (TYPE_SIZES[type] ?? 1) * valueCount;
    const valueAt = byteLength <= 4 ? entry + 8 : u32(entry + 8);
    const inBounds = valueAt + byteLength <= tiff.length;
    const pointer = () => u32(entry + 8);

    // Pointers to other IFDs are followed wherever they stand.
    const found = { tag, valueCount, byteLength, valueAt, inBounds, pointer };
    if (kind !== "gps" && followPointer(w, kind, found)) continue;
    if (kind === "gps") {
      findings.add(
        GPS_LOCATION_TAGS.has(tag) ? LABELS.gps : LABELS.gpsOther,
        GPS_LOCATION_TAGS.has(tag),
      );
      continue;
    }
    if (kind === "ifd1") {
      if (tag === TAG.thumbnailOffset) w.thumbnailOffset = pointer();
      if (tag === TAG.thumbnailLength) w.thumbnailLength = pointer();
      continue;
    }
    if (
      (kind === "ifd0" || kind === "exif" || kind === "interop") &&
      KEPT[kind].has(tag) &&
      TYPE_SIZES[type] !== undefined &&
      byteLength <= MAX_KEPT_VALUE &&
      inBounds
    ) {
      result.kept[kind].push({
        tag,
        type,
        count: valueCount,
        value: Buffer.from(tiff.subarray(valueAt, valueAt + byteLength)),
      });
      if (byteLength > 4) used.push([valueAt, valueAt + byteLength]);
      if (tag === TAG.orientation && kind === "ifd0" && type === 3)
        result.orientation = u16(entry + 8);
      continue;
    }
    w.clean = false;
    if (tag === TAG.xmp) {
      const xmp = inBounds ? xmpFindings(tiff.subarray(valueAt, valueAt + byteLength)) : null;
      if (xmp) findings.merge(xmp);
      else findings.add(LABELS.xmp);
    } else if (!HARMLESS.has(tag)) findings.add(TAG_LABELS.get(tag) ?? LABELS.settings);
    else findings.add(LABELS.exif);
  }
  return u32(offset + 2 + count * 12);
}

/** Follows `entry` when it points at another IFD (GPS, Exif, Interop, SubIFDs); false if not. */
function followPointer(
  w: Walk,
  kind: IfdKind,
  entry: {
    tag: number;
    valueCount: number;
    byteLength: number;
    valueAt: number;
    inBounds: boolean;
    pointer: () => number;
  },
): boolean {
  const { tag, valueCount, byteLength, valueAt, inBounds, pointer } = entry;
  if (tag === TAG.gpsIfd) {
    w.clean = false;
    walkIfd(w, pointer(), "gps");
    return true;
  }
  if (tag === TAG.exifIfd) {
    if (kind !== "ifd0") w.clean = false;
    walkIfd(w, pointer(), "exif");
    return true;
  }
  if (tag === TAG.interopIfd) {
    if (kind !== "exif") w.clean = false;
    walkIfd(w, pointer(), "interop");
    return true;
  }
  if (tag === TAG.subIfds) {
    w.clean = false;
    w.findings.add(LABELS.thumbnail);
    for (let n = 0; n < Math.min(valueCount, 16) && inBounds; n++) {
      walkIfd(w, byteLength <= 4 ? pointer() : w.u32(valueAt + n * 4), "other");
    }
    return true;
  }
  return false;
}

/**
 * Reads a TIFF/EXIF block (starting at the byte-order mark). Every IFD is walked: IFD0, the
 * chain after it (IFD1 and beyond), and every Exif, GPS, Interop or SubIFD pointer wherever
 * it stands, so a GPS IFD hung off the Exif or Interop IFD is found too. `findJpegExif` lets
 * the caller look inside an embedded thumbnail JPEG for its own EXIF block.
 */
export function analyseExif(
  tiff: Buffer,
  findJpegExif?: (jpeg: Buffer) => Buffer | undefined,
  depth = 0,
): ExifAnalysis {
  const findings = new Findings();
  const order = tiff.toString("latin1", 0, 2);
  const littleEndian = order === "II";
  const kept = { ifd0: [], exif: [], interop: [] };
  const result: ExifAnalysis = { readable: false, littleEndian, kept, findings, clean: false };
  if (tiff.length < 8 || (order !== "II" && order !== "MM")) return unreadable(result);
  const u16 = (at: number) => (littleEndian ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return unreadable(result);

  const w: Walk = {
    tiff,
    u16,
    u32,
    result,
    findings,
    visited: new Set<number>(),
    used: [[0, 8]],
    clean: true,
  };

  // IFD0, then every IFD chained after it (IFD1 is the thumbnail; more are never needed).
  let next = walkIfd(w, u32(4), "ifd0");
  let kind: IfdKind = "ifd1";
  while (next !== 0 && !w.visited.has(next)) {
    w.clean = false;
    next = walkIfd(w, next, kind);
    kind = "other";
  }

  const { thumbnailOffset, thumbnailLength } = w;
  if (thumbnailOffset !== undefined && thumbnailLength !== undefined && findJpegExif) {
    const end = Math.min(tiff.length, thumbnailOffset + thumbnailLength);
    const inner = depth < 2 ? findJpegExif(tiff.subarray(thumbnailOffset, end)) : undefined;
    if (inner) {
      const nested = analyseExif(inner, findJpegExif, depth + 1);
      if (nested.findings.hadLocation) findings.hadLocation = true;
    }
  }
  result.readable = true;
  result.clean = w.clean && onlyPadding(tiff, w.used);
  return result;
}

/** True when the bytes outside `used` are all zero (word-alignment padding). */
function onlyPadding(tiff: Buffer, used: [number, number][]): boolean {
  used.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  for (const [start, end] of used) {
    if (start > covered && !allZeroRange(tiff, covered, start)) return false;
    covered = Math.max(covered, end);
  }
  return covered >= tiff.length || allZeroRange(tiff, covered, tiff.length);
}

function allZeroRange(bytes: Buffer, start: number, end: number): boolean {
  for (let at = start; at < end; at++) if (bytes[at] !== 0) return false;
  return true;
}

function unreadable(result: ExifAnalysis): ExifAnalysis {
  result.findings.add(LABELS.exif);
  return result;
}

/**
 * The smallest EXIF block that keeps the photo displaying as before: the KEPT tags copied
 * from the original, in its byte order, and no thumbnail. Null when there is nothing to keep.
 */
export function minimalExif(analysis: ExifAnalysis): Buffer | null {
  const { littleEndian } = analysis;
  const interop = analysis.kept.interop;
  const exif = [...analysis.kept.exif];
  const ifd0 = [...analysis.kept.ifd0];
  const hasOrientation = ifd0.some((entry) => entry.tag === TAG.orientation);
  const hasColour = exif.some((entry) => entry.tag === TAG.colorSpace);
  if (!hasOrientation && !hasColour) return null;

  const pointer = (tag: number): KeptEntry => ({ tag, type: 4, count: 1, value: Buffer.alloc(4) });
  if (interop.length > 0) exif.push(pointer(TAG.interopIfd));
  if (exif.length > 0) ifd0.push(pointer(TAG.exifIfd));
  const tables = [ifd0, exif, interop].filter((table) => table.length > 0);
  const offsets: number[] = [];
  let size = 8;
  for (const table of tables) {
    table.sort((a, b) => a.tag - b.tag);
    offsets.push(size);
    size += 2 + table.length * 12 + 4;
  }
  const valuesAt = size;
  for (const table of tables) {
    for (const entry of table)
      if (entry.value.length > 4) size += entry.value.length + (entry.value.length & 1);
  }

  const out = Buffer.alloc(size);
  const w16 = (value: number, at: number) =>
    littleEndian ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at);
  const w32 = (value: number, at: number) =>
    littleEndian ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at);
  out.write(littleEndian ? "II" : "MM", 0, "latin1");
  w16(42, 2);
  w32(8, 4);
  let valueAt = valuesAt;
  tables.forEach((table, index) => {
    const at = offsets[index] ?? 0;
    w16(table.length, at);
    table.forEach((entry, n) => {
      const field = at + 2 + n * 12;
      w16(entry.tag, field);
      w16(entry.type, field + 2);
      w32(entry.count, field + 4);
      if (entry.value.length > 4) {
        entry.value.copy(out, valueAt);
        w32(valueAt, field + 8);
        valueAt += entry.value.length + (entry.value.length & 1);
      } else entry.value.copy(out, field + 8);
      if (entry.tag === TAG.exifIfd && table === ifd0) w32(offsets[index + 1] ?? 0, field + 8);
      if (entry.tag === TAG.interopIfd && table === exif) w32(offsets[index + 1] ?? 0, field + 8);
    });
    // Next-IFD offsets stay zero: no IFD1, so no thumbnail.
  });
  return out;
}
