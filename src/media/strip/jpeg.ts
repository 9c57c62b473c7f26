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
import { COPY_CHUNK, type Sink, type Source } from "./io.ts";
import { keepMultiPicture, type MpIndex, mpfPayload, parseMpf, trailer } from "./jpeg-mpf.ts";
import {
  APP0,
  APP15,
  COM,
  decide,
  EOI,
  imageSegmentIsExact,
  isImageMarker,
  isStandalone,
  markerName,
  SOI,
  SOS,
  type State,
} from "./jpeg-segments.ts";
import { type Findings, LABELS } from "./labels.ts";

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
      const index = await metadataSegment(src, sink, { marker, markerAt, length }, state);
      if (index) mpf = index;
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

/**
 * Writes what is kept of an APPn or COM segment (as it is, replaced, or an MPF index rebuilt);
 * returns the MPF index when the segment was one dmshare can read.
 */
async function metadataSegment(
  src: Source,
  sink: Sink,
  segment: { marker: number; markerAt: number; length: number },
  state: State,
): Promise<MpIndex | undefined> {
  const { marker, markerAt, length } = segment;
  const payload = await src.read(markerAt + 4, length - 2, "a metadata segment");
  const decision = decide(marker, payload, state);
  if (decision.keep === true) await writeSegment(sink, marker, payload);
  else if (decision.keep === "replace") await writeSegment(sink, marker, decision.payload);
  else if (decision.keep === "mpf") {
    const parsed = parseMpf(decision.payload);
    if (parsed) {
      const slots = parsed.entries.length;
      const mpf = { ...parsed, headerIn: markerAt + 8, headerOut: sink.position + 8, slots };
      await writeSegment(sink, marker, mpfPayload(parsed.littleEndian, parsed.entries, slots));
      return mpf;
    }
    state.findings.add(LABELS.exif);
  }
  return undefined;
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
