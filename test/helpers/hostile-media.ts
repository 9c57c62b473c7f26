/**
 * Hostile and unusual camera files for the closed-world stripper tests: each rebuilds one
 * structure that an open-world stripper copied untouched (issue 13). Written independently of
 * src/media, on top of the camera.ts writers.
 */
import sharp from "sharp";
import { box, exifBlock, IDENTITY, PLACE, pixels, tiff, xmpPacket } from "./camera.ts";
import { pngChunk } from "./media.ts";

type Value = Parameters<typeof tiff>[0]["entries"][number][1];

export function segment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

export const exifSegment = (block: Buffer) =>
  segment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), block]));

const dms = (d: readonly number[]): [number, number][] => [
  [d[0] ?? 0, 1],
  [d[1] ?? 0, 1],
  [d[2] ?? 0, 100],
];

/** A GPS IFD with the test place. */
export function gpsIfd(): { entries: [number, Value][] } {
  return {
    entries: [
      [0x0000, { byte: [2, 3, 0, 0] }],
      [0x0001, { ascii: "N" }],
      [0x0002, { rational: dms(PLACE.latitude) }],
      [0x0003, { ascii: "E" }],
      [0x0004, { rational: dms(PLACE.longitude) }],
    ],
  };
}

/**
 * EXIF whose GPS pointer (0x8825) stands in the Exif sub-IFD or the Interop IFD instead of
 * IFD0, with orientation 6 in IFD0.
 */
export function exifWithMisplacedGps(where: "exif" | "interop", littleEndian = false): Buffer {
  const gps: [number, Value] = [0x8825, { ifd: gpsIfd() }];
  const interop: { entries: [number, Value][] } = {
    entries: [[0x0001, { ascii: "R98" }], ...(where === "interop" ? [gps] : [])],
  };
  return tiff(
    {
      entries: [
        [0x0112, { short: [6] }],
        [
          0x8769,
          {
            ifd: {
              entries: [
                [0xa001, { short: [1] }],
                [0xa005, { ifd: interop }],
                ...(where === "exif" ? [gps] : []),
              ],
            },
          },
        ],
      ],
    },
    littleEndian,
  );
}

/** A plain JPEG (JFIF, no metadata) of real pixels. */
export async function plainJpeg(width = 48, height = 32): Promise<Buffer> {
  return sharp(pixels(width, height), { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 80 })
    .toBuffer();
}

/** Inserts segments right after SOI (before JFIF). */
export function afterSoi(jpeg: Buffer, ...segments: Buffer[]): Buffer {
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

/** An old Canon CIFF block in APP0: owner name, original file name, firmware. */
export function ciffApp0(): Buffer {
  return segment(
    0xe0,
    Buffer.concat([
      Buffer.from("II\x1a\0\0\0HEAPCCDR", "latin1"),
      Buffer.from(`OwnerName=${IDENTITY.owner};FileName=IMG_0001.JPG;Firmware 1.0.0`, "latin1"),
    ]),
  );
}

/** An XMP packet with the test place, UTF-16 big-endian as some writers emit it. */
export function utf16Xmp(): Buffer {
  const text = xmpPacket().toString("utf8");
  const le = Buffer.from(text, "utf16le");
  return le.swap16();
}

/**
 * An MPF JPEG: `primary` with an MPF APP2 inserted after SOI, then `secondaries` appended,
 * each listed in the MP index at its offset from the MP header.
 */
export function multiPicture(primary: Buffer, secondaries: Buffer[]): Buffer {
  const mpfSegment = (offsets: number[], primaryLength: number) => {
    const entries = Buffer.alloc(16 * (1 + secondaries.length));
    entries.writeUInt32BE(0x030000, 0);
    entries.writeUInt32BE(primaryLength, 4);
    secondaries.forEach((image, n) => {
      entries.writeUInt32BE(0x000000, 16 * (n + 1));
      entries.writeUInt32BE(image.length, 16 * (n + 1) + 4);
      entries.writeUInt32BE(offsets[n] ?? 0, 16 * (n + 1) + 8);
    });
    return segment(
      0xe2,
      Buffer.concat([
        Buffer.from("MPF\0", "latin1"),
        tiff({
          entries: [
            [0xb000, { undefined: Buffer.from("0100", "latin1") }],
            [0xb001, { long: [1 + secondaries.length] }],
            [0xb002, { undefined: entries }],
          ],
        }),
      ]),
    );
  };
  const placeholder = mpfSegment([], 0);
  const primaryLength = primary.length + placeholder.length;
  const header = 2 + 8; // SOI, then the segment's marker, length and "MPF\0"
  const offsets: number[] = [];
  let at = primaryLength;
  for (const image of secondaries) {
    offsets.push(at - header);
    at += image.length;
  }
  return Buffer.concat([
    primary.subarray(0, 2),
    mpfSegment(offsets, primaryLength),
    primary.subarray(2),
    ...secondaries,
  ]);
}

/** A small MP4 carrying the test place in udta ©xyz: what a motion photo embeds. */
export function locatedMp4(): Buffer {
  const text = Buffer.from(PLACE.iso6709, "latin1");
  const head = Buffer.alloc(4);
  head.writeUInt16BE(text.length, 0);
  head.writeUInt16BE(0x15c7, 2);
  return Buffer.concat([
    box("ftyp", Buffer.from("mp42\0\0\0\0mp42isom", "latin1")),
    box("moov", box("udta", box("©xyz", head, text))),
    box("mdat", Buffer.alloc(256, 7)),
  ]);
}

/** An Ultra HDR gain-map XMP (hdrgm attributes), with a GPS property and a creator mixed in. */
export function hdrgmXmp(primary: boolean, gainMapLength = 0): Buffer {
  const directory = primary
    ? `<Container:Directory><rdf:Seq><rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="Primary" Item:Mime="image/jpeg"/></rdf:li><rdf:li rdf:parseType="Resource"><Container:Item Item:Semantic="GainMap" Item:Mime="image/jpeg" Item:Length="${gainMapLength}"/></rdf:li></rdf:Seq></Container:Directory>`
    : "";
  return Buffer.from(
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" xmlns:Container="http://ns.google.com/photos/1.0/container/" xmlns:Item="http://ns.google.com/photos/1.0/container/item/" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" hdrgm:Version="1.0"${primary ? "" : ' hdrgm:GainMapMin="0" hdrgm:GainMapMax="2.5" hdrgm:Gamma="1" hdrgm:OffsetSDR="0.015625" hdrgm:OffsetHDR="0.015625" hdrgm:HDRCapacityMin="0" hdrgm:HDRCapacityMax="2.5" hdrgm:BaseRenditionIsHDR="False"'} exif:GPSLatitude="${PLACE.xmpLatitude}"><dc:creator><rdf:Seq><rdf:li>${IDENTITY.owner}</rdf:li></rdf:Seq></dc:creator>${directory}</rdf:Description></rdf:RDF></x:xmpmeta>${" ".repeat(200)}<?xpacket end="w"?>`,
    "utf8",
  );
}

export const xmpSegment = (packet: Buffer) =>
  segment(0xe1, Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), packet]));

// ---------------------------------------------------------------------------------------
// PNG and WebP

/** Inserts chunks after IHDR. */
export function pngWith(png: Buffer, ...chunks: Buffer[]): Buffer {
  const ihdrEnd = 8 + 12 + png.readUInt32BE(8);
  return Buffer.concat([png.subarray(0, ihdrEnd), ...chunks, png.subarray(ihdrEnd)]);
}

export { pngChunk };

export function riffChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length % 2)]);
}

/** An extended WebP around a real VP8 picture, with the extra chunks given. */
export async function webpWith(...chunks: Buffer[]): Promise<Buffer> {
  const width = 48;
  const height = 32;
  const simple = await sharp(pixels(width, height), { raw: { width, height, channels: 3 } })
    .webp({ quality: 80 })
    .toBuffer();
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08 | 0x04;
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([
    Buffer.from("WEBP", "latin1"),
    riffChunk("VP8X", vp8x),
    simple.subarray(12),
    ...chunks,
  ]);
  const header = Buffer.alloc(8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

export { exifBlock, xmpPacket };

// ---------------------------------------------------------------------------------------
// ISO boxes

/** Samsung's HEIC trailer: mobile country code (the country) and a UTC time stamp. */
export function sefdBox(): Buffer {
  return box("sefd", Buffer.from(`MCC=208;UTC=2026-05-01T12:34:56Z;${PLACE.city}`, "latin1"));
}

/** A Samsung HEIC motion photo's video box: a whole MP4 with its own location. */
export function mpvdBox(): Buffer {
  return box("mpvd", locatedMp4());
}

/** Where the boxes of a HEIC made by cameraHeic() are: meta, and its iinf and iloc. */
function heicLayout(heic: Buffer) {
  const metaAt = heic.readUInt32BE(0); // right after ftyp
  if (heic.toString("latin1", metaAt + 4, metaAt + 8) !== "meta") throw new Error("no meta");
  const found: Record<string, number> = {};
  for (let at = metaAt + 12; at < metaAt + heic.readUInt32BE(metaAt); ) {
    found[heic.toString("latin1", at + 4, at + 8)] = at;
    at += heic.readUInt32BE(at);
  }
  const iinf = found.iinf;
  const iloc = found.iloc;
  if (iinf === undefined || iloc === undefined) throw new Error("no iinf/iloc");
  return { metaAt, iinf, iloc };
}

/**
 * A copy of a cameraHeic() file whose meta box holds a second copy of its item list, with
 * the item locations moved to match.
 */
export function withSecondItemList(heic: Buffer): Buffer {
  const { metaAt, iinf } = heicLayout(heic);
  const list = heic.subarray(iinf, iinf + heic.readUInt32BE(iinf));
  const insertAt = iinf + list.length;
  const out = Buffer.concat([heic.subarray(0, insertAt), list, heic.subarray(insertAt)]);
  out.writeUInt32BE(out.readUInt32BE(metaAt) + list.length, metaAt);
  shiftItemOffsets(out, list.length);
  return out;
}

/** cameraHeic()'s iloc: version 0, 4-byte offsets and lengths, one extent per item. */
function ilocItems(heic: Buffer): number[] {
  const { iloc } = heicLayout(heic);
  const count = heic.readUInt16BE(iloc + 14);
  return Array.from({ length: count }, (_, n) => iloc + 16 + n * 14);
}

function shiftItemOffsets(heic: Buffer, by: number): void {
  for (const item of ilocItems(heic))
    heic.writeUInt32BE(heic.readUInt32BE(item + 6) + by, item + 6);
}

/** A copy of a cameraHeic() file whose item `id` claims to run a megabyte past the end of the file. */
export function withItemPastEnd(heic: Buffer, id: number): Buffer {
  const out = Buffer.from(heic);
  for (const item of ilocItems(out)) {
    if (out.readUInt16BE(item) === id)
      out.writeUInt32BE(out.readUInt32BE(item + 10) + (1 << 20), item + 10);
  }
  return out;
}

/** An MP4 whose movie user data holds an older iPhone's @xyz location atom. */
export function mp4WithAtXyz(): Buffer {
  const text = Buffer.from(PLACE.iso6709, "latin1");
  const head = Buffer.alloc(4);
  head.writeUInt16BE(text.length, 0);
  head.writeUInt16BE(0x15c7, 2);
  return Buffer.concat([
    box("ftyp", Buffer.from("qt  \0\0\x02\0qt  ", "latin1")),
    box("moov", box("mvhd", Buffer.alloc(100)), box("udta", box("@xyz", head, text))),
    box("mdat", Buffer.alloc(512, 3)),
  ]);
}

/** A copy of a cameraHeic() file (mdat last) with `hidden` appended inside its mdat, used by no item. */
export function withHiddenMediaData(heic: Buffer, hidden: Buffer): Buffer {
  let at = 0;
  while (at + 8 <= heic.length && heic.toString("latin1", at + 4, at + 8) !== "mdat")
    at += heic.readUInt32BE(at);
  const out = Buffer.concat([heic, hidden]);
  out.writeUInt32BE(out.readUInt32BE(at) + hidden.length, at);
  return out;
}

/** A copy of a cameraHeic() file whose meta box is renamed, so its items are described by nothing. */
export function withMetaRenamed(heic: Buffer): Buffer {
  const out = Buffer.from(heic);
  out.write("meTa", heic.readUInt32BE(0) + 4, "latin1");
  return out;
}

/**
 * An MP4 whose user data holds a vendor atom with the owner and the place, and whose
 * QuickTime metadata has a key dmshare never heard of (an author) next to the make.
 */
export function mp4WithVendorUserData(): Buffer {
  const key = (name: string) => {
    const text = Buffer.from(name, "utf8");
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + text.length, 0);
    head.write("mdta", 4, "latin1");
    return Buffer.concat([head, text]);
  };
  const count = Buffer.alloc(8);
  count.writeUInt32BE(2, 4);
  const keys = box("keys", count, key("com.apple.quicktime.make"), key("com.example.author"));
  const item = (index: number, value: string) => {
    const data = box("data", Buffer.from([0, 0, 0, 1, 0, 0, 0, 0]), Buffer.from(value, "utf8"));
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + data.length, 0);
    head.writeUInt32BE(index, 4);
    return Buffer.concat([head, data]);
  };
  const hdlr = box("hdlr", Buffer.alloc(8), Buffer.from("mdta", "latin1"), Buffer.alloc(13));
  const meta = box(
    "meta",
    hdlr,
    keys,
    box("ilst", item(1, IDENTITY.make), item(2, IDENTITY.owner)),
  );
  return Buffer.concat([
    box("ftyp", Buffer.from("isom\0\0\x02\0isommp41", "latin1")),
    box(
      "moov",
      box("mvhd", Buffer.alloc(100)),
      box("udta", box("smta", Buffer.from(`${IDENTITY.owner};${PLACE.iso6709}`, "latin1"))),
      meta,
    ),
    box("mdat", Buffer.alloc(512, 5)),
  ]);
}
