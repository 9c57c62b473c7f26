/**
 * JPEG: a closed world. Walk the marker segments and keep only what displays the photo: the
 * frame, Huffman, quantisation and restart tables, the scans, a JFIF APP0 (without its
 * thumbnail), the ICC profile (APP2), Adobe's colour-transform APP14, a minimal EXIF with
 * orientation, the ISO 21496-1 gain-map APP2, and an MPF index rebuilt to list only the
 * secondary images (gain maps, previews) that are themselves JPEGs, each cleaned the same
 * way. Every other APPn, COM, non-JFIF APP0 (a Canon CIFF block), XMP (except the rebuilt
 * hdrgm values an HDR gain map needs), non-image MPF entries and anything after the end of
 * the image is dropped; a marker that is not part of a JPEG image is refused. The
 * entropy-coded scan data is copied byte for byte, a chunk at a time.
 */
import { analyseExif, minimalExif } from "./exif.ts";
import { isHdrGainMapXmp, minimalHdrXmp } from "./hdr-xmp.ts";
import { allZero, COPY_CHUNK, type Sink, type Source } from "./io.ts";
import { Findings, LABELS } from "./labels.ts";
import { iptcFindings, XMP_EXTENSION_NAMESPACE, XMP_NAMESPACE, xmpFindings } from "./xmp.ts";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP15 = 0xef;

/** Secondary images larger than this are dropped rather than read into memory. */
const MAX_SECONDARY = 64 << 20;

const startsWith = (payload: Buffer, text: string) =>
  payload.length >= text.length && payload.toString("latin1", 0, text.length) === text;

const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/**
 * Marker segments that are part of the image: SOF0–15 (not JPG 0xC8), DHT, DAC, DQT, DNL,
 * DRI and SOS. Anything else that is not APPn/COM is not something dmshare understands.
 */
const isImageMarker = (marker: number) =>
  (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc8) ||
  marker === 0xdb ||
  marker === 0xdc ||
  marker === 0xdd ||
  marker === SOS;

/**
 * True when an image segment's payload is exactly what its marker says it holds, so no byte
 * of it can be something else riding along: DQT and DHT tables, frame and scan headers, DRI.
 */
export function imageSegmentIsExact(marker: number, payload: Buffer): boolean {
  if (marker === 0xdb) {
    let at = 0;
    while (at < payload.length) {
      const precision = (payload[at] ?? 0) >> 4;
      if (precision > 1) return false;
      at += 1 + 64 * (precision + 1);
    }
    return at === payload.length;
  }
  if (marker === 0xc4) {
    let at = 0;
    while (at < payload.length) {
      if (at + 17 > payload.length) return false;
      let codes = 0;
      for (let i = 1; i <= 16; i++) codes += payload[at + i] ?? 0;
      at += 17 + codes;
    }
    return at === payload.length;
  }
  if (marker === 0xcc) return payload.length % 2 === 0;
  if (marker === SOS) return payload.length === 1 + 2 * (payload[0] ?? 0) + 3;
  if (marker === 0xdd || marker === 0xdc) return payload.length === 2;
  // SOF0–15: precision, height, width, component count, then three bytes per component.
  return payload.length >= 6 && payload.length === 6 + 3 * (payload[5] ?? 0);
}

const markerName = (marker: number) => `0xFF${marker.toString(16).toUpperCase().padStart(2, "0")}`;

/** Finds the first EXIF block (TIFF bytes) in an in-memory JPEG, such as a thumbnail. */
export function exifInJpeg(jpeg: Buffer): Buffer | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === SOS || marker === EOI) break;
    const length = jpeg.readUInt16BE(at + 2);
    const payload = jpeg.subarray(at + 4, Math.min(jpeg.length, at + 2 + length));
    if (marker === 0xe1 && startsWith(payload, "Exif\0")) return payload.subarray(6);
    at += 2 + length;
  }
  return undefined;
}

type Decision =
  | { keep: true }
  | { keep: false }
  | { keep: "replace"; payload: Buffer }
  | { keep: "mpf"; payload: Buffer };

interface State {
  findings: Findings;
  sawExif: boolean;
  sawMpf: boolean;
  /** The primary image (its XMP keeps the gain-map container directory) or a secondary one. */
  primary: boolean;
}

const JFIF_HEADER = 14;

/** Decides what happens to one APPn or COM segment, recording what it held. */
function decide(marker: number, payload: Buffer, state: State): Decision {
  const { findings } = state;
  if (marker === COM) {
    findings.add(LABELS.comments);
    return { keep: false };
  }
  const app = marker - APP0;
  if (app === 0) {
    if (startsWith(payload, "JFIF\0") && payload.length >= JFIF_HEADER - 2) {
      if (payload.length === JFIF_HEADER && payload[12] === 0 && payload[13] === 0) {
        return { keep: true };
      }
      // A JFIF thumbnail (or bytes past the header): the header alone, thumbnail size 0×0.
      findings.add(LABELS.thumbnail);
      return {
        keep: "replace",
        payload: Buffer.concat([payload.subarray(0, 12), Buffer.alloc(2)]),
      };
    }
    if (startsWith(payload, "JFXX\0")) findings.add(LABELS.thumbnail);
    else findings.add(LABELS.other); // e.g. a Canon CIFF block: owner, file name, firmware
    return { keep: false };
  }
  if (app === 1 && startsWith(payload, "Exif\0")) {
    const analysis = analyseExif(payload.subarray(6), exifInJpeg);
    if (state.sawExif) {
      // Only the first EXIF block counts for display; any other is just more to leak.
      findings.merge(analysis.findings);
      findings.add(LABELS.exif);
      return { keep: false };
    }
    state.sawExif = true;
    if (analysis.readable && analysis.clean && payload[5] === 0) return { keep: true };
    findings.merge(analysis.findings);
    const tiff = analysis.readable ? minimalExif(analysis) : null;
    if (!tiff) return { keep: false };
    return { keep: "replace", payload: Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]) };
  }
  if (app === 1 && startsWith(payload, `${XMP_NAMESPACE}\0`)) {
    const packet = payload.subarray(XMP_NAMESPACE.length + 1);
    const hdr = isHdrGainMapXmp(packet) ? minimalHdrXmp(packet, state.primary) : null;
    if (hdr?.equals(packet)) return { keep: true };
    findings.merge(xmpFindings(packet));
    if (!hdr) return { keep: false };
    return {
      keep: "replace",
      payload: Buffer.concat([Buffer.from(`${XMP_NAMESPACE}\0`, "latin1"), hdr]),
    };
  }
  if (app === 1 && startsWith(payload, XMP_EXTENSION_NAMESPACE)) {
    findings.merge(xmpFindings(payload));
    return { keep: false };
  }
  if (app === 2 && startsWith(payload, "ICC_PROFILE\0")) return { keep: true };
  if (app === 2 && startsWith(payload, "MPF\0") && state.primary && !state.sawMpf) {
    state.sawMpf = true;
    return { keep: "mpf", payload };
  }
  // ISO 21496-1 gain-map metadata (HDR display): numbers, nothing about the person.
  if (app === 2 && startsWith(payload, "urn:iso:std:iso:ts:21496:-1\0")) return { keep: true };
  if (app === 13) {
    findings.merge(iptcFindings(payload));
    return { keep: false };
  }
  if (app === 14 && startsWith(payload, "Adobe") && payload.length >= 12) {
    // Adobe's colour transform: version, two flag words and the transform byte; no more.
    if (payload.length === 12) return { keep: true };
    findings.add(LABELS.other);
    return { keep: "replace", payload: Buffer.from(payload.subarray(0, 12)) };
  }
  if (app === 2 && startsWith(payload, "MPF\0")) findings.add(LABELS.exif);
  else findings.add(LABELS.other);
  return { keep: false };
}

/** One image of a Multi-Picture index (CIPA DC-007). */
interface MpEntry {
  attribute: number;
  size: number;
  offset: number;
}

/** The MP index of a Multi-Picture file: where the secondary images (gain maps, previews) are. */
interface MpIndex {
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
function parseMpf(payload: Buffer): { littleEndian: boolean; entries: MpEntry[] } | undefined {
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
function mpfPayload(littleEndian: boolean, entries: MpEntry[], slots: number): Buffer {
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

/** Copies one JPEG from `src` to `sink`, keeping only what displays it. */
export async function stripJpeg(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const head = await src.read(0, 2, "the start-of-image marker");
  if (head[0] !== 0xff || head[1] !== SOI)
    throw src.malformed("it does not start with a JPEG marker");
  await sink.write(head);
  const state: State = { findings, sawExif: false, sawMpf: false, primary: true };
  let mpf: MpIndex | undefined;

  /** Handles the segment whose marker starts at `at`; returns where the next one starts. */
  const segment = async (at: number): Promise<{ next: number; marker: number }> => {
    let markerAt = at;
    const probe = await src.read(markerAt, 2, "a marker");
    if (probe[0] !== 0xff) throw src.malformed(`expected a marker at byte ${at}`);
    let marker = probe[1] ?? 0;
    // Fill bytes: any number of 0xFF may come before a marker.
    while (marker === 0xff) {
      markerAt += 1;
      marker = (await src.read(markerAt + 1, 1, "a marker"))[0] ?? 0;
    }
    if (marker === EOI) {
      await sink.write(Buffer.from([0xff, EOI]));
      return { next: markerAt + 2, marker };
    }
    if (isStandalone(marker)) {
      await sink.write(Buffer.from([0xff, marker]));
      return { next: markerAt + 2, marker };
    }
    const isMetadata = (marker >= APP0 && marker <= APP15) || marker === COM;
    if (!isMetadata && !isImageMarker(marker)) {
      throw src.malformed(
        `it has a ${markerName(marker)} marker at byte ${markerAt}, which is not part of a JPEG photo dmshare can check`,
      );
    }
    const length = (await src.read(markerAt + 2, 2, "a segment length")).readUInt16BE(0);
    if (length < 2) throw src.malformed(`a segment at byte ${markerAt} has an impossible length`);
    const end = markerAt + 2 + length;
    if (end > src.size)
      throw src.malformed(`a segment at byte ${markerAt} runs past the end of the file`);
    if (isMetadata) {
      const payload = await src.read(markerAt + 4, length - 2, "a metadata segment");
      const decision = decide(marker, payload, state);
      if (decision.keep === true) await writeSegment(sink, marker, payload);
      else if (decision.keep === "replace") await writeSegment(sink, marker, decision.payload);
      else if (decision.keep === "mpf") {
        const parsed = parseMpf(decision.payload);
        if (parsed) {
          const slots = parsed.entries.length;
          mpf = { ...parsed, headerIn: markerAt + 8, headerOut: sink.position + 8, slots };
          await writeSegment(sink, marker, mpfPayload(parsed.littleEndian, parsed.entries, slots));
        } else findings.add(LABELS.exif);
      }
    } else {
      const payload = await src.read(markerAt + 4, length - 2, "an image segment");
      if (!imageSegmentIsExact(marker, payload)) {
        throw src.malformed(
          `its ${markerName(marker)} segment at byte ${markerAt} is not the size its contents say`,
        );
      }
      await writeSegment(sink, marker, payload);
    }
    return { next: end, marker };
  };

  // Header segments, then scans (with any tables between them) until the end-of-image marker.
  let at = 2;
  let done = false;
  while (!done) {
    src.signal?.throwIfAborted();
    if (at >= src.size) throw src.malformed("it ends before the image data");
    const { next, marker } = await segment(at);
    at = next;
    if (marker === EOI) done = true;
    else if (marker === SOS) {
      const scan = await copyScan(src, sink, at);
      at = scan.markerAt;
      if (scan.truncated) return; // No end-of-image marker: the scan ran to the end of the file.
    }
  }

  const eoiIn = at;
  if (mpf) await keepMultiPicture(src, sink, mpf, eoiIn, findings);
  else await trailer(src, sink, eoiIn, src.size, findings);
}

async function writeSegment(sink: Sink, marker: number, payload: Buffer): Promise<void> {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  await sink.write(Buffer.concat([header, payload]));
}

/**
 * Copies entropy-coded data from `start` up to the next real marker (0xFF not followed by
 * 0x00, a restart marker or fill), reading one chunk at a time.
 */
async function copyScan(
  src: Source,
  sink: Sink,
  start: number,
): Promise<{ markerAt: number; truncated: boolean }> {
  let position = start;
  const scratch = Buffer.allocUnsafe(COPY_CHUNK);
  for (;;) {
    src.signal?.throwIfAborted();
    const chunk = await src.readInto(scratch, position);
    if (chunk.length === 0) return { markerAt: position, truncated: true };
    let search = 0;
    let safe = chunk.length; // bytes that can be written without knowing what follows
    let found = -1;
    for (;;) {
      const ff = chunk.indexOf(0xff, search);
      if (ff === -1) break;
      let next = ff + 1;
      while (next < chunk.length && chunk[next] === 0xff) next++;
      if (next >= chunk.length) {
        safe = ff;
        break;
      }
      const byte = chunk[next] ?? 0;
      if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7)) {
        search = next + 1;
        continue;
      }
      found = ff;
      break;
    }
    if (found !== -1) {
      await sink.write(chunk.subarray(0, found));
      return { markerAt: position + found, truncated: false };
    }
    if (safe === 0 && chunk.length === src.size - position) {
      // Only 0xFF fill remains: a file that ends without its end-of-image marker.
      await sink.write(chunk);
      return { markerAt: src.size, truncated: true };
    }
    if (safe === 0) throw src.malformed(`a run of 0xFF bytes at byte ${position} never ends`);
    await sink.write(chunk.subarray(0, safe));
    position += safe;
  }
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
async function trailer(
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
async function keepMultiPicture(
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
