/**
 * Camera-like files for the metadata tests, made here rather than shipped: real, decodable
 * pictures (encoded by sharp) carrying what phones write: GPS, orientation 6, make/model,
 * serial numbers, owner names, a maker note, an IFD1 thumbnail with GPS of its own, XMP with
 * a location, IPTC with a city. The EXIF/XMP/box writers below are written independently of
 * src/media so that the tests don't check the code with itself.
 *
 * The only shipped input is test/fixtures/pixels-96x64.heic: 96×64 pixels of HEVC with no
 * metadata (made once with `heif-enc -q 50` from a generated PNG), since nothing on npm
 * encodes HEVC. cameraHeic() wraps its coded picture in a HEIF of our own making.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import sharp from "sharp";
import { pngChunk } from "./media.ts";

/** Where the test photos were "taken": rationals as cameras write them, and their text forms. */
export const PLACE = {
  latitude: [48, 51, 2960] as const, // 48° 51' 29.60" N
  longitude: [2, 17, 4020] as const, // 2° 17' 40.20" E
  thumbnailLatitude: [48, 51, 2961] as const, // the thumbnail's own, slightly different fix
  xmpLatitude: "48,51.4933N",
  xmpLongitude: "2,17.6700E",
  city: "Paris-Testville",
  iso6709: "+48.8582+002.2945+035.000/",
} as const;

export const IDENTITY = {
  make: "Phonecam",
  model: "X100 Pro",
  owner: "Jane Example",
  serial: "SN-1234567890",
  lensSerial: "LS-55555",
  makerSerial: "MAKERSERIAL-777",
  uniqueId: "0123456789abcdef0123456789abcdef",
  comment: "sent from my home",
} as const;

// ---------------------------------------------------------------------------------------
// TIFF/EXIF writer

type Value =
  | { ascii: string }
  | { short: number[] }
  | { long: number[] }
  | { rational: [number, number][] }
  | { byte: number[] }
  | { undefined: Buffer }
  | { ifd: Ifd }
  | { blob: Buffer };

interface Ifd {
  entries: [tag: number, value: Value][];
  next?: Ifd;
}

const TYPE = { byte: 1, ascii: 2, short: 3, long: 4, rational: 5, undefined: 7 } as const;

function valueBytes(value: Value, le: boolean): { type: number; count: number; data: Buffer } {
  const u16 = (n: number) => {
    const b = Buffer.alloc(2);
    le ? b.writeUInt16LE(n) : b.writeUInt16BE(n);
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    le ? b.writeUInt32LE(n) : b.writeUInt32BE(n);
    return b;
  };
  if ("ascii" in value) {
    const data = Buffer.from(`${value.ascii}\0`, "latin1");
    return { type: TYPE.ascii, count: data.length, data };
  }
  if ("short" in value)
    return {
      type: TYPE.short,
      count: value.short.length,
      data: Buffer.concat(value.short.map(u16)),
    };
  if ("long" in value)
    return { type: TYPE.long, count: value.long.length, data: Buffer.concat(value.long.map(u32)) };
  if ("rational" in value) {
    const data = Buffer.concat(value.rational.flatMap(([n, d]) => [u32(n), u32(d)]));
    return { type: TYPE.rational, count: value.rational.length, data };
  }
  if ("byte" in value)
    return { type: TYPE.byte, count: value.byte.length, data: Buffer.from(value.byte) };
  if ("undefined" in value)
    return { type: TYPE.undefined, count: value.undefined.length, data: value.undefined };
  return { type: TYPE.long, count: 1, data: Buffer.alloc(4) }; // pointers, filled in on layout
}

/** Lays out IFDs, their out-of-line values, sub-IFDs and blobs (thumbnails) after a header. */
export function tiff(ifd0: Ifd, littleEndian = false): Buffer {
  const chunks: Buffer[] = [];
  let size = 8;
  const header = Buffer.alloc(8);
  header.write(littleEndian ? "II" : "MM", 0, "latin1");
  littleEndian ? header.writeUInt16LE(42, 2) : header.writeUInt16BE(42, 2);
  littleEndian ? header.writeUInt32LE(8, 4) : header.writeUInt32BE(8, 4);
  chunks.push(header);
  const w32 = (buffer: Buffer, n: number, at: number) =>
    littleEndian ? buffer.writeUInt32LE(n, at) : buffer.writeUInt32BE(n, at);

  const place = (ifd: Ifd): number => {
    const at = size;
    const entries = [...ifd.entries].sort((a, b) => a[0] - b[0]);
    const table = Buffer.alloc(2 + entries.length * 12 + 4);
    littleEndian ? table.writeUInt16LE(entries.length) : table.writeUInt16BE(entries.length);
    chunks.push(table);
    size += table.length;
    const later: (() => void)[] = [];
    entries.forEach(([tag, value], index) => {
      const entry = 2 + index * 12;
      const { type, count, data } = valueBytes(value, littleEndian);
      littleEndian ? table.writeUInt16LE(tag, entry) : table.writeUInt16BE(tag, entry);
      littleEndian ? table.writeUInt16LE(type, entry + 2) : table.writeUInt16BE(type, entry + 2);
      w32(table, count, entry + 4);
      if ("ifd" in value) {
        const sub = value.ifd;
        later.push(() => w32(table, place(sub), entry + 8));
      } else if ("blob" in value) {
        const blob = value.blob;
        later.push(() => {
          w32(table, size, entry + 8);
          chunks.push(blob);
          size += blob.length;
        });
      } else if (data.length <= 4) {
        data.copy(table, entry + 8);
      } else {
        w32(table, size, entry + 8);
        const padded = data.length % 2 ? Buffer.concat([data, Buffer.alloc(1)]) : data;
        chunks.push(padded);
        size += padded.length;
      }
    });
    for (const step of later) step();
    if (ifd.next) {
      const next = ifd.next;
      w32(table, place(next), 2 + entries.length * 12);
    }
    return at;
  };
  place(ifd0);
  return Buffer.concat(chunks);
}

const dms = (d: readonly number[]): [number, number][] => [
  [d[0] ?? 0, 1],
  [d[1] ?? 0, 1],
  [d[2] ?? 0, 100],
];

export interface ExifOptions {
  orientation?: number;
  gps?: boolean;
  identity?: boolean;
  thumbnail?: Buffer;
  latitude?: readonly number[];
  littleEndian?: boolean;
  /** Exposure and date fields (not identifying, but not needed for display either). */
  settings?: boolean;
}

/** An EXIF block as a phone writes it (TIFF bytes, without the "Exif\0\0" prefix). */
export function exifBlock(options: ExifOptions = {}): Buffer {
  const { orientation = 6, gps = true, identity = true, thumbnail, settings = true } = options;
  const gpsIfd: Ifd = {
    entries: [
      [0x0000, { byte: [2, 3, 0, 0] }],
      [0x0001, { ascii: "N" }],
      [0x0002, { rational: dms(options.latitude ?? PLACE.latitude) }],
      [0x0003, { ascii: "E" }],
      [0x0004, { rational: dms(PLACE.longitude) }],
      [0x0005, { byte: [0] }],
      [0x0006, { rational: [[35, 1]] }],
    ],
  };
  const makerNote = Buffer.concat([
    Buffer.from("PHONECAM\0\0", "latin1"),
    Buffer.from(`serial=${IDENTITY.makerSerial};owner=${IDENTITY.owner};`, "latin1"),
    randomBytes(64),
  ]);
  const exifIfd: Ifd = {
    entries: [
      ...(settings
        ? ([
            [0x829a, { rational: [[1, 120]] }],
            [0x9003, { ascii: "2026:05:01 12:34:56" }],
          ] satisfies [number, Value][])
        : []),
      [0x9000, { undefined: Buffer.from("0232", "latin1") }],
      [0xa001, { short: [1] }],
      [0xa002, { long: [96] }],
      [0xa003, { long: [64] }],
      [0xa005, { ifd: { entries: [[0x0001, { ascii: "R98" }]] } }],
      ...(identity
        ? ([
            [0x927c, { undefined: makerNote }],
            [0x9286, { undefined: Buffer.from(`ASCII\0\0\0${IDENTITY.comment}`, "latin1") }],
            [0xa420, { ascii: IDENTITY.uniqueId }],
            [0xa430, { ascii: IDENTITY.owner }],
            [0xa431, { ascii: IDENTITY.serial }],
            [0xa433, { ascii: IDENTITY.make }],
            [0xa434, { ascii: `${IDENTITY.model} lens` }],
            [0xa435, { ascii: IDENTITY.lensSerial }],
          ] satisfies [number, Value][])
        : []),
    ],
  };
  const ifd0: Ifd = {
    entries: [
      [0x011a, { rational: [[72, 1]] }],
      [0x011b, { rational: [[72, 1]] }],
      [0x0128, { short: [2] }],
      [0x8769, { ifd: exifIfd }],
      ...(orientation ? ([[0x0112, { short: [orientation] }]] satisfies [number, Value][]) : []),
      ...(identity
        ? ([
            [0x010f, { ascii: IDENTITY.make }],
            [0x0110, { ascii: IDENTITY.model }],
            [0x0131, { ascii: "PhoneOS 17.4" }],
            [0x0132, { ascii: "2026:05:01 12:34:56" }],
            [0x013b, { ascii: IDENTITY.owner }],
            [0x8298, { ascii: `(c) ${IDENTITY.owner}` }],
          ] satisfies [number, Value][])
        : []),
      ...(gps ? ([[0x8825, { ifd: gpsIfd }]] satisfies [number, Value][]) : []),
    ],
  };
  if (thumbnail) {
    ifd0.next = {
      entries: [
        [0x0103, { short: [6] }],
        [0x011a, { rational: [[72, 1]] }],
        [0x011b, { rational: [[72, 1]] }],
        [0x0128, { short: [2] }],
        [0x0201, { blob: thumbnail }],
        [0x0202, { long: [thumbnail.length] }],
      ],
    };
  }
  return tiff(ifd0, options.littleEndian);
}

/** The bytes of a latitude's seconds rational as a given byte order writes them. */
export function rationalBytes(
  numerator: number,
  denominator: number,
  littleEndian = false,
): Buffer {
  const b = Buffer.alloc(8);
  if (littleEndian) {
    b.writeUInt32LE(numerator, 0);
    b.writeUInt32LE(denominator, 4);
  } else {
    b.writeUInt32BE(numerator, 0);
    b.writeUInt32BE(denominator, 4);
  }
  return b;
}

export function xmpPacket(): Buffer {
  return Buffer.from(
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 exif:GPSLatitude="${PLACE.xmpLatitude}" exif:GPSLongitude="${PLACE.xmpLongitude}" photoshop:City="${PLACE.city}">
<dc:creator><rdf:Seq><rdf:li>${IDENTITY.owner}</rdf:li></rdf:Seq></dc:creator>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`,
    "utf8",
  );
}

/** A Photoshop APP13 payload with one IPTC record naming the city. */
function photoshopIptc(): Buffer {
  const city = Buffer.from(PLACE.city, "latin1");
  const iptc = Buffer.concat([Buffer.from([0x1c, 0x02, 90, 0, city.length]), city]);
  const resource = Buffer.alloc(12);
  resource.write("8BIM", 0, "latin1");
  resource.writeUInt16BE(0x0404, 4);
  resource.writeUInt32BE(iptc.length, 8); // name: empty Pascal string (2 bytes, zero)
  return Buffer.concat([
    Buffer.from("Photoshop 3.0\0", "latin1"),
    resource,
    iptc,
    Buffer.alloc(iptc.length % 2),
  ]);
}

// ---------------------------------------------------------------------------------------
// Pictures

/** Smooth colour with some noise, so that encoders produce realistic sizes. */
export function pixels(width: number, height: number, noise = 24): Buffer {
  const data = Buffer.alloc(width * height * 3);
  const random = randomBytes(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const n = ((random[y * width + x] ?? 0) * noise) >> 8;
      data[i] = ((x * 255) / width + n) & 255;
      data[i + 1] = ((y * 255) / height + n) & 255;
      data[i + 2] = (x < width / 4 && y < height / 4 ? 230 : 60) + (n >> 1);
    }
  }
  return data;
}

const raw = (width: number, height: number, noise?: number) =>
  sharp(pixels(width, height, noise), { raw: { width, height, channels: 3 } });

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
}

/** Inserts segments after SOI and any APP0 (JFIF) segment. */
export function insertJpegSegments(jpeg: Buffer, segments: Buffer[]): Buffer {
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1] === 0xe0) at += 2 + jpeg.readUInt16BE(at + 2);
  return Buffer.concat([jpeg.subarray(0, at), ...segments, jpeg.subarray(at)]);
}

export interface CameraJpegOptions {
  width?: number;
  height?: number;
  quality?: number;
  noise?: number;
  /** Leave out every identifying field: orientation and colour space only. */
  clean?: boolean;
}

/** A JPEG as a phone writes it: EXIF (GPS, serials, owner, maker note, thumbnail with GPS), XMP, IPTC, a comment. */
export async function cameraJpeg(options: CameraJpegOptions = {}): Promise<Buffer> {
  const { width = 96, height = 64, quality = 85, noise } = options;
  const picture = await raw(width, height, noise).jpeg({ quality }).toBuffer();
  if (options.clean) {
    return insertJpegSegments(picture, [
      jpegSegment(
        0xe1,
        Buffer.concat([
          Buffer.from("Exif\0\0", "latin1"),
          exifBlock({ gps: false, identity: false, settings: false }),
        ]),
      ),
    ]);
  }
  const thumbPicture = await raw(32, 24).jpeg({ quality: 70 }).toBuffer();
  const thumbnail = insertJpegSegments(thumbPicture, [
    jpegSegment(
      0xe1,
      Buffer.concat([
        Buffer.from("Exif\0\0", "latin1"),
        exifBlock({ latitude: PLACE.thumbnailLatitude, identity: false }),
      ]),
    ),
  ]);
  const exif = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), exifBlock({ thumbnail })]);
  const xmp = Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), xmpPacket()]);
  return insertJpegSegments(picture, [
    jpegSegment(0xe1, exif),
    jpegSegment(0xe1, xmp),
    jpegSegment(0xed, photoshopIptc()),
    jpegSegment(0xfe, Buffer.from(IDENTITY.comment, "latin1")),
  ]);
}

/** A PNG with eXIf (GPS, orientation 6), an iTXt XMP packet and tEXt author/comment chunks. */
export async function cameraPng(): Promise<Buffer> {
  const picture = await raw(96, 64).png().toBuffer();
  const ihdrEnd = 8 + 12 + 13;
  const itxt = Buffer.concat([Buffer.from("XML:com.adobe.xmp\0\0\0\0\0", "latin1"), xmpPacket()]);
  return Buffer.concat([
    picture.subarray(0, ihdrEnd),
    pngChunk("eXIf", exifBlock()),
    pngChunk("iTXt", itxt),
    pngChunk("tEXt", Buffer.from(`Author\0${IDENTITY.owner}`, "latin1")),
    pngChunk("tEXt", Buffer.from(`Comment\0${IDENTITY.comment}`, "latin1")),
    picture.subarray(ihdrEnd),
  ]);
}

function riffChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length % 2)]);
}

/** An extended WebP (VP8X) with EXIF and XMP chunks around a lossy VP8 picture. */
export async function cameraWebp(): Promise<Buffer> {
  const width = 96;
  const height = 64;
  const simple = await raw(width, height).webp({ quality: 80 }).toBuffer();
  const image = simple.subarray(12); // the VP8 chunk
  const vp8x = Buffer.alloc(10);
  vp8x[0] = 0x08 | 0x04; // EXIF and XMP present
  vp8x.writeUIntLE(width - 1, 4, 3);
  vp8x.writeUIntLE(height - 1, 7, 3);
  const body = Buffer.concat([
    Buffer.from("WEBP", "latin1"),
    riffChunk("VP8X", vp8x),
    image,
    riffChunk("EXIF", exifBlock()),
    riffChunk("XMP ", xmpPacket()),
  ]);
  const header = Buffer.alloc(8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** A GIF with a comment extension and an XMP application extension (with its "magic trailer"). */
export async function cameraGif(): Promise<Buffer> {
  const picture = await raw(32, 24).gif().toBuffer();
  const comment = Buffer.concat([
    Buffer.from([0x21, 0xfe, IDENTITY.comment.length]),
    Buffer.from(IDENTITY.comment, "latin1"),
    Buffer.from([0]),
  ]);
  const ramp = Buffer.from([1, ...Array.from({ length: 256 }, (_, i) => 255 - i), 0]);
  const xmp = Buffer.concat([
    Buffer.from([0x21, 0xff, 11]),
    Buffer.from("XMP DataXMP", "latin1"),
    xmpPacket(),
    ramp,
  ]);
  // Before the trailer byte (0x3B).
  return Buffer.concat([
    picture.subarray(0, picture.length - 1),
    comment,
    xmp,
    picture.subarray(picture.length - 1),
  ]);
}

// ---------------------------------------------------------------------------------------
// ISO boxes: HEIC and MP4/MOV

export function box(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, body]);
}

const fullBox = (type: string, version: number, flags: number, ...payload: Buffer[]) => {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE((version << 24) | flags);
  return box(type, vf, ...payload);
};

const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const cstring = (text: string) => Buffer.from(`${text}\0`, "utf8");

/** Finds a box by path (e.g. ["meta", "iprp", "ipco", "hvcC"]); `full` names full boxes. */
export function findBox(
  data: Buffer,
  path: string[],
  start = 0,
  end = data.length,
): Buffer | undefined {
  const full = new Set(["meta", "iinf", "iloc", "stsd"]);
  const [first, ...rest] = path;
  for (let at = start; at + 8 <= end; ) {
    const size = data.readUInt32BE(at);
    const type = data.toString("latin1", at + 4, at + 8);
    if (size < 8) return undefined;
    if (type === first) {
      if (rest.length === 0) return data.subarray(at, at + size);
      return findBox(data, rest, at + 8 + (full.has(type) ? 4 : 0), at + size);
    }
    at += size;
  }
  return undefined;
}

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

/** The coded HEVC picture of the shipped fixture: its hvcC and its bytes in mdat. */
function hevcPicture(): { hvcC: Buffer; data: Buffer; width: number; height: number } {
  const file = fixture("pixels-96x64.heic");
  const hvcC = findBox(file, ["meta", "iprp", "ipco", "hvcC"]);
  const iloc = findBox(file, ["meta", "iloc"]);
  if (!hvcC || !iloc) throw new Error("pixels-96x64.heic: no hvcC or iloc");
  // iloc: version/flags, field sizes, item count, then the items (libheif writes item 1 first).
  const version = iloc[8] ?? 0;
  let at = 12;
  const read = (size: number) => {
    const value = size === 0 ? 0 : iloc.readUIntBE(at, size);
    at += size;
    return value;
  };
  const sizes = read(1);
  const baseAndIndex = read(1);
  read(version < 2 ? 2 : 4); // item count
  read(version < 2 ? 2 : 4); // item ID
  if (version >= 1) read(2); // construction method
  read(2); // data reference index
  const base = read(baseAndIndex >> 4);
  read(2); // extent count (1)
  if (version >= 1) read(baseAndIndex & 15); // extent index
  const offset = base + read(sizes >> 4);
  const length = read(sizes & 15);
  return { hvcC, data: file.subarray(offset, offset + length), width: 96, height: 64 };
}

export interface HeicOptions {
  /** irot angle in anti-clockwise quarter turns; 3 displays like EXIF orientation 6. */
  rotation?: number;
  exif?: boolean;
  xmp?: boolean;
  /** The TIFF block of the Exif item, instead of the usual one. */
  exifBlock?: Buffer;
  /** Data located in iloc (item 9) but declared by no item in iinf. */
  undeclared?: Buffer;
  /** An auxiliary image (item 4) as Apple stores an HDR gain map: auxC urn, auxl reference. */
  gainMap?: boolean;
}

export const APPLE_GAIN_MAP_URN = "urn:com:apple:photo:2020:aux:hdrgainmap";

/**
 * A HEIC as a phone writes it: one HEVC image item, an Exif item (orientation 6, GPS, serials,
 * thumbnail with GPS) and an XMP item, both described by the image (cdsc), irot for display.
 */
export function cameraHeic(options: HeicOptions = {}): Buffer {
  const { rotation = 3, exif = true, xmp = true } = options;
  const picture = hevcPicture();
  // A thumbnail that is only SOI, its own EXIF (with GPS) and EOI: enough for EXIF readers.
  const thumbnailExif = Buffer.concat([
    Buffer.from("Exif\0\0", "latin1"),
    exifBlock({ latitude: PLACE.thumbnailLatitude, identity: false }),
  ]);
  const thumbnail = Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe1, thumbnailExif),
    Buffer.from([0xff, 0xd9]),
  ]);
  const exifPayload = Buffer.concat([
    u32(6),
    Buffer.from("Exif\0\0", "latin1"),
    options.exifBlock ?? exifBlock({ thumbnail }),
  ]);
  const xmpPayload = xmpPacket();
  const items = [
    { id: 1, data: picture.data },
    ...(exif ? [{ id: 2, data: exifPayload }] : []),
    ...(xmp ? [{ id: 3, data: xmpPayload }] : []),
    ...(options.gainMap ? [{ id: 4, data: Buffer.from(picture.data) }] : []),
    ...(options.undeclared ? [{ id: 9, data: options.undeclared }] : []),
  ];
  const declared = items.filter((item) => item.id !== 9).length;

  const infe = (id: number, type: string, extra: Buffer = Buffer.alloc(0)) =>
    fullBox("infe", 2, 0, u16(id), u16(0), Buffer.from(type, "latin1"), cstring(""), extra);
  const iinf = fullBox(
    "iinf",
    0,
    0,
    u16(declared),
    infe(1, "hvc1"),
    ...(exif ? [infe(2, "Exif")] : []),
    ...(xmp ? [infe(3, "mime", cstring("application/rdf+xml"))] : []),
    ...(options.gainMap ? [infe(4, "hvc1")] : []),
  );
  const ispe = fullBox("ispe", 0, 0, u32(picture.width), u32(picture.height));
  const irot = box("irot", Buffer.from([rotation & 3]));
  const ipco = box(
    "ipco",
    box("hvcC", picture.hvcC.subarray(8)),
    ispe,
    ...(rotation ? [irot] : []),
    ...(options.gainMap ? [fullBox("auxC", 0, 0, cstring(APPLE_GAIN_MAP_URN))] : []),
  );
  const associations = rotation ? [0x81, 0x02, 0x83] : [0x81, 0x02];
  const auxC = rotation ? 4 : 3; // its 1-based index in ipco
  const ipma = fullBox(
    "ipma",
    0,
    0,
    u32(options.gainMap ? 2 : 1),
    u16(1),
    Buffer.from([associations.length, ...associations]),
    ...(options.gainMap ? [u16(4), Buffer.from([3, 0x81, 0x02, 0x80 | auxC])] : []),
  );
  const references = [
    ...[...(exif ? [2] : []), ...(xmp ? [3] : [])].map((from) =>
      box("cdsc", u16(from), u16(1), u16(1)),
    ),
    ...(options.gainMap ? [box("auxl", u16(4), u16(1), u16(1))] : []),
  ];
  const iref = fullBox("iref", 0, 0, ...references);
  const hdlr = fullBox(
    "hdlr",
    0,
    0,
    u32(0),
    Buffer.from("pict", "latin1"),
    Buffer.alloc(12),
    cstring(""),
  );
  const pitm = fullBox("pitm", 0, 0, u16(1));
  const ftyp = box(
    "ftyp",
    Buffer.from("heic", "latin1"),
    u32(0),
    Buffer.from("mif1heicmiaf", "latin1"),
  );

  const iloc = (offsets: number[]) =>
    fullBox(
      "iloc",
      0,
      0,
      Buffer.from([0x44, 0x00]),
      u16(items.length),
      ...items.map((item, index) =>
        Buffer.concat([
          u16(item.id),
          u16(0),
          u16(1),
          u32(offsets[index] ?? 0),
          u32(item.data.length),
        ]),
      ),
    );
  const meta = (offsets: number[]) =>
    fullBox(
      "meta",
      0,
      0,
      hdlr,
      pitm,
      iloc(offsets),
      iinf,
      ...(references.length ? [iref] : []),
      box("iprp", ipco, ipma),
    );
  const before = ftyp.length + meta([]).length + 8;
  const offsets: number[] = [];
  let at = before;
  for (const item of items) {
    offsets.push(at);
    at += item.data.length;
  }
  return Buffer.concat([ftyp, meta(offsets), box("mdat", ...items.map((item) => item.data))]);
}

export interface VideoOptions {
  quicktime?: boolean;
  location?: boolean;
  /** A GoPro-style GPS track (gpmd) that cannot be removed in place. */
  gpsTrack?: boolean;
  /** Bytes of (random) media data. */
  mediaBytes?: number;
}

/** What a phone writes about itself and the time into a video's user data, besides IDENTITY. */
export const VIDEO_DEVICE = {
  software: "PhonecamOS 17.5.1",
  date: "2024-05-01T10:20:30+0200",
} as const;

/** 2024-05-01T08:20:30Z in QuickTime's clock (seconds since 1904-01-01 UTC). */
export const VIDEO_TAKEN_SECONDS = Date.UTC(2024, 4, 1, 8, 20, 30) / 1000 + 2_082_844_800;

/**
 * A movie whose movie (mvhd, version 0), track (tkhd, version 1) and media (mdhd, version 0)
 * headers say when it was taken, as cameras write them; no user data.
 */
export function videoWithHeaderTimes(): Buffer {
  const times0 = Buffer.alloc(8);
  times0.writeUInt32BE(VIDEO_TAKEN_SECONDS, 0);
  times0.writeUInt32BE(VIDEO_TAKEN_SECONDS + 5, 4);
  const times1 = Buffer.alloc(16);
  times1.writeBigUInt64BE(BigInt(VIDEO_TAKEN_SECONDS), 0);
  times1.writeBigUInt64BE(BigInt(VIDEO_TAKEN_SECONDS + 5), 8);
  const mvhd = fullBox("mvhd", 0, 0, times0, Buffer.alloc(88));
  const tkhd = fullBox("tkhd", 1, 3, times1, Buffer.alloc(76));
  const mdhd = fullBox("mdhd", 0, 0, times0, Buffer.alloc(12));
  const ftyp = box(
    "ftyp",
    Buffer.from("isom", "latin1"),
    u32(0x200),
    Buffer.from("isom", "latin1"),
  );
  const moov = box("moov", mvhd, box("trak", tkhd, box("mdia", mdhd)));
  return Buffer.concat([ftyp, moov, box("mdat", Buffer.alloc(64, 7))]);
}

/**
 * An MP4 (or QuickTime MOV) with location as phones write it: udta/©xyz (Android, ISO 6709)
 * and an mdta meta box with com.apple.quicktime.location.ISO6709 (iPhone), plus make, model,
 * software and creation date both ways (udta ©mak/©mod/©swr/©day, QuickTime keys).
 * The media data is random: the file is structurally valid, not playable.
 */
export function cameraVideo(options: VideoOptions = {}): Buffer {
  const { quicktime = false, location = true, gpsTrack = false, mediaBytes = 4096 } = options;
  const ftyp = quicktime
    ? box("ftyp", Buffer.from("qt  ", "latin1"), u32(0x200), Buffer.from("qt  ", "latin1"))
    : box("ftyp", Buffer.from("isom", "latin1"), u32(0x200), Buffer.from("isomiso2mp41", "latin1"));
  const mvhd = fullBox("mvhd", 0, 0, Buffer.alloc(96));
  const xyzText = Buffer.from(PLACE.iso6709, "latin1");
  const xyz = box("©xyz", u16(xyzText.length), u16(0x15c7), xyzText);
  const text = (type: string, value: string) =>
    box(type, u16(Buffer.byteLength(value)), u16(0), Buffer.from(value));
  const udta = box(
    "udta",
    ...(location ? [xyz] : []),
    text("©mak", IDENTITY.make),
    text("©mod", IDENTITY.model),
    text("©swr", VIDEO_DEVICE.software),
    text("©day", VIDEO_DEVICE.date),
  );
  const key = (name: string) => {
    const text = Buffer.from(name, "utf8");
    return Buffer.concat([u32(8 + text.length), Buffer.from("mdta", "latin1"), text]);
  };
  const keyNames = [
    ...(location ? ["com.apple.quicktime.location.ISO6709"] : []),
    "com.apple.quicktime.make",
    "com.apple.quicktime.model",
    "com.apple.quicktime.software",
    "com.apple.quicktime.creationdate",
  ];
  const values = [
    ...(location ? [PLACE.iso6709] : []),
    IDENTITY.make,
    IDENTITY.model,
    VIDEO_DEVICE.software,
    VIDEO_DEVICE.date,
  ];
  const keys = fullBox("keys", 0, 0, u32(keyNames.length), ...keyNames.map(key));
  const ilst = box(
    "ilst",
    ...values.map((value, index) => {
      const item = box("data", u32(1), u32(0), Buffer.from(value, "utf8"));
      const header = Buffer.alloc(8);
      header.writeUInt32BE(8 + item.length, 0);
      header.writeUInt32BE(index + 1, 4);
      return Buffer.concat([header, item]);
    }),
  );
  const hdlr = fullBox(
    "hdlr",
    0,
    0,
    u32(0),
    Buffer.from("mdta", "latin1"),
    Buffer.alloc(12),
    Buffer.from([0]),
  );
  const meta = box("meta", hdlr, keys, ilst); // QuickTime style: no version/flags
  const traks = gpsTrack
    ? [
        box(
          "trak",
          box(
            "mdia",
            fullBox(
              "hdlr",
              0,
              0,
              u32(0),
              Buffer.from("meta", "latin1"),
              Buffer.alloc(12),
              Buffer.from([0]),
            ),
            box("minf", box("stbl", fullBox("stsd", 0, 0, u32(1), box("gpmd", Buffer.alloc(8))))),
          ),
        ),
      ]
    : [];
  const moov = box("moov", mvhd, ...traks, udta, meta);
  const mdat = box("mdat", randomBytes(mediaBytes));
  return Buffer.concat([ftyp, moov, mdat]);
}
