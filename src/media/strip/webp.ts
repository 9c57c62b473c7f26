/**
 * WebP (RIFF): drop the EXIF and XMP chunks (keeping a minimal EXIF when orientation needs
 * it), correct the VP8X flags and the RIFF size; image chunks are copied byte for byte.
 */
import { analyseExif, minimalExif } from "./exif.ts";
import { fourcc, type Sink, type Source } from "./io.ts";
import { exifInJpeg } from "./jpeg.ts";
import { type Findings, LABELS } from "./labels.ts";
import { xmpFindings } from "./xmp.ts";

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const MAX_METADATA_READ = 16 << 20;

type Piece = { copy: [number, number] } | { bytes: Buffer };

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
    if (type === "EXIF" || type === "XMP ") {
      const data = size <= MAX_METADATA_READ ? await src.read(at + 8, size) : Buffer.alloc(0);
      if (type === "XMP ") {
        findings.merge(xmpFindings(data));
        changed = true;
      } else {
        // Some writers put "Exif\0\0" before the TIFF header, as in JPEG.
        const tiff = data.toString("latin1", 0, 6) === "Exif\0\0" ? data.subarray(6) : data;
        const analysis = analyseExif(tiff, exifInJpeg);
        if (analysis.readable && analysis.clean && !exifOut) {
          pieces.push({ copy: [at, Math.min(end, riffEnd)] });
          exifOut = true;
        } else {
          changed = true;
          findings.merge(analysis.findings);
          const minimal = analysis.readable && !exifOut ? minimalExif(analysis) : null;
          if (minimal) {
            pieces.push({ bytes: riffChunk("EXIF", minimal) });
            exifOut = true;
          }
        }
      }
    } else if (type === "VP8X" && vp8x === undefined && size >= 10) {
      vp8x = { index: pieces.length, payload: await src.read(at + 8, size) };
      pieces.push({ bytes: Buffer.alloc(0) }); // filled in below, once the flags are known
    } else {
      pieces.push({ copy: [at, Math.min(end, riffEnd)] });
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

function riffChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(8 + data.length + (data.length & 1));
  out.write(type, 0, "latin1");
  out.writeUInt32LE(data.length, 4);
  data.copy(out, 8);
  return out;
}
