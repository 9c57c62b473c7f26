/**
 * PNG: a closed world. The critical chunks (IHDR, PLTE, IDAT, IEND) and a short list of
 * rendering chunks (colour, gamma, transparency, background, physical size, animation, HDR
 * signalling) are copied byte for byte; an eXIf is kept only as a minimal block (orientation).
 * Every other ancillary chunk is dropped: text chunks (XMP, ImageMagick's "Raw profile"
 * EXIF/IPTC, authors, comments) and EXIF or XMP under any other name (exIf, EXIF, zxIf, tXMP,
 * caBX…). An unknown critical chunk can't be dropped without breaking the file: refused.
 */
import { crc32, inflateSync } from "node:zlib";
import { analyseExif, minimalExif } from "./exif.ts";
import { allZero, fourcc, type Sink, type Source } from "./io.ts";
import { exifInJpeg } from "./jpeg-segments.ts";
import { Findings, LABELS } from "./labels.ts";
import { iptcFindings, xmpFindings, xmpHasLocation } from "./xmp.ts";

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const TEXT_CHUNKS = new Set(["tEXt", "zTXt", "iTXt"]);
/** Chunks whose size the PNG specification fixes: nothing can ride along inside them. */
const FIXED_SIZES: Record<string, number[]> = {
  IHDR: [13],
  IEND: [0],
  gAMA: [4],
  cHRM: [32],
  sRGB: [1],
  pHYs: [9],
  bKGD: [1, 2, 6],
  sBIT: [1, 2, 3, 4],
  acTL: [8],
  fcTL: [26],
  cICP: [4],
  mDCV: [24],
  cLLI: [8],
};
const CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);
/** Ancillary chunks that change how the picture is shown, and say nothing about who took it. */
const RENDERING = new Set([
  "gAMA",
  "cHRM",
  "sRGB",
  "iCCP",
  "pHYs",
  "tRNS",
  "bKGD",
  "sBIT",
  "acTL",
  "fcTL",
  "fdAT",
  "cICP",
  "mDCV",
  "cLLI",
]);
/** Text chunks are small in practice; larger ones are dropped unread. */
const MAX_TEXT_READ = 16 << 20;

export async function stripPng(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const signature = await src.read(0, 8, "the PNG signature");
  if (!signature.equals(SIGNATURE)) throw src.malformed("it does not start with the PNG signature");
  await sink.write(signature);
  let at = 8;
  let sawIhdr = false;
  let sawExif = false;
  for (;;) {
    src.signal?.throwIfAborted();
    if (at === src.size) throw src.malformed("it ends without an IEND chunk");
    const header = await src.read(at, 8, "a chunk header");
    const length = header.readUInt32BE(0);
    const type = fourcc(header, 4);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > src.size) {
      throw src.malformed(
        `the ${JSON.stringify(type)} chunk at byte ${at} runs past the end of the file`,
      );
    }
    if (!/^[A-Za-z]{4}$/.test(type)) throw src.malformed(`there is no valid chunk at byte ${at}`);
    if (!sawIhdr && type !== "IHDR") throw src.malformed("the first chunk is not IHDR");
    sawIhdr = true;

    if (type === "eXIf" && !sawExif) {
      sawExif = true;
      const data = await src.read(at + 8, length, "the eXIf chunk");
      const analysis = analyseExif(data, exifInJpeg);
      if (analysis.readable && analysis.clean) await sink.copy(src, at, end);
      else {
        findings.merge(analysis.findings);
        const tiff = analysis.readable ? minimalExif(analysis) : null;
        if (tiff) await sink.write(chunk("eXIf", tiff));
      }
    } else if (TEXT_CHUNKS.has(type)) {
      const data = length <= MAX_TEXT_READ ? await src.read(at + 8, length, "a text chunk") : null;
      findings.merge(data ? textFindings(type, data) : textFindings(type, Buffer.from("large\0")));
    } else if (CRITICAL.has(type) || RENDERING.has(type)) {
      const sizes = FIXED_SIZES[type];
      if (sizes && !sizes.includes(length)) {
        throw src.malformed(`its ${type} chunk at byte ${at} is not the size PNG defines for it`);
      }
      await sink.copy(src, at, end);
    } else if (isCritical(type) && !(await looksLikeMetadata(src, at + 8, length))) {
      throw src.malformed(
        `it has a critical chunk ${JSON.stringify(type)} at byte ${at} that dmshare does not know`,
      );
    } else {
      const data = length <= MAX_TEXT_READ ? await src.read(at + 8, length, "a chunk") : null;
      findings.merge(unknownChunkFindings(data));
    }
    at = end;
    if (type === "IEND") break;
  }
  // Anything after IEND is not part of the picture: zeros are kept, the rest is dropped.
  if (at < src.size) {
    const rest = await src.readSome(at, 1 << 16);
    if (!allZero(rest) || src.size - at > rest.length) {
      findings.add(LABELS.appended);
    } else {
      await sink.write(rest);
    }
  }
}

/** Bit 5 of the first letter clear (upper case): a decoder must understand the chunk. */
const isCritical = (type: string) => (type.charCodeAt(0) & 0x20) === 0;

/** True when a chunk's data is an EXIF block or an XMP packet, whatever the chunk's name. */
async function looksLikeMetadata(src: Source, start: number, length: number): Promise<boolean> {
  const head = await src.readSome(start, Math.min(length, 4096));
  return (
    /^(Exif\0\0)?(II\*\0|MM\0\*)/.test(head.toString("latin1", 0, 10)) ||
    /<x:xmpmeta|<rdf:RDF|<\?xpacket/.test(head.toString("latin1"))
  );
}

/** What an unknown chunk held: EXIF or XMP under another name, or something else. */
function unknownChunkFindings(data: Buffer | null): Findings {
  const findings = new Findings();
  if (!data) findings.add(LABELS.other);
  else if (/^(Exif\0\0)?(II\*\0|MM\0\*)/.test(data.toString("latin1", 0, 10))) {
    const tiff = data.toString("latin1", 0, 6) === "Exif\0\0" ? data.subarray(6) : data;
    findings.merge(analyseExif(tiff, exifInJpeg).findings);
    findings.add(LABELS.exif);
  } else if (/<x:xmpmeta|<rdf:RDF|xpacket/.test(data.toString("latin1"))) {
    findings.merge(xmpFindings(data));
  } else findings.add(LABELS.other);
  return findings;
}

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The text of a tEXt/zTXt/iTXt chunk after its keyword, inflated when compressed. */
function textOf(type: string, data: Buffer, keywordEnd: number): Buffer {
  try {
    if (type === "tEXt") return data.subarray(keywordEnd + 1);
    if (type === "zTXt")
      return inflateSync(data.subarray(keywordEnd + 2), { maxOutputLength: MAX_TEXT_READ });
    // iTXt: compression flag, method, language tag\0, translated keyword\0, text.
    const compressed = data[keywordEnd + 1] === 1;
    const language = data.indexOf(0, keywordEnd + 3);
    const translated = language === -1 ? -1 : data.indexOf(0, language + 1);
    if (translated === -1) return Buffer.alloc(0);
    const text = data.subarray(translated + 1);
    return compressed ? inflateSync(text, { maxOutputLength: MAX_TEXT_READ }) : text;
  } catch {
    return Buffer.alloc(0);
  }
}

/** What a tEXt/zTXt/iTXt chunk held, judged by its keyword and its text. */
function textFindings(type: string, data: Buffer): Findings {
  const keywordEnd = data.indexOf(0);
  if (keywordEnd === -1) {
    const findings = new Findings();
    findings.add(LABELS.text);
    return findings;
  }
  const keyword = data.toString("latin1", 0, keywordEnd);
  const text = textOf(type, data, keywordEnd);
  if (keyword === "XML:com.adobe.xmp" || /^Raw profile type xmp$/i.test(keyword)) {
    return xmpFindings(/^Raw/.test(keyword) ? hexPayload(text) : text);
  }
  if (/^Raw profile type (exif|APP1)$/i.test(keyword)) {
    const bytes = hexPayload(text);
    const start = bytes.indexOf("Exif\0\0", 0, "latin1");
    const findings = analyseExif(
      start === -1 ? bytes : bytes.subarray(start + 6),
      exifInJpeg,
    ).findings;
    findings.labels.delete(LABELS.settings);
    findings.add(LABELS.exif);
    return findings;
  }
  if (/^Raw profile type (iptc|8bim)$/i.test(keyword)) return iptcFindings(hexPayload(text));
  const findings = new Findings();
  if (/^(Author|Artist|Owner)$/i.test(keyword)) findings.add(LABELS.owner);
  else if (/^Copyright$/i.test(keyword)) findings.add(LABELS.copyright);
  else if (/^(Creation Time|date:.*)$/i.test(keyword)) findings.add(LABELS.dates);
  else if (/^Software$/i.test(keyword)) findings.add(LABELS.software);
  else if (/^(Comment|Description|Title)$/i.test(keyword)) findings.add(LABELS.comments);
  else if (/^(Location|GPS.*)$/i.test(keyword)) findings.add(LABELS.gps, true);
  else if (xmpHasLocation(text)) findings.add(LABELS.xmpLocation, true);
  else findings.add(LABELS.text);
  return findings;
}

/** ImageMagick writes "\n<name>\n<length>\n<hex…>". */
function hexPayload(text: Buffer): Buffer {
  const lines = text.toString("latin1").split("\n");
  return Buffer.from(lines.slice(3).join("").replace(/\s+/g, ""), "hex");
}
