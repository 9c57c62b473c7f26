import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { crc32 } from "node:zlib";
import type { LocalFile } from "../../src/providers/provider.ts";

/**
 * Small files that are what their bytes say, structurally valid so that metadata removal
 * accepts them (and, having no metadata, copies them byte for byte): a JPEG (SOI, JFIF APP0,
 * DQT, SOF0, DHT, SOS, random entropy-coded data with every 0xFF stuffed, EOI), a PNG (IHDR,
 * IDAT of random bytes, IEND, all with correct CRCs), an MP4 (ftyp, mdat). `size` is the exact
 * length of the file, so uploads of any size can be made; the pixels are not decodable.
 */
export function jpegBytes(size = 2048): Buffer {
  const segment = (marker: number, payload: Buffer) => {
    const header = Buffer.from([0xff, marker, 0, 0]);
    header.writeUInt16BE(payload.length + 2, 2);
    return Buffer.concat([header, payload]);
  };
  const head = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(
      0xe0,
      Buffer.from([
        0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
      ]),
    ),
    // One quantisation table of ones.
    segment(0xdb, Buffer.concat([Buffer.from([0x00]), Buffer.alloc(64, 1)])),
    // Baseline, 8-bit, 16×16, one component using tables 0.
    segment(0xc0, Buffer.from([8, 0, 16, 0, 16, 1, 1, 0x11, 0])),
    // A DC Huffman table with a single 1-bit code for category 0.
    segment(0xc4, Buffer.concat([Buffer.from([0x00, 1]), Buffer.alloc(15), Buffer.from([0])])),
    segment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
  ]);
  const scan = randomBytes(Math.max(0, size - head.length - 2));
  // Byte stuffing: a 0xFF in entropy-coded data is always followed by 0x00.
  for (let i = 0; i < scan.length; i++) {
    if (scan[i] === 0xff) {
      if (i + 1 < scan.length) scan[++i] = 0x00;
      else scan[i] = 0x00;
    }
  }
  return Buffer.concat([head, scan, Buffer.from([0xff, 0xd9])]);
}

/** A PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

export function pngBytes(size = 1024): Buffer {
  const chunk = pngChunk;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(16, 0);
  ihdr.writeUInt32BE(16, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const fixed = signature.length + 12 + ihdr.length + 12 + 12;
  return Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", randomBytes(Math.max(0, size - fixed))),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

export function mp4Bytes(size = 4096): Buffer {
  const ftyp = Buffer.alloc(24);
  ftyp.writeUInt32BE(24, 0);
  ftyp.write("ftypisom", 4, "latin1");
  ftyp.writeUInt32BE(0x200, 12);
  ftyp.write("isomiso2", 16, "latin1");
  const rest = Math.max(8, size - ftyp.length);
  const mdat = Buffer.concat([Buffer.alloc(8), randomBytes(rest - 8)]);
  mdat.writeUInt32BE(rest, 0);
  mdat.write("mdat", 4, "latin1");
  return Buffer.concat([ftyp, mdat]);
}

/** Writes `bytes` as photo.jpg in `dir`, described as dmshare describes a file it sends. */
export async function localPhoto(dir: string, bytes: Buffer): Promise<LocalFile> {
  const file = path.join(dir, "photo.jpg");
  await writeFile(file, bytes);
  return {
    path: file,
    contentPath: file,
    name: "photo.jpg",
    bytes: bytes.length,
    mime: "image/jpeg",
    modifiedAt: new Date(),
  };
}
