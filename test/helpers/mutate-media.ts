/**
 * Structural mutations of valid camera files, for the property tests of metadata removal:
 * rename chunks/segments/boxes, insert unknown ones (holding GPS EXIF, XMP, ISO 6709 text or a
 * whole camera JPEG), duplicate, truncate, flip header bytes, corrupt size fields, and EXIF
 * blocks with the GPS pointer in other IFDs, IFD loops and oversized counts. Written apart
 * from src/media so the tests don't check the code with itself.
 */
import fc from "fast-check";
import { box, PLACE, tiff, xmpPacket } from "./camera.ts";
import { pngChunk } from "./media.ts";

export type Format = "jpeg" | "png" | "webp" | "heic" | "mp4";

/** A structural unit of a file: where it starts and ends, its type and size fields. */
interface Item {
  start: number;
  end: number;
  typeAt: number;
  typeLength: number;
  sizeAt: number;
  sizeLength: number;
  littleEndian: boolean;
  /** ISO boxes enclosing this one, whose 32-bit sizes grow when something is inserted. */
  parents: number[];
}

function items(format: Format, data: Buffer): Item[] {
  const out: Item[] = [];
  if (format === "jpeg") {
    for (let at = 2; at + 4 <= data.length && data[at] === 0xff; ) {
      const marker = data[at + 1] ?? 0;
      const end = at + 2 + data.readUInt16BE(at + 2);
      out.push({
        start: at,
        end,
        typeAt: at + 1,
        typeLength: 1,
        sizeAt: at + 2,
        sizeLength: 2,
        littleEndian: false,
        parents: [],
      });
      if (marker === 0xda) break;
      at = end;
    }
  } else if (format === "png") {
    for (let at = 8; at + 12 <= data.length; ) {
      const end = at + 12 + data.readUInt32BE(at);
      out.push({
        start: at,
        end,
        typeAt: at + 4,
        typeLength: 4,
        sizeAt: at,
        sizeLength: 4,
        littleEndian: false,
        parents: [],
      });
      at = end;
    }
  } else if (format === "webp") {
    for (let at = 12; at + 8 <= data.length; ) {
      const size = data.readUInt32LE(at + 4);
      const end = at + 8 + size + (size & 1);
      out.push({
        start: at,
        end,
        typeAt: at,
        typeLength: 4,
        sizeAt: at + 4,
        sizeLength: 4,
        littleEndian: true,
        parents: [],
      });
      at = end;
    }
  } else {
    const walk = (from: number, to: number, parents: number[]) => {
      for (let at = from; at + 8 <= to; ) {
        const size = data.readUInt32BE(at);
        if (size < 8 || at + size > to) break;
        const type = data.toString("latin1", at + 4, at + 8);
        out.push({
          start: at,
          end: at + size,
          typeAt: at + 4,
          typeLength: 4,
          sizeAt: at,
          sizeLength: 4,
          littleEndian: false,
          parents,
        });
        if (["moov", "udta", "trak", "mdia", "minf", "stbl", "iprp", "ipco"].includes(type))
          walk(at + 8, at + size, [...parents, at]);
        if (type === "meta") walk(at + 12, at + size, [...parents, at]);
        if (type === "iinf") walk(at + 14, at + size, [...parents, at]);
        at += size;
      }
    };
    walk(0, data.length, []);
  }
  return out;
}

/** What an inserted structure carries. */
export type Content =
  | { kind: "exif"; layout: number; loop: boolean; oversize: boolean; littleEndian: boolean }
  | { kind: "xmp"; utf16: boolean }
  | { kind: "iso6709" }
  | { kind: "nested" }
  | { kind: "random"; bytes: Uint8Array };

export type Mutation =
  | { op: "rename"; item: number; name: number; random: Uint8Array }
  | { op: "insert"; item: number; name: number; content: Content; prefix: number }
  | { op: "duplicate"; item: number }
  | { op: "truncate"; at: number }
  | { op: "flip"; item: number; offset: number; value: number }
  | { op: "size"; item: number; value: number };

const JPEG_MARKERS = [0xe0, 0xe1, 0xe2, 0xe5, 0xeb, 0xed, 0xef, 0xfe];
const JPEG_PREFIXES = [
  "Exif\0\0",
  "http://ns.adobe.com/xap/1.0/\0",
  "",
  "ICC_PROFILE\0\x01\x01",
  "MPF\0",
  "JFIF\0",
  "Photoshop 3.0\0",
];
const PNG_NAMES = [
  "eXIf",
  "exIf",
  "EXIF",
  "Exif",
  "zxIf",
  "tXMP",
  "tEXt",
  "zTXt",
  "iTXt",
  "caBX",
  "abCd",
  "tIME",
  "iDOT",
  "IDAT",
];
const WEBP_NAMES = ["EXIF", "XMP ", "XMP\0", "_PMX", "ICCP", "ABCD", "exif", "VP8X", "ALPH"];
const ISO_NAMES = [
  "free",
  "udta",
  "meta",
  "sefd",
  "mpvd",
  "\xa9xyz",
  "@xyz",
  "loci",
  "Exif",
  "XMP_",
  "abcd",
  "uuid",
  "skip",
  "mdat",
];

const PIXEL_PLACE: [number, number][] = [
  [48, 1],
  [51, 1],
  [2960, 100],
];

/**
 * An EXIF block with GPS, the pointer placed in IFD0 (0), the Exif IFD (1), the Interop IFD
 * (2) or IFD1 (3); optionally with a loop back to IFD0 and an entry count far beyond the data.
 */
export function gpsExif(content: Extract<Content, { kind: "exif" }>): Buffer {
  const gps = {
    ifd: {
      entries: [
        [1, { ascii: "N" }],
        [2, { rational: PIXEL_PLACE }],
        [3, { ascii: "E" }],
        [4, { rational: PIXEL_PLACE }],
      ],
    },
  } as const;
  type Ifd = Parameters<typeof tiff>[0];
  const orientation: Ifd["entries"][number] = [0x0112, { short: [6] }];
  const layouts: Ifd[] = [
    { entries: [orientation, [0x8825, gps as never]] },
    { entries: [orientation, [0x8769, { ifd: { entries: [[0x8825, gps as never]] } }]] },
    {
      entries: [
        orientation,
        [0x8769, { ifd: { entries: [[0xa005, { ifd: { entries: [[0x8825, gps as never]] } }]] } }],
      ],
    },
    { entries: [orientation], next: { entries: [[0x8825, gps as never]] } },
  ];
  const block = Buffer.from(
    tiff(layouts[content.layout % layouts.length] as Ifd, content.littleEndian),
  );
  const w16 = (value: number, at: number) =>
    content.littleEndian ? block.writeUInt16LE(value, at) : block.writeUInt16BE(value, at);
  const w32 = (value: number, at: number) =>
    content.littleEndian ? block.writeUInt32LE(value, at) : block.writeUInt32BE(value, at);
  const count = content.littleEndian ? block.readUInt16LE(8) : block.readUInt16BE(8);
  if (content.loop) w32(8, 8 + 2 + count * 12); // IFD0's next IFD is IFD0
  if (content.oversize) {
    w16(0xffff, 8); // far more entries than the block holds
    w32(0x7fffffff, 8 + 2 + 4); // and a value count to match
  }
  return block;
}

function contentBytes(content: Content, nested: Buffer): Buffer {
  switch (content.kind) {
    case "exif":
      return gpsExif(content);
    case "xmp":
      return content.utf16 ? Buffer.from(xmpPacket().toString("utf8"), "utf16le") : xmpPacket();
    case "iso6709":
      return Buffer.concat([
        Buffer.from([0, 26, 0x15, 0xc7]),
        Buffer.from(PLACE.iso6709, "latin1"),
      ]);
    case "nested":
      return nested;
    case "random":
      return Buffer.from(content.bytes);
  }
}

function structure(
  format: Format,
  mutation: Extract<Mutation, { op: "insert" }>,
  nested: Buffer,
): Buffer {
  const payload = contentBytes(mutation.content, nested);
  if (format === "jpeg") {
    const marker = JPEG_MARKERS[mutation.name % JPEG_MARKERS.length] ?? 0xe1;
    const prefix = Buffer.from(
      JPEG_PREFIXES[mutation.prefix % JPEG_PREFIXES.length] ?? "",
      "latin1",
    );
    const body = Buffer.concat([prefix, payload]).subarray(0, 65533);
    const header = Buffer.from([0xff, marker, 0, 0]);
    header.writeUInt16BE(body.length + 2, 2);
    return Buffer.concat([header, body]);
  }
  if (format === "png") {
    const name = PNG_NAMES[mutation.name % PNG_NAMES.length] ?? "abCd";
    if (name === "tEXt" && mutation.prefix % 2 === 0) {
      const hex = payload.toString("hex");
      return pngChunk(
        name,
        Buffer.from(`Raw profile type exif\0\nexif\n${payload.length}\n${hex}`, "latin1"),
      );
    }
    return pngChunk(name, payload);
  }
  if (format === "webp") {
    const name = WEBP_NAMES[mutation.name % WEBP_NAMES.length] ?? "ABCD";
    const header = Buffer.alloc(8);
    header.write(name, 0, "latin1");
    header.writeUInt32LE(payload.length, 4);
    return Buffer.concat([header, payload, Buffer.alloc(payload.length % 2)]);
  }
  const name = ISO_NAMES[mutation.name % ISO_NAMES.length] ?? "abcd";
  return box(
    name,
    name === "uuid" ? Buffer.from("be7acfcb97a942e89c71999491e3afac", "hex") : Buffer.alloc(0),
    payload,
  );
}

/** Applies one mutation; the result may be anything from valid to nonsense. */
export function mutate(format: Format, data: Buffer, mutation: Mutation, nested: Buffer): Buffer {
  const list = items(format, data);
  const pick = (index: number) => list[index % Math.max(1, list.length)];
  switch (mutation.op) {
    case "truncate":
      return data.subarray(0, mutation.at % Math.max(1, data.length));
    case "flip": {
      const item = pick(mutation.item);
      const at = (item?.start ?? 0) + (mutation.offset % 16);
      if (at >= data.length) return data;
      const out = Buffer.from(data);
      out[at] = mutation.value;
      return out;
    }
    case "size": {
      const item = pick(mutation.item);
      if (!item) return data;
      const out = Buffer.from(data);
      const value = mutation.value % 2 ** (8 * item.sizeLength);
      if (item.sizeLength === 2) out.writeUInt16BE(value, item.sizeAt);
      else if (item.littleEndian) out.writeUInt32LE(value, item.sizeAt);
      else out.writeUInt32BE(value, item.sizeAt);
      return out;
    }
    case "rename": {
      const item = pick(mutation.item);
      if (!item) return data;
      const out = Buffer.from(data);
      if (format === "jpeg") {
        out[item.typeAt] =
          mutation.name % 3 === 0
            ? (mutation.random[0] ?? 0xe0)
            : (JPEG_MARKERS[mutation.name % JPEG_MARKERS.length] ?? 0xe1);
      } else {
        const names = format === "png" ? PNG_NAMES : format === "webp" ? WEBP_NAMES : ISO_NAMES;
        const name =
          mutation.name % 3 === 0
            ? Buffer.from(mutation.random.subarray(0, 4))
            : Buffer.from(names[mutation.name % names.length] ?? "abcd", "latin1");
        name.copy(out, item.typeAt, 0, Math.min(4, name.length));
      }
      return out;
    }
    case "duplicate":
    case "insert": {
      const item = pick(mutation.item);
      const added =
        mutation.op === "duplicate"
          ? item
            ? data.subarray(item.start, item.end)
            : Buffer.alloc(0)
          : structure(format, mutation, nested);
      // Insert before the item, or at the end of the file when there is none.
      const at = item ? item.start : data.length;
      const out = Buffer.concat([data.subarray(0, at), added, data.subarray(at)]);
      for (const parent of item?.parents ?? [])
        out.writeUInt32BE(out.readUInt32BE(parent) + added.length, parent);
      if (format === "webp" && out.length >= 12) out.writeUInt32LE(out.length - 8, 4);
      return out;
    }
  }
}

const content: fc.Arbitrary<Content> = fc.oneof(
  fc.record({
    kind: fc.constant("exif" as const),
    layout: fc.nat(3),
    loop: fc.boolean(),
    oversize: fc.boolean(),
    littleEndian: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("xmp" as const), utf16: fc.boolean() }),
  fc.record({ kind: fc.constant("iso6709" as const) }),
  fc.record({ kind: fc.constant("nested" as const) }),
  fc.record({ kind: fc.constant("random" as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
);

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant("rename" as const),
      item: fc.nat(),
      name: fc.nat(),
      random: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("insert" as const),
      item: fc.nat(),
      name: fc.nat(),
      content,
      prefix: fc.nat(),
    }),
    weight: 4,
  },
  { arbitrary: fc.record({ op: fc.constant("duplicate" as const), item: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant("flip" as const),
      item: fc.nat(),
      offset: fc.nat(),
      value: fc.nat(255),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      op: fc.constant("size" as const),
      item: fc.nat(),
      value: fc.oneof(fc.constantFrom(0, 1, 7, 8, 0xffff, 0xffffffff), fc.nat()),
    }),
    weight: 2,
  },
);
