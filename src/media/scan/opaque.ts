// Signatures searched in opaque bytes (never in coded picture data).
import { OVERLAP, type Reader, SCAN_CHUNK } from "./reader.ts";
import type { Category, Report } from "./report.ts";

const utf16 = (text: string, bigEndian: boolean) => {
  const le = Buffer.from(text, "utf16le");
  return bigEndian ? Buffer.from(le).swap16() : le;
};
const variants = (text: string) => [
  Buffer.from(text, "latin1"),
  utf16(text, false),
  utf16(text, true),
];

interface Signature {
  bytes: Buffer;
  category: Category;
  what: string;
  /** Extra check at the match, so binary data rarely matches by chance. */
  valid?: (data: Buffer, at: number) => boolean;
}

/** A box header before the atom name: a plausible 32-bit size. */
const boxBefore = (data: Buffer, at: number) => {
  if (at < 4) return true;
  const size = data.readUInt32BE(at - 4);
  return size >= 8 && size < 1 << 24;
};

const SIGNATURES: Signature[] = [
  // An EXIF block as JPEG, WebP and HEIF write it.
  { bytes: Buffer.from("Exif\0\0", "latin1"), category: "other", what: "an EXIF block" },
  // A bare TIFF header (PNG eXIf, HEIF Exif items without the prefix, raw profiles).
  {
    bytes: Buffer.from("II*\0", "latin1"),
    category: "other",
    what: "a TIFF/EXIF block",
    valid: tiffAt,
  },
  {
    bytes: Buffer.from("MM\0*", "latin1"),
    category: "other",
    what: "a TIFF/EXIF block",
    valid: tiffAt,
  },
  // XMP, in UTF-8 or UTF-16 of either byte order (the XMP spec allows all three).
  ...["<x:xmpmeta", "<?xpacket", "http://ns.adobe.com/xap/1.0/", "adobe:ns:meta/", "<rdf:RDF"]
    .flatMap(variants)
    .map((bytes) => ({ bytes, category: "other" as const, what: "an XMP packet" })),
  // GPS property names in text form (XMP, JSON sidecars, maker text blocks).
  ...["GPSLatitude", "GPSLongitude"]
    .flatMap(variants)
    .map((bytes) => ({ bytes, category: "location" as const, what: "GPS tags in text" })),
  // Photoshop image resources (IPTC lives in 8BIM resource 0x0404).
  {
    bytes: Buffer.from("Photoshop 3.0\0", "latin1"),
    category: "other",
    what: "Photoshop/IPTC data",
  },
  { bytes: Buffer.from("8BIM\x04\x04", "latin1"), category: "other", what: "IPTC data (8BIM)" },
  // QuickTime/MP4 location atoms: ©xyz (Android, iPhone), @xyz (older iPhones), 3GPP loci.
  {
    bytes: Buffer.from([0xa9, 0x78, 0x79, 0x7a]),
    category: "location",
    what: "a location atom (©xyz)",
    valid: boxBefore,
  },
  {
    bytes: Buffer.from("@xyz", "latin1"),
    category: "location",
    what: "a location atom (@xyz)",
    valid: boxBefore,
  },
  {
    bytes: Buffer.from("loci", "latin1"),
    category: "location",
    what: "a location atom (loci)",
    valid: boxBefore,
  },
  // Apple's metadata keys for the place a video was taken.
  ...variants("com.apple.quicktime.location").map((bytes) => ({
    bytes,
    category: "location" as const,
    what: "a QuickTime location key",
  })),
];

/** ImageMagick's hex-encoded profiles in PNG text; ISO 6709 coordinates as video atoms write them. */
const TEXT_SIGNATURES: { pattern: RegExp; category: Category; what: string }[] = [
  {
    pattern: /Raw profile type (exif|app1|xmp|iptc|8bim)/i,
    category: "other",
    what: "a raw EXIF/XMP/IPTC profile",
  },
  {
    pattern: /[+-]\d{2}\.\d{3,}[+-]\d{3}\.\d{3,}/,
    category: "location",
    what: "ISO 6709 coordinates",
  },
];

/** A TIFF header followed by a plausible first IFD: rare by chance in binary data. */
function tiffAt(data: Buffer, at: number): boolean {
  if (at + 8 > data.length) return false;
  const le = data[at] === 0x49;
  const offset = le ? data.readUInt32LE(at + 4) : data.readUInt32BE(at + 4);
  if (offset < 8 || offset > 1 << 20) return false;
  if (at + offset + 2 > data.length) return offset < 1 << 16; // can't see the IFD here
  const count = le ? data.readUInt16LE(at + offset) : data.readUInt16BE(at + offset);
  if (count === 0 || count > 1000) return false;
  if (at + offset + 6 > data.length) return true;
  const type = le ? data.readUInt16LE(at + offset + 4) : data.readUInt16BE(at + offset + 4);
  return type >= 1 && type <= 13;
}

/** Signatures found in `data`, each once. */
export function signaturesIn(data: Buffer): { category: Category; what: string }[] {
  const found = new Map<string, Category>();
  for (const signature of SIGNATURES) {
    if (found.has(signature.what)) continue;
    for (let at = data.indexOf(signature.bytes); at !== -1; ) {
      if (!signature.valid || signature.valid(data, at)) {
        found.set(signature.what, signature.category);
        break;
      }
      at = data.indexOf(signature.bytes, at + 1);
    }
  }
  const text = data.toString("latin1");
  for (const { pattern, category, what } of TEXT_SIGNATURES) {
    if (pattern.test(text)) found.set(what, category);
  }
  return [...found].map(([what, category]) => ({ category, what }));
}

/** Searches [start, end) of the file a chunk at a time; reports each signature once. */
export async function scanOpaque(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<number> {
  const seen = new Set<string>();
  for (let at = start; at < end; ) {
    reader.signal?.throwIfAborted();
    const length = Math.min(SCAN_CHUNK + OVERLAP, end - at);
    const data = await reader.chunk(at, length);
    if (data.length === 0) break;
    for (const { category, what } of signaturesIn(data)) {
      if (!seen.has(what)) report.find(category, what, where);
      seen.add(what);
    }
    if (at + data.length >= end) break;
    at += data.length - OVERLAP;
  }
  return seen.size;
}
