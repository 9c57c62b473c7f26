/**
 * WebP (RIFF): a closed world. The image chunks (VP8, VP8L, ALPH), animation (ANIM, ANMF with
 * only image chunks inside) and the ICC profile are copied byte for byte, EXIF is kept only as
 * a minimal block (orientation), VP8X's flags are set to what is left and the RIFF size fixed.
 * Every other chunk is dropped: XMP under any name ("XMP ", "XMP\0", "_PMX"), unknown ones.
 */
import { analyseExif, minimalExif } from "./exif.ts";
import { fourcc, type Sink, type Source } from "./io.ts";
import { exifInJpeg } from "./jpeg-segments.ts";
import { type Findings, LABELS } from "./labels.ts";
import { xmpFindings } from "./xmp.ts";

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const MAX_METADATA_READ = 16 << 20;
const IMAGE_CHUNKS = new Set(["VP8 ", "VP8L", "ALPH", "ANIM", "ICCP"]);
const FRAME_CHUNKS = new Set(["VP8 ", "VP8L", "ALPH"]);

type Piece = { copy: [number, number] } | { bytes: Buffer };

/**
 * An EXIF chunk: copied as it is when clean (and the first), else replaced by a minimal one
 * (or dropped when there is nothing to keep or one is already out).
 */
async function exifChunk(
  src: Source,
  at: number,
  size: number,
  chunkEnd: number,
  findings: Findings,
  exifOut: boolean,
): Promise<{ piece?: Piece; changed: boolean }> {
  const data = size <= MAX_METADATA_READ ? await src.read(at + 8, size) : Buffer.alloc(0);
  // Some writers put "Exif\0\0" before the TIFF header, as in JPEG.
  const tiff = data.toString("latin1", 0, 6) === "Exif\0\0" ? data.subarray(6) : data;
  const analysis = analyseExif(tiff, exifInJpeg);
  if (analysis.readable && analysis.clean && !exifOut && tiff === data) {
    return { piece: { copy: [at, chunkEnd] }, changed: false };
  }
  findings.merge(analysis.findings);
  const minimal = analysis.readable && !exifOut ? minimalExif(analysis) : null;
  return { piece: minimal ? { bytes: riffChunk("EXIF", minimal) } : undefined, changed: true };
}

/** A chunk no decoder needs, dropped: what it held is noted (XMP by its properties). */
async function droppedChunk(
  src: Source,
  at: number,
  size: number,
  type: string,
  findings: Findings,
): Promise<void> {
  const data = size <= MAX_METADATA_READ ? await src.read(at + 8, size) : Buffer.alloc(0);
  if (
    /^XMP|PMX|<x:xmpmeta|xpacket/.test(type) ||
    /<x:xmpmeta|<rdf:RDF/.test(data.toString("latin1"))
  ) {
    findings.merge(xmpFindings(data));
  } else findings.add(LABELS.other);
}

export async function stripWebp(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const header = await src.read(0, 12, "the RIFF header");
  if (fourcc(header, 0) !== "RIFF" || fourcc(header, 8) !== "WEBP") {
    throw src.malformed("it does not start with a RIFF WEBP header");
  }
  const riffEnd = 8 + header.readUInt32LE(4);
  if (riffEnd > src.size) throw src.malformed("its RIFF size is larger than the file");
  if (riffEnd < 20) throw src.malformed("it holds no image chunk");

  const pieces: Piece[] = [];
  let vp8x: { index: number; payload: Buffer } | undefined;
  let changed = false;
  let exifOut = false;
  let at = 12;
  while (at < riffEnd) {
    src.signal?.throwIfAborted();
    const chunkHeader = await src.read(at, 8, "a chunk header");
    const type = fourcc(chunkHeader, 0);
    const size = chunkHeader.readUInt32LE(4);
    const end = at + 8 + size + (size & 1);
    if (at + 8 + size > riffEnd) {
      throw src.malformed(
        `the ${JSON.stringify(type)} chunk at byte ${at} runs past the end of the file`,
      );
    }
    if (type === "EXIF") {
      const exif = await exifChunk(src, at, size, Math.min(end, riffEnd), findings, exifOut);
      if (exif.changed) changed = true;
      if (exif.piece) {
        pieces.push(exif.piece);
        exifOut = true;
      }
    } else if (type === "VP8X" && vp8x === undefined && size >= 10 && size <= 64) {
      vp8x = { index: pieces.length, payload: await src.read(at + 8, size) };
      pieces.push({ bytes: Buffer.alloc(0) }); // filled in below, once the flags are known
    } else if (type === "ANMF" && size >= 16) {
      const frame = await animationFrame(src, at, at + 8 + size, findings);
      const [first] = frame;
      if (frame.length === 1 && first && "copy" in first)
        pieces.push({ copy: [at, Math.min(end, riffEnd)] });
      else {
        changed = true;
        pieces.push(...frame);
      }
    } else if (IMAGE_CHUNKS.has(type)) {
      pieces.push({ copy: [at, Math.min(end, riffEnd)] });
    } else {
      changed = true;
      await droppedChunk(src, at, size, type, findings);
    }
    at = end;
  }
  if (riffEnd < src.size) findings.add(LABELS.appended);
  if (!changed && riffEnd === src.size) {
    await sink.copy(src, 0, src.size);
    return;
  }

  if (vp8x) {
    const payload = Buffer.from(vp8x.payload);
    const flags = payload[0] ?? 0;
    payload[0] = (flags & ~(VP8X_EXIF | VP8X_XMP)) | (exifOut ? VP8X_EXIF : 0);
    pieces[vp8x.index] = { bytes: riffChunk("VP8X", payload) };
  }
  const body = pieces.reduce(
    (sum, piece) => sum + ("copy" in piece ? piece.copy[1] - piece.copy[0] : piece.bytes.length),
    0,
  );
  const riff = Buffer.from(header);
  riff.writeUInt32LE(4 + body, 4);
  await sink.write(riff);
  for (const piece of pieces) {
    if ("copy" in piece) await sink.copy(src, piece.copy[0], piece.copy[1]);
    else await sink.write(piece.bytes);
  }
}

/**
 * An ANMF chunk: its 16-byte frame header and sub-chunks. One piece (the chunk as it is) when
 * it holds only image chunks, else the pieces of a copy without the others.
 */
async function animationFrame(
  src: Source,
  start: number,
  end: number,
  findings: Findings,
): Promise<Piece[]> {
  const pieces: Piece[] = [];
  let clean = true;
  let at = start + 8 + 16;
  while (at + 8 <= end) {
    const header = await src.read(at, 8, "an animation frame's chunk");
    const type = fourcc(header, 0);
    const size = header.readUInt32LE(4);
    const next = at + 8 + size + (size & 1);
    if (at + 8 + size > end)
      throw src.malformed(`an animation frame at byte ${start} is cut short`);
    if (FRAME_CHUNKS.has(type)) pieces.push({ copy: [at, Math.min(next, end)] });
    else {
      clean = false;
      findings.add(LABELS.other);
    }
    at = next;
  }
  if (clean) return [{ copy: [start, end] }];
  const frameHeader = await src.read(start, 8 + 16);
  const body = pieces.reduce(
    (sum, piece) => sum + ("copy" in piece ? piece.copy[1] - piece.copy[0] : piece.bytes.length),
    16,
  );
  frameHeader.writeUInt32LE(body, 4);
  return [{ bytes: frameHeader }, ...pieces];
}

function riffChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length & 1));
  out.write(type, 0, "latin1");
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}
