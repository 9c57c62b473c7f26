// What follows a JPEG's primary image: the multi-picture (MPF) index and its secondary
// images, each cleaned in place, and the trailer.
import { minimalHdrXmp } from "./hdr-xmp.ts";
import { allZero, COPY_CHUNK, type Sink, type Source } from "./io.ts";
import {
  APP0,
  APP15,
  COM,
  decide,
  EOI,
  imageSegmentIsExact,
  isImageMarker,
  isStandalone,
  SOI,
  SOS,
  type State,
  startsWith,
} from "./jpeg-segments.ts";
import { Findings, LABELS } from "./labels.ts";
import { XMP_NAMESPACE } from "./xmp.ts";

/** Secondary images larger than this are dropped rather than read into memory. */
const MAX_SECONDARY = 64 << 20;

/** One image of a Multi-Picture index (CIPA DC-007). */
interface MpEntry {
  attribute: number;
  size: number;
  offset: number;
}

/** The MP index of a Multi-Picture file: where the secondary images (gain maps, previews) are. */
export interface MpIndex {
  littleEndian: boolean;
  /** Absolute position of the MP header (the TIFF byte-order mark) in the source. */
  headerIn: number;
  /** Absolute position of the MP header in the copy. */
  headerOut: number;
  /** How many entries the rebuilt segment has room for. */
  slots: number;
  /** Every entry; the first is the primary image. */
  entries: MpEntry[];
}

/** Reads the MP index IFD; undefined when it is not one dmshare can read. */
export function parseMpf(
  payload: Buffer,
): { littleEndian: boolean; entries: MpEntry[] } | undefined {
  const tiff = payload.subarray(4);
  const order = tiff.toString("latin1", 0, 2);
  if (tiff.length < 8 || (order !== "II" && order !== "MM")) return undefined;
  const littleEndian = order === "II";
  const u16 = (at: number) => (littleEndian ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  const entries: MpEntry[] = [];
  for (let n = 0; n < count && ifd + 2 + n * 12 + 12 <= tiff.length; n++) {
    const entry = ifd + 2 + n * 12;
    if (u16(entry) !== 0xb002) continue;
    const bytes = u32(entry + 4);
    const at = u32(entry + 8);
    if (at + bytes > tiff.length || bytes > 16 * 64) return undefined;
    for (let e = 0; e + 16 <= bytes; e += 16) {
      entries.push({ attribute: u32(at + e), size: u32(at + e + 4), offset: u32(at + e + 8) });
    }
  }
  if (entries.length === 0 || entries[0]?.offset !== 0) return undefined;
  return { littleEndian, entries };
}

/** Bytes of the rebuilt MPF payload before the entry table: "MPF\0", TIFF header, 3-entry IFD. */
const MPF_TABLE = 4 + 8 + 2 + 3 * 12 + 4;

/**
 * An MPF payload of our own: version, number of images and the entry table, nothing else
 * (no image UIDs, no attribute IFD). Room for `slots` entries; unused room is zeros.
 */
export function mpfPayload(littleEndian: boolean, entries: MpEntry[], slots: number): Buffer {
  const out = Buffer.alloc(MPF_TABLE + 16 * slots);
  const w16 = (value: number, at: number) =>
    littleEndian ? out.writeUInt16LE(value, at) : out.writeUInt16BE(value, at);
  const w32 = (value: number, at: number) =>
    littleEndian ? out.writeUInt32LE(value, at) : out.writeUInt32BE(value, at);
  out.write("MPF\0", 0, "latin1");
  const h = 4;
  out.write(littleEndian ? "II" : "MM", h, "latin1");
  w16(42, h + 2);
  w32(8, h + 4);
  w16(3, h + 8);
  const field = (n: number) => h + 10 + n * 12;
  w16(0xb000, field(0));
  w16(7, field(0) + 2);
  w32(4, field(0) + 4);
  out.write("0100", field(0) + 8, "latin1");
  w16(0xb001, field(1));
  w16(4, field(1) + 2);
  w32(1, field(1) + 4);
  w32(entries.length, field(1) + 8);
  w16(0xb002, field(2));
  w16(7, field(2) + 2);
  w32(16 * entries.length, field(2) + 4);
  w32(MPF_TABLE - h, field(2) + 8);
  entries.forEach((entry, n) => {
    const at = MPF_TABLE + n * 16;
    w32(entry.attribute, at);
    w32(entry.size, at + 4);
    w32(entry.offset, at + 8);
    // Dependent image entry numbers: zero, the entries are renumbered.
  });
  return out;
}

/** What bytes after the end of the image are, judged by how they start. */
async function describeTrailer(src: Source, start: number, findings: Findings): Promise<void> {
  const head = await src.readSome(start, 1 << 16);
  const text = head.toString("latin1");
  const video =
    /^[\s\S]{4}(ftyp|moov|mdat)/.test(text) ||
    text.includes("MotionPhoto_Data") ||
    (head.length >= 12 && text.slice(4, 8) === "ftyp");
  const tail = await src.readSome(Math.max(start, src.size - 4096), 4096);
  const samsung = tail.includes("SEFT", 0, "latin1") && /MotionPhoto/.test(tail.toString("latin1"));
  if (video || samsung || (head.includes("ftyp", 0, "latin1") && head.indexOf("ftyp") < 64)) {
    findings.add(LABELS.motionVideo);
    findings.note(
      "this is a motion photo: its short video (which can carry its own location) was dropped; the still photo is sent.",
    );
  } else findings.add(LABELS.appended);
}

/**
 * Bytes after the end-of-image marker. Zero padding says nothing and is kept (so a padded
 * file keeps its size); anything else, such as a motion photo's video, a maker's trailer or
 * an image the MPF index doesn't list, is dropped.
 */
export async function trailer(
  src: Source,
  sink: Sink,
  start: number,
  end: number,
  findings: Findings,
): Promise<void> {
  const keptFrom = sink.position;
  const scratch = Buffer.allocUnsafe(Math.min(COPY_CHUNK, Math.max(0, end - start)));
  for (let at = start; at < end; ) {
    src.signal?.throwIfAborted();
    const chunk = await src.readInto(scratch.subarray(0, Math.min(scratch.length, end - at)), at);
    if (!allZero(chunk)) {
      await sink.truncate(keptFrom);
      await describeTrailer(src, start, findings);
      return;
    }
    await sink.write(chunk);
    at += chunk.length;
  }
}

/**
 * Keeps the secondary images an MPF index points at that are JPEGs (HDR gain maps,
 * previews), each cleaned to the same closed world in place (same size, so a gain map's
 * length in the primary's container directory stays true), and rewrites the index to list
 * only them, at their new offsets. Entries that are not a JPEG (a raw TIFF block, a video)
 * or overlap are dropped with their bytes.
 */
export async function keepMultiPicture(
  src: Source,
  sink: Sink,
  mpf: MpIndex,
  eoiIn: number,
  findings: Findings,
): Promise<void> {
  const primaryLength = sink.position;
  const [primary, ...others] = mpf.entries;
  const kept: MpEntry[] = [{ attribute: primary?.attribute ?? 0, size: primaryLength, offset: 0 }];
  const images = others
    .map((entry) => ({ entry, start: mpf.headerIn + entry.offset }))
    .sort((a, b) => a.start - b.start);
  let cursor = eoiIn;
  for (const { entry, start } of images) {
    src.signal?.throwIfAborted();
    const end = start + entry.size;
    if (entry.offset === 0 || start < cursor || end > src.size || entry.size < 4) {
      findings.add(LABELS.other);
      continue;
    }
    if (entry.size > MAX_SECONDARY) {
      findings.add(LABELS.other);
      continue;
    }
    const image = await src.read(start, entry.size, "a secondary image");
    const state: State = { findings: new Findings(), sawExif: false, sawMpf: true, primary: false };
    const cleaned = cleanSecondary(image, state);
    findings.merge(state.findings);
    if (!cleaned) {
      if (/ftyp|moov|mdat/.test(image.toString("latin1", 0, 64))) {
        findings.add(LABELS.motionVideo);
        findings.note(
          "this is a motion photo: its short video (which can carry its own location) was dropped; the still photo is sent.",
        );
      } else findings.add(LABELS.other);
      continue;
    }
    kept.push({
      attribute: entry.attribute,
      size: entry.size,
      offset: sink.position - mpf.headerOut,
    });
    await sink.write(cleaned);
    cursor = end;
  }
  // The primary's size and the kept images' offsets, in a table of the same length.
  await sink.patch(mpf.headerOut - 4, mpfPayload(mpf.littleEndian, kept, mpf.slots));
  await trailer(src, sink, cursor, src.size, findings);
}

/**
 * A secondary JPEG held in memory, cleaned without changing its size: each segment the
 * primary would drop is overwritten by zeros (readers skip an APPn with no identifier), a
 * replaced one (minimal EXIF, hdrgm-only XMP) is padded to its old length, and anything after
 * its end-of-image marker is zeroed. Null when it is not a JPEG dmshare can walk.
 */
function cleanSecondary(image: Buffer, state: State): Buffer | null {
  if (image[0] !== 0xff || image[1] !== SOI) return null;
  const out = Buffer.from(image);
  let at = 2;
  for (;;) {
    if (at + 2 > out.length || out[at] !== 0xff) return null;
    while (at + 2 <= out.length && out[at + 1] === 0xff) at += 1;
    if (at + 2 > out.length) return null;
    const marker = out[at + 1] ?? 0;
    if (marker === EOI) {
      out.fill(0, at + 2);
      return out;
    }
    if (isStandalone(marker)) {
      at += 2;
      continue;
    }
    const isMetadata = (marker >= APP0 && marker <= APP15) || marker === COM;
    if ((!isMetadata && !isImageMarker(marker)) || at + 4 > out.length) return null;
    const length = out.readUInt16BE(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > out.length) return null;
    if (isMetadata) {
      const payload = out.subarray(at + 4, end);
      const decision = decide(marker, Buffer.from(payload), state);
      if (decision.keep !== true) {
        const replacement = decision.keep === "replace" ? decision.payload : undefined;
        payload.fill(0);
        if (replacement && replacement.length <= payload.length) {
          if (startsWith(replacement, `${XMP_NAMESPACE}\0`)) {
            // XMP padding is whitespace inside the packet, not after it.
            const name = XMP_NAMESPACE.length + 1;
            const packet = minimalHdrXmp(replacement.subarray(name), false, payload.length - name);
            if (packet) {
              replacement.copy(payload, 0, 0, name);
              packet.copy(payload, name);
            }
          } else replacement.copy(payload);
        }
      }
      at = end;
      continue;
    }
    if (!imageSegmentIsExact(marker, out.subarray(at + 4, end))) return null;
    at = end;
    if (marker === SOS) {
      // Entropy-coded data up to the next marker that is not stuffing or a restart.
      for (;;) {
        const ff = out.indexOf(0xff, at);
        if (ff === -1 || ff + 1 >= out.length) return null;
        let next = ff + 1;
        while (next < out.length && out[next] === 0xff) next++;
        const byte = out[next];
        if (byte === undefined) return null;
        if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7)) {
          at = next + 1;
          continue;
        }
        at = next - 1;
        break;
      }
    }
  }
}
