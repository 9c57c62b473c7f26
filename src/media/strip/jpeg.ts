/**
 * JPEG: walk the marker segments, keep what displays the photo (JFIF, ICC, Adobe, a minimal
 * EXIF with orientation, the MPF index of HDR gain maps and previews) and drop the rest.
 * The entropy-coded scan data is copied byte for byte, a chunk at a time.
 */
import { analyseExif, minimalExif } from "./exif.ts";
import { allZero, COPY_CHUNK, type Sink, type Source } from "./io.ts";
import { Findings, LABELS } from "./labels.ts";
import {
  blankXmp,
  iptcFindings,
  XMP_EXTENSION_NAMESPACE,
  XMP_NAMESPACE,
  xmpFindings,
} from "./xmp.ts";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const COM = 0xfe;
const APP0 = 0xe0;
const APP15 = 0xef;

const startsWith = (payload: Buffer, text: string) =>
  payload.length >= text.length && payload.toString("latin1", 0, text.length) === text;

const isStandalone = (marker: number) => marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7);

/** Finds the first EXIF block (TIFF bytes) in an in-memory JPEG, such as a thumbnail. */
export function exifInJpeg(jpeg: Buffer): Buffer | undefined {
  if (jpeg[0] !== 0xff || jpeg[1] !== SOI) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
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
}

/** Decides what happens to one APPn or COM segment, recording what it held. */
function decide(marker: number, payload: Buffer, state: State): Decision {
  const { findings } = state;
  if (marker === COM) {
    findings.add(LABELS.comments);
    return { keep: false };
  }
  const app = marker - APP0;
  if (app === 0) {
    if (startsWith(payload, "JFXX\0")) {
      findings.add(LABELS.thumbnail);
      return { keep: false };
    }
    return { keep: true };
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
    if (analysis.readable && analysis.clean) return { keep: true };
    findings.merge(analysis.findings);
    const tiff = analysis.readable ? minimalExif(analysis) : null;
    if (!tiff) return { keep: false };
    return { keep: "replace", payload: Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiff]) };
  }
  if (
    app === 1 &&
    (startsWith(payload, XMP_NAMESPACE) || startsWith(payload, XMP_EXTENSION_NAMESPACE))
  ) {
    findings.merge(xmpFindings(payload));
    return { keep: false };
  }
  if (app === 2 && startsWith(payload, "ICC_PROFILE\0")) return { keep: true };
  if (app === 2 && startsWith(payload, "MPF\0")) return { keep: "mpf", payload };
  // ISO 21496-1 gain-map metadata (HDR display): technical, nothing about the person.
  if (app === 2 && startsWith(payload, "urn:iso:std:iso:ts:21496:-1\0")) return { keep: true };
  if (app === 13) {
    findings.merge(iptcFindings(payload));
    return { keep: false };
  }
  if (app === 14 && startsWith(payload, "Adobe")) return { keep: true };
  findings.add(LABELS.other);
  return { keep: false };
}

/** The MP index of a Multi-Picture file: where the secondary images (gain maps, previews) are. */
interface MpIndex {
  littleEndian: boolean;
  /** Absolute position of the MP header (the TIFF byte-order mark) in the source. */
  headerIn: number;
  /** Absolute position of the MP header in the copy. */
  headerOut: number;
  /** For each secondary image: its offset/size and where its offset field sits in the copy. */
  entries: { offset: number; size: number; fieldOut: number }[];
}

function parseMpf(payload: Buffer, segmentIn: number, segmentOut: number): MpIndex | undefined {
  const tiff = payload.subarray(4);
  const order = tiff.toString("latin1", 0, 2);
  if (tiff.length < 8 || (order !== "II" && order !== "MM")) return undefined;
  const littleEndian = order === "II";
  const u16 = (at: number) => (littleEndian ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (littleEndian ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  const ifd = u32(4);
  if (ifd + 2 > tiff.length) return undefined;
  const count = u16(ifd);
  // The MP header sits after the marker (2), length (2) and "MPF\0" (4).
  const index: MpIndex = {
    littleEndian,
    headerIn: segmentIn + 8,
    headerOut: segmentOut + 8,
    entries: [],
  };
  for (let n = 0; n < count && ifd + 2 + n * 12 + 12 <= tiff.length; n++) {
    const entry = ifd + 2 + n * 12;
    if (u16(entry) !== 0xb002) continue;
    const bytes = u32(entry + 4);
    const at = u32(entry + 8);
    if (at + bytes > tiff.length) return undefined;
    for (let e = 0; e + 16 <= bytes; e += 16) {
      const offset = u32(at + e + 8);
      // The first entry is the primary image itself (offset 0).
      if (offset !== 0) {
        index.entries.push({
          offset,
          size: u32(at + e + 4),
          fieldOut: index.headerOut + at + e + 8,
        });
      }
    }
  }
  return index;
}

/** Copies one JPEG from `src` to `sink`, dropping identifying segments. */
export async function stripJpeg(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const head = await src.read(0, 2, "the start-of-image marker");
  if (head[0] !== 0xff || head[1] !== SOI)
    throw src.malformed("it does not start with a JPEG marker");
  await sink.write(head);
  const state: State = { findings, sawExif: false };
  let mpf: MpIndex | undefined;

  /** Handles the segment whose marker starts at `at`; returns where the next one starts. */
  const segment = async (at: number): Promise<{ next: number; marker: number }> => {
    let markerAt = at;
    const probe = await src.read(markerAt, 2, "a marker");
    if (probe[0] !== 0xff) throw src.malformed(`expected a marker at byte ${at}`);
    let marker = probe[1] ?? 0;
    while (marker === 0xff) {
      markerAt += 1;
      marker = (await src.read(markerAt + 1, 1, "a marker"))[0] ?? 0;
    }
    if (marker === EOI) {
      await sink.write(Buffer.from([0xff, EOI]));
      return { next: markerAt + 2, marker };
    }
    if (isStandalone(marker) || marker === 0x00 || marker === SOI) {
      if (marker === 0x00 || marker === SOI) {
        throw src.malformed(
          `unexpected marker 0xFF${marker.toString(16).padStart(2, "0")} at byte ${markerAt}`,
        );
      }
      await sink.write(Buffer.from([0xff, marker]));
      return { next: markerAt + 2, marker };
    }
    const length = (await src.read(markerAt + 2, 2, "a segment length")).readUInt16BE(0);
    if (length < 2) throw src.malformed(`a segment at byte ${markerAt} has an impossible length`);
    const end = markerAt + 2 + length;
    if (end > src.size)
      throw src.malformed(`a segment at byte ${markerAt} runs past the end of the file`);
    if ((marker >= APP0 && marker <= APP15) || marker === COM) {
      const payload = await src.read(markerAt + 4, length - 2, "a metadata segment");
      const decision = decide(marker, payload, state);
      if (decision.keep === true) await sink.copy(src, markerAt, end);
      else if (decision.keep === "replace") await writeSegment(sink, marker, decision.payload);
      else if (decision.keep === "mpf") {
        mpf ??= parseMpf(decision.payload, markerAt, sink.position);
        await sink.copy(src, markerAt, end);
      }
    } else {
      await sink.copy(src, markerAt, end);
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
  const eoiOut = sink.position;
  if (mpf && mpf.entries.length > 0) {
    await keepMultiPicture(src, sink, mpf, eoiIn, eoiOut, findings);
  } else {
    await trailer(src, sink, eoiIn, src.size, findings);
  }
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

/**
 * Bytes after the end-of-image marker. Zero padding says nothing and is kept (so a padded
 * file keeps its size); anything else, such as a motion-photo clip whose XMP index is gone
 * or a maker's trailer, is dropped.
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
      await sink.handle.truncate(keptFrom);
      sink.position = keptFrom;
      findings.add(LABELS.appended);
      return;
    }
    await sink.write(chunk);
    at += chunk.length;
  }
}

/**
 * Keeps the secondary images an MPF index points at (HDR gain maps, previews), with their
 * own metadata blanked in place, and corrects the index for the bytes the primary lost.
 */
async function keepMultiPicture(
  src: Source,
  sink: Sink,
  mpf: MpIndex,
  eoiIn: number,
  eoiOut: number,
  findings: Findings,
): Promise<void> {
  const images = mpf.entries
    .map((entry) => ({ ...entry, start: mpf.headerIn + entry.offset }))
    .filter((entry) => entry.start >= eoiIn && entry.start + entry.size <= src.size)
    .sort((a, b) => a.start - b.start);
  const last = images.reduce((end, image) => Math.max(end, image.start + image.size), eoiIn);
  await sink.copy(src, eoiIn, last);
  const shift = eoiOut - eoiIn;
  for (const image of images) {
    const field = Buffer.alloc(4);
    const offset = image.start + shift - mpf.headerOut;
    if (mpf.littleEndian) field.writeUInt32LE(offset, 0);
    else field.writeUInt32BE(offset, 0);
    await sink.patch(image.fieldOut, field);
    await blankInPlace(src, sink, image.start, image.start + image.size, shift, findings);
  }
  await trailer(src, sink, last, src.size, findings);
}

/** Overwrites a secondary JPEG's metadata segments in the copy without changing any size. */
async function blankInPlace(
  src: Source,
  sink: Sink,
  start: number,
  end: number,
  shift: number,
  findings: Findings,
): Promise<void> {
  const head = await src.readSome(start, 2);
  if (head[0] !== 0xff || head[1] !== SOI) return;
  let at = start + 2;
  while (at + 4 <= end) {
    const header = await src.read(at, 4, "a segment of a secondary image");
    const marker = header[1] ?? 0;
    if (header[0] !== 0xff || marker === SOS || marker === EOI) return;
    const length = header.readUInt16BE(2);
    if (length < 2 || at + 2 + length > end) return;
    if ((marker >= APP0 && marker <= APP15) || marker === COM) {
      const payload = await src.read(at + 4, length - 2);
      const state: State = { findings: new Findings(), sawExif: false };
      const decision = decide(marker, payload, state);
      // A gain map's XMP describes the HDR rendering; it is blanked only if it holds a place.
      const technicalXmp =
        marker === 0xe1 && startsWith(payload, XMP_NAMESPACE) && !state.findings.hadLocation;
      if (decision.keep !== true && decision.keep !== "mpf" && !technicalXmp) {
        findings.merge(state.findings);
        await sink.patch(at + 4 + shift, blankPayload(marker, payload, decision));
      }
    }
    at += 2 + length;
  }
}

function blankPayload(marker: number, payload: Buffer, decision: Decision): Buffer {
  if (decision.keep === "replace" && decision.payload.length <= payload.length) {
    return Buffer.concat([
      decision.payload,
      Buffer.alloc(payload.length - decision.payload.length),
    ]);
  }
  if (marker === 0xe1 && startsWith(payload, XMP_NAMESPACE)) {
    const name = XMP_NAMESPACE.length + 1;
    return Buffer.concat([payload.subarray(0, name), blankXmp(payload.length - name)]);
  }
  // An unrecognisable identifier and zeros: readers skip the segment.
  return Buffer.alloc(payload.length);
}
