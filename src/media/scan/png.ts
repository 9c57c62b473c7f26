// PNG: chunks that only draw the picture pass; text and unknown chunks are findings.
import { inflateSync } from "node:zlib";
import { checkIptc } from "./iptc.ts";
import { scanOpaque, signaturesIn } from "./opaque.ts";
import { MAX_STRUCTURE, type Reader, zeroRange } from "./reader.ts";
import { ascii, type Category, type Report } from "./report.ts";
import { checkTiff } from "./tiff.ts";
import { checkXmp } from "./xmp.ts";

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Chunks that only say how to draw the picture (colour, transparency, animation, layout). */
const PNG_ALLOWED = new Set([
  "IHDR",
  "PLTE",
  "IDAT",
  "IEND",
  "tRNS",
  "gAMA",
  "cHRM",
  "sRGB",
  "iCCP",
  "sBIT",
  "bKGD",
  "hIST",
  "pHYs",
  "sPLT",
  "acTL",
  "fcTL",
  "fdAT",
  "cICP",
  "mDCv",
  "cLLi",
  "oFFs",
  "sCAL",
  "sTER",
  "gIFg",
  // Layout hints that hold only numbers: Apple's parallel-decoding index, ImageMagick's page.
  "iDOT",
  "vpAg",
]);
/** Coded picture data: not searched. */
const PNG_CODED = new Set(["IDAT", "fdAT"]);

export async function scanPng(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<void> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  let at = start + 8;
  for (;;) {
    reader.signal?.throwIfAborted();
    if (at + 12 > end) {
      report.find("structure", "a PNG that ends without its IEND chunk", name("PNG"));
      return;
    }
    const header = await reader.read(at, 8);
    const length = header.readUInt32BE(0);
    const type = header.toString("latin1", 4, 8);
    const chunkEnd = at + 12 + length;
    if (length > 0x7fffffff || chunkEnd > end) {
      report.find("structure", "a PNG chunk that runs past the end of the file", name("PNG"));
      return;
    }
    const where = name(`PNG chunk ${JSON.stringify(type)}`);
    if (type === "tIME") {
      report.find("dates", "last-modified time", where);
    } else if (type === "eXIf") {
      if (length > MAX_STRUCTURE) report.find("other", "an oversized EXIF block", where);
      else checkTiff(await reader.read(at + 8, length), where, report);
    } else if (type === "tEXt" || type === "zTXt" || type === "iTXt") {
      await pngText(reader, type, at + 8, length, where, report);
    } else if (PNG_ALLOWED.has(type)) {
      if (type === "iCCP") report.keep("ICC colour profile", where);
      if (!PNG_CODED.has(type)) await scanOpaque(reader, at + 8, at + 8 + length, report, where);
    } else {
      // Unknown ancillary chunks (iTXt-like copies under other names, eXIf spelt otherwise,
      // C2PA caBX, maker chunks) are not needed to draw the picture.
      report.find("other", "a chunk no viewer needs", where);
      await scanOpaque(reader, at + 8, at + 8 + length, report, where);
    }
    at = chunkEnd;
    if (type === "IEND") break;
  }
  if (at < end && !(await zeroRange(reader, at, end))) {
    report.find("other", "data appended after the image", name("after IEND"));
    await scanOpaque(reader, at, end, report, name("after IEND"));
  }
}

/** Text chunks are free text a person or program wrote: every one is a finding. */
async function pngText(
  reader: Reader,
  type: string,
  start: number,
  length: number,
  where: string,
  report: Report,
): Promise<void> {
  if (length > MAX_STRUCTURE) {
    report.find("text", "an oversized text chunk", where);
    return;
  }
  const data = await reader.read(start, length);
  const keywordEnd = data.indexOf(0);
  const keyword = data.toString(
    "latin1",
    0,
    keywordEnd === -1 ? Math.min(79, data.length) : keywordEnd,
  );
  let text: Buffer = Buffer.alloc(0);
  try {
    if (type === "tEXt") text = data.subarray(keywordEnd + 1);
    else if (type === "zTXt")
      text = inflateSync(data.subarray(keywordEnd + 2), { maxOutputLength: MAX_STRUCTURE });
    else {
      const compressed = data[keywordEnd + 1] === 1;
      const language = data.indexOf(0, keywordEnd + 3);
      const translated = language === -1 ? -1 : data.indexOf(0, language + 1);
      const raw = translated === -1 ? Buffer.alloc(0) : data.subarray(translated + 1);
      text = compressed ? inflateSync(raw, { maxOutputLength: MAX_STRUCTURE }) : raw;
    }
  } catch {
    report.find("text", `a text chunk "${keyword}" that can't be read`, where);
    return;
  }
  const at = `${where} "${keyword}"`;
  if (/^XML:com\.adobe\.xmp$/i.test(keyword)) return checkXmp(text, at, report);
  const raw = /^Raw profile type (\w+)$/i.exec(keyword)?.[1]?.toLowerCase();
  if (raw) {
    const lines = text.toString("latin1").split("\n");
    const bytes = Buffer.from(lines.slice(3).join("").replace(/\s+/g, ""), "hex");
    if (raw === "exif" || raw === "app1") {
      const tiff = bytes.indexOf("Exif\0\0", 0, "latin1");
      return checkTiff(tiff === -1 ? bytes : bytes.subarray(tiff + 6), at, report);
    }
    if (raw === "xmp") return checkXmp(bytes, at, report);
    if (raw === "iptc" || raw === "8bim") return checkIptc(bytes, at, report);
    report.find("other", `raw ${raw} profile`, at);
    return;
  }
  const category: Category = /^(Author|Artist|Owner|Copyright|Disclaimer)$/i.test(keyword)
    ? "people"
    : /^(Creation Time|date:.*)$/i.test(keyword)
      ? "dates"
      : /^Software$/i.test(keyword)
        ? "software"
        : /location|gps/i.test(keyword)
          ? "location"
          : "text";
  report.find(category, `text "${keyword}"`, where, ascii(text));
  for (const signature of signaturesIn(text)) report.find(signature.category, signature.what, at);
}
