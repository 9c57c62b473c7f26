/**
 * The parts of an (in-memory) HEIF that raw decoded pixels lose: the EXIF block, the XMP
 * packet and the ICC profile, so a converted JPEG can carry them on.
 */

interface Box {
  type: string;
  body: number;
  end: number;
}

function boxes(data: Buffer, start: number, end: number): Box[] {
  const out: Box[] = [];
  for (let at = start; at + 8 <= end; ) {
    let size = data.readUInt32BE(at);
    const type = data.toString("latin1", at + 4, at + 8);
    let body = at + 8;
    if (size === 1 && at + 16 <= end) {
      size = Number(data.readBigUInt64BE(at + 8));
      body += 8;
    } else if (size === 0) size = end - at;
    if (size < body - at || at + size > end) break;
    out.push({ type, body, end: at + size });
    at += size;
  }
  return out;
}

export interface HeifParts {
  /** The TIFF block of the Exif item (from the byte-order mark). */
  exif?: Buffer;
  xmp?: Buffer;
  icc?: Buffer;
}

export function heifParts(data: Buffer): HeifParts {
  const parts: HeifParts = {};
  try {
    const meta = boxes(data, 0, data.length).find((box) => box.type === "meta");
    if (!meta) return parts;
    const children = boxes(data, meta.body + 4, meta.end);
    const child = (type: string) => children.find((box) => box.type === type);

    const ipco = boxes(data, child("iprp")?.body ?? 0, child("iprp")?.end ?? 0).find(
      (box) => box.type === "ipco",
    );
    if (ipco) {
      for (const property of boxes(data, ipco.body, ipco.end)) {
        if (
          property.type === "colr" &&
          data.toString("latin1", property.body, property.body + 4) === "prof"
        ) {
          parts.icc ??= Buffer.from(data.subarray(property.body + 4, property.end));
        }
      }
    }

    const iinf = child("iinf");
    const iloc = child("iloc");
    if (!iinf || !iloc) return parts;
    const types = new Map<number, string>();
    const iinfVersion = data[iinf.body] ?? 0;
    for (const infe of boxes(data, iinf.body + 4 + (iinfVersion === 0 ? 2 : 4), iinf.end)) {
      const version = data[infe.body] ?? 0;
      if (version < 2) continue;
      const idSize = version === 2 ? 2 : 4;
      const id = data.readUIntBE(infe.body + 4, idSize);
      const type = data.toString("latin1", infe.body + 6 + idSize, infe.body + 10 + idSize);
      const rest = data.toString("latin1", infe.body + 10 + idSize, infe.end).split("\0");
      types.set(
        id,
        type === "mime" && rest[1] === "application/rdf+xml" && !rest[2] ? "xmp" : type,
      );
    }

    const idat = child("idat");
    let at = iloc.body;
    const version = data[at] ?? 0;
    at += 4;
    const read = (size: number) => {
      const value = size === 0 ? 0 : data.readUIntBE(at, size);
      at += size;
      return value;
    };
    const sizes = read(1);
    const second = read(1);
    const count = read(version < 2 ? 2 : 4);
    for (let n = 0; n < count; n++) {
      const id = read(version < 2 ? 2 : 4);
      const method = version >= 1 ? read(2) & 15 : 0;
      read(2);
      const base = read(second >> 4);
      const extents = read(2);
      const pieces: Buffer[] = [];
      for (let e = 0; e < extents; e++) {
        if (version >= 1) read(second & 15);
        const offset = base + read(sizes >> 4) + (method === 1 && idat ? idat.body : 0);
        const length = read(sizes & 15);
        pieces.push(data.subarray(offset, offset + length));
      }
      const type = types.get(id);
      if (type === "Exif" && method !== 2) {
        const payload = Buffer.concat(pieces);
        const tiffAt = 4 + payload.readUInt32BE(0);
        if (tiffAt < payload.length) parts.exif = payload.subarray(tiffAt);
      } else if (type === "xmp" && method !== 2) {
        parts.xmp = Buffer.concat(pieces);
      }
    }
  } catch {
    // A part that can't be found is a part not carried over; the pixels still convert.
  }
  return parts;
}

/** A copy of a TIFF/EXIF block whose Orientation says "upright". */
export function withOrientationOne(tiff: Buffer): Buffer {
  const out = Buffer.from(tiff);
  try {
    const le = out.toString("latin1", 0, 2) === "II";
    const u16 = (at: number) => (le ? out.readUInt16LE(at) : out.readUInt16BE(at));
    const ifd = le ? out.readUInt32LE(4) : out.readUInt32BE(4);
    const count = u16(ifd);
    for (let n = 0; n < count; n++) {
      const entry = ifd + 2 + n * 12;
      if (u16(entry) === 0x0112) {
        if (le) out.writeUInt16LE(1, entry + 8);
        else out.writeUInt16BE(1, entry + 8);
      }
    }
  } catch {
    // Not a readable TIFF: carried over as it was.
  }
  return out;
}
