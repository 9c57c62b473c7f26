import { open } from "node:fs/promises";

export interface MediaType {
  mime: string;
  /** Short name for messages: "JPEG", "HEIC", "MP4 video". */
  label: string;
  video: boolean;
}

const HEAD_BYTES = 64;

const types = {
  jpeg: { mime: "image/jpeg", label: "JPEG", video: false },
  png: { mime: "image/png", label: "PNG", video: false },
  gif: { mime: "image/gif", label: "GIF", video: false },
  webp: { mime: "image/webp", label: "WebP", video: false },
  heic: { mime: "image/heic", label: "HEIC", video: false },
  heif: { mime: "image/heif", label: "HEIF", video: false },
  avif: { mime: "image/avif", label: "AVIF", video: false },
  mp4: { mime: "video/mp4", label: "MP4 video", video: true },
  mov: { mime: "video/quicktime", label: "QuickTime video", video: true },
} satisfies Record<string, MediaType>;

/** ISO-BMFF major/compatible brands, as written in the `ftyp` box. */
const FTYP_BRANDS: Record<string, MediaType> = {
  heic: types.heic,
  heix: types.heic,
  heim: types.heic,
  heis: types.heic,
  hevc: types.heic,
  hevx: types.heic,
  mif1: types.heif,
  msf1: types.heif,
  avif: types.avif,
  "qt  ": types.mov,
  isom: types.mp4,
  iso2: types.mp4,
  mp41: types.mp4,
  mp42: types.mp4,
  avc1: types.mp4,
  "M4V ": types.mp4,
  dash: types.mp4,
};

/** Recognises a photo or video by its first bytes, never by its name. */
export function detectMediaType(head: Uint8Array): MediaType | null {
  const bytes = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    return types.jpeg;
  }
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return types.png;
  }
  const ascii = (start: number, end: number) => bytes.toString("latin1", start, end);
  if (ascii(0, 6) === "GIF87a" || ascii(0, 6) === "GIF89a") return types.gif;
  if (ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return types.webp;
  if (ascii(4, 8) === "ftyp") return detectFtyp(bytes);
  // Old QuickTime files start with a movie atom instead of ftyp.
  if (["moov", "mdat", "wide"].includes(ascii(4, 8))) {
    return types.mov;
  }
  return null;
}

function detectFtyp(bytes: Buffer): MediaType | null {
  const boxSize = Math.min(bytes.readUInt32BE(0), bytes.length);
  const brands = [bytes.toString("latin1", 8, 12)];
  for (let offset = 16; offset + 4 <= boxSize; offset += 4) {
    brands.push(bytes.toString("latin1", offset, offset + 4));
  }
  for (const brand of brands) {
    const type = FTYP_BRANDS[brand];
    if (type) return type;
  }
  return null;
}

/** A description of what unsupported bytes look like, for the error message. */
export function describeUnknown(head: Uint8Array): string {
  const text = Buffer.from(head).toString("utf8", 0, 16);
  if (head.length >= 4 && Buffer.from(head).toString("latin1", 0, 4) === "%PDF") return "a PDF";
  if (head.length >= 2 && head[0] === 0x50 && head[1] === 0x4b) return "a ZIP archive";
  if (/^[\t\n\r\x20-\x7e]*$/.test(text)) return "text";
  return "an unrecognised binary format";
}

export async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** The type detectMediaType gives for a MIME type; null for anything else (--any-file). */
export function mediaTypeFor(mime: string): MediaType | null {
  return Object.values(types).find((type) => type.mime === mime) ?? null;
}
