/**
 * Re-encoding on request (`--convert jpeg`, `--resize PX`): these are the only paths that
 * change pixels, and they say so. sharp (prebuilt libvips) does the work; HEVC-coded HEIC,
 * which sharp's prebuilt libvips cannot decode, goes through heic-decode (libheif compiled
 * to WebAssembly). Both are imported on first use so that start-up stays cheap.
 */
import { copyFile, readFile, stat, writeFile } from "node:fs/promises";
import type { Sharp } from "sharp";
import type { MediaType } from "./detect.ts";
import { heifParts, withOrientationOne } from "./heif-parts.ts";
import { removeMetadata } from "./metadata.ts";

export interface TransformOptions {
  /** Keep EXIF/XMP/ICC in the output (orientation is applied to the pixels either way). */
  keepMetadata?: boolean;
  /** JPEG/WebP quality, 1–100. Default 90. */
  quality?: number;
  signal?: AbortSignal;
}

export interface ConvertResult {
  width: number;
  height: number;
  bytes: number;
  quality: number;
}

export interface ResizeResult {
  width: number;
  height: number;
  bytes: number;
  /** False when the picture was already within the bound and was only copied. */
  resized: boolean;
  /** The output's type: HEIC/HEIF come out as JPEG (nothing installable here encodes HEVC). */
  mime: string;
}

const DEFAULT_QUALITY = 90;
const HEVC_TYPES = new Set(["image/heic", "image/heif"]);

async function loadSharp() {
  const { default: sharp } = await import("sharp");
  return sharp;
}

interface Decoded {
  image: Sharp;
  /** Width and height as displayed (orientation applied). */
  width: number;
  height: number;
  /** For HEIC: its EXIF/XMP/ICC, which the raw pixels no longer carry. */
  heif?: Awaited<ReturnType<typeof heifParts>>;
}

/** Opens a picture upright: EXIF orientation for sharp's formats, irot/imir for HEIC. */
async function decode(source: string, type: MediaType): Promise<Decoded> {
  const sharp = await loadSharp();
  if (HEVC_TYPES.has(type.mime)) {
    const buffer = await readFile(source);
    const { default: decodeHeic } = await import("heic-decode");
    let pixels: { width: number; height: number; data: Uint8ClampedArray };
    try {
      pixels = await decodeHeic({ buffer });
    } catch (error) {
      throw new Error(
        `This ${type.label} file could not be decoded: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
    const { width, height, data } = pixels;
    const image = sharp(Buffer.from(data.buffer, data.byteOffset, data.byteLength), {
      raw: { width, height, channels: 4 },
    });
    return { image, width, height, heif: heifParts(buffer) };
  }
  const image = sharp(source, {
    animated: type.mime === "image/gif" || type.mime === "image/webp",
  });
  const meta = await image.metadata();
  const upright = meta.autoOrient ?? {
    width: meta.width ?? 0,
    height: meta.pageHeight ?? meta.height ?? 0,
  };
  return { image: image.autoOrient(), width: upright.width, height: upright.height };
}

/** Turns a photo (HEIC/HEIF above all) into a JPEG, upright and, by default, without metadata. */
export async function convertToJpeg(
  source: string,
  destination: string,
  options: TransformOptions & { type?: MediaType } = {},
): Promise<ConvertResult> {
  options.signal?.throwIfAborted();
  const quality = options.quality ?? DEFAULT_QUALITY;
  const type = options.type ?? (await sniff(source));
  const decoded = await decode(source, type);
  let image = decoded.image.flatten({ background: "#ffffff" });
  image = options.keepMetadata ? image.keepMetadata() : image.keepIccProfile();
  const info = await writeJpeg(image, destination, quality, decoded.heif, options.keepMetadata);
  return { width: info.width, height: info.height, bytes: info.bytes, quality };
}

/** Bounds the long edge of a photo to `maxEdge` pixels, upright; a copy when already smaller. */
export async function resizeImage(
  source: string,
  destination: string,
  maxEdge: number,
  type: MediaType,
  options: TransformOptions = {},
): Promise<ResizeResult> {
  options.signal?.throwIfAborted();
  if (!Number.isInteger(maxEdge) || maxEdge < 1) {
    throw new Error(`The size to resize to must be a whole number of pixels (got ${maxEdge}).`);
  }
  if (type.video) throw new Error(`dmshare can't resize videos (${type.label}).`);
  const quality = options.quality ?? DEFAULT_QUALITY;
  const decoded = await decode(source, type);
  const { width, height } = decoded;

  if (Math.max(width, height) <= maxEdge) {
    if (options.keepMetadata) await copyFile(source, destination);
    else await removeMetadata(source, destination, type, options.signal);
    const bytes = (await stat(destination)).size;
    return { width, height, bytes, resized: false, mime: type.mime };
  }

  let image = decoded.image.resize({
    width: maxEdge,
    height: maxEdge,
    fit: "inside",
    withoutEnlargement: true,
  });
  image = options.keepMetadata ? image.keepMetadata() : image.keepIccProfile();
  const resized = Math.max(width, height) > maxEdge;
  if (HEVC_TYPES.has(type.mime) || type.mime === "image/jpeg") {
    const info = await writeJpeg(image, destination, quality, decoded.heif, options.keepMetadata);
    return { ...info, resized, mime: "image/jpeg" };
  }
  if (type.mime === "image/png") image = image.png();
  else if (type.mime === "image/webp") image = image.webp({ quality });
  else if (type.mime === "image/gif") image = image.gif();
  else if (type.mime === "image/avif") image = image.avif({ quality });
  else throw new Error(`dmshare can't resize ${type.label} files.`);
  const info = await image.toFile(destination);
  return {
    width: info.width,
    height: info.pageHeight ?? info.height,
    bytes: info.size,
    resized,
    mime: type.mime,
  };
}

/**
 * Encodes a JPEG; for HEIC input (decoded to raw pixels, which carry nothing) the original's
 * ICC profile is attached as-is (tagging, not converting) and, with keepMetadata, its EXIF
 * (orientation reset to 1, the pixels being upright now) and XMP too.
 */
async function writeJpeg(
  image: Sharp,
  destination: string,
  quality: number,
  heif: Decoded["heif"],
  keepMetadata = false,
): Promise<{ width: number; height: number; bytes: number }> {
  const { data, info } = await image.jpeg({ quality }).toBuffer({ resolveWithObject: true });
  let output: Buffer = data;
  if (heif) {
    const segments: Buffer[] = [];
    if (keepMetadata && heif.exif) {
      segments.push(
        segment(
          0xe1,
          Buffer.concat([Buffer.from("Exif\0\0", "latin1"), withOrientationOne(heif.exif)]),
        ),
      );
    }
    if (keepMetadata && heif.xmp && heif.xmp.length <= 65502) {
      segments.push(
        segment(
          0xe1,
          Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), heif.xmp]),
        ),
      );
    }
    if (heif.icc) segments.push(...iccSegments(heif.icc));
    output = insertAfterApp0(data, segments);
  }
  await writeFile(destination, output, { mode: 0o600 });
  return { width: info.width, height: info.height, bytes: output.length };
}

function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** An ICC profile split over APP2 ICC_PROFILE segments (sequence number, count, data). */
function iccSegments(icc: Buffer): Buffer[] {
  const size = 65519;
  const count = Math.ceil(icc.length / size);
  if (count > 255) return [];
  return Array.from({ length: count }, (_, index) =>
    segment(
      0xe2,
      Buffer.concat([
        Buffer.from("ICC_PROFILE\0", "latin1"),
        Buffer.from([index + 1, count]),
        icc.subarray(index * size, (index + 1) * size),
      ]),
    ),
  );
}

function insertAfterApp0(jpeg: Buffer, segments: Buffer[]): Buffer {
  if (segments.length === 0) return jpeg;
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0) at += 2 + jpeg.readUInt16BE(at + 2);
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

async function sniff(source: string): Promise<MediaType> {
  const { detectMediaType, readHead } = await import("./detect.ts");
  const type = detectMediaType(await readHead(source));
  if (!type) throw new Error(`${source} is not a photo dmshare can read.`);
  return type;
}
