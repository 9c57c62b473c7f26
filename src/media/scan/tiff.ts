// TIFF / EXIF blocks: every IFD reachable, allowed tags kept, the rest findings.
import { ascii, type Category, type Report, type ScanReport } from "./report.ts";

const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];

/**
 * Tags that only describe how to show the picture: orientation, resolution, colour, size and
 * the version fields the EXIF standard requires. Nothing else in an EXIF block passes the gate.
 */
const TIFF_ALLOWED = new Set([
  0x0100, 0x0101, 0x0102, 0x0103, 0x0106, 0x0112, 0x0115, 0x011a, 0x011b, 0x0128, 0x013e, 0x013f,
  0x0211, 0x0212, 0x0213, 0x8773, 0x9000, 0x9101, 0xa000, 0xa001, 0xa002, 0xa003, 0xa500,
]);
/** The interoperability IFD's own tags (its numbers collide with GPS tags, hence apart). */
const INTEROP_ALLOWED = new Set([0x0001, 0x0002, 0x1000, 0x1001, 0x1002]);

const POINTERS = { exif: 0x8769, gps: 0x8825, interop: 0xa005, subIfds: 0x014a } as const;

/** Names and categories of the tags a user should hear about. */
const TIFF_TAGS: Record<number, [Category, string]> = {
  271: ["device", "camera make"],
  272: ["device", "camera model"],
  42033: ["device", "camera serial number"],
  50735: ["device", "camera serial number"],
  42037: ["device", "lens serial number"],
  42035: ["device", "lens make"],
  42036: ["device", "lens model"],
  42016: ["device", "unique image ID"],
  37500: ["device", "maker notes"],
  315: ["people", "artist"],
  42032: ["people", "camera owner name"],
  33432: ["people", "copyright"],
  40093: ["people", "author (Windows)"],
  306: ["dates", "date and time modified"],
  36867: ["dates", "date and time taken"],
  36868: ["dates", "date and time digitised"],
  36880: ["dates", "time zone"],
  36881: ["dates", "time zone (taken)"],
  36882: ["dates", "time zone (digitised)"],
  305: ["software", "software"],
  11: ["software", "processing software"],
  270: ["text", "image description"],
  37510: ["text", "user comment"],
  40091: ["text", "title (Windows)"],
  40092: ["text", "comment (Windows)"],
  40094: ["text", "keywords (Windows)"],
  40095: ["text", "subject (Windows)"],
  700: ["other", "XMP inside EXIF"],
  33723: ["other", "IPTC inside EXIF"],
  513: ["embedded", "embedded thumbnail"],
  330: ["embedded", "embedded preview images"],
};

const GPS_TAGS: Record<number, string> = {
  0: "GPS version",
  1: "GPS latitude reference",
  2: "GPS latitude",
  3: "GPS longitude reference",
  4: "GPS longitude",
  5: "GPS altitude reference",
  6: "GPS altitude",
  7: "GPS time",
  29: "GPS date",
  17: "GPS image direction",
  18: "GPS map datum",
  19: "GPS destination latitude reference",
  20: "GPS destination latitude",
  21: "GPS destination longitude reference",
  22: "GPS destination longitude",
  27: "GPS processing method",
  28: "GPS area information",
};

type IfdKind = "IFD0" | "IFD1" | "Exif IFD" | "GPS IFD" | "Interop IFD" | "SubIFD";

/**
 * Judges an EXIF block (starting at the byte-order mark): every IFD reachable from it, with
 * GPS, Exif, Interop and SubIFD pointers followed wherever they stand, loops and overlong
 * tables bounded. Allowed tags are recorded as kept; everything else is a finding.
 */
export function checkTiff(tiff: Buffer, where: string, report: Report): void {
  const block = tiffOrder(tiff);
  if (!block) {
    report.find("structure", "an EXIF block that can't be read", where);
    return;
  }
  const { le, u16, u32 } = block;
  const visited = new Set<number>();
  const gps: GpsValues = { parts: {}, denominator: 1 };
  const queue: [number, IfdKind][] = [[u32(4), "IFD0"]];
  while (queue.length > 0) {
    const [offset, kind] = queue.shift() as [number, IfdKind];
    if (offset === 0) continue;
    const problem = ifdProblem(tiff, offset, kind, visited, u16);
    if (problem) {
      report.find("structure", problem, where);
      continue;
    }
    const count = u16(offset);
    if (kind === "IFD1" && count > 0)
      report.find("embedded", "embedded thumbnail", `${where} IFD1`);
    for (let index = 0; index < count; index++) {
      const entry = offset + 2 + index * 12;
      const tag = u16(entry);
      const type = u16(entry + 2);
      const valueCount = u32(entry + 4);
      const size = (TYPE_SIZES[type] ?? 1) * valueCount;
      const valueAt = size <= 4 ? entry + 8 : u32(entry + 8);
      const value = valueAt + size <= tiff.length ? tiff.subarray(valueAt, valueAt + size) : null;
      const place = `${where} ${kind}`;
      // Pointers are structure, followed from any table (a GPS pointer hidden in the Exif or
      // Interop IFD is still GPS): the table they point at is judged on its own.
      if (tag === POINTERS.gps) {
        report.find("location", "GPS data", place);
        queue.push([u32(entry + 8), "GPS IFD"]);
        continue;
      }
      if (tag === POINTERS.exif) {
        queue.push([u32(entry + 8), "Exif IFD"]);
        continue;
      }
      if (tag === POINTERS.interop) {
        queue.push([u32(entry + 8), "Interop IFD"]);
        continue;
      }
      if (kind === "GPS IFD") {
        gpsEntry(gps, { tag, type, valueCount, value }, le);
        report.find(
          "location",
          gpsTagName(tag),
          place,
          value && type === 2 ? ascii(value) : undefined,
        );
        continue;
      }
      if (kind === "Interop IFD" ? INTEROP_ALLOWED.has(tag) : TIFF_ALLOWED.has(tag)) {
        if (tag === 0x0112 && type === 3) report.keep(`orientation ${u16(entry + 8)}`, place);
        continue;
      }
      if (kind === "IFD1" && (tag === 0x0201 || tag === 0x0202)) continue;
      if (tag === POINTERS.subIfds && value) {
        for (let n = 0; n < valueCount && n < 8; n++) {
          queue.push([le ? value.readUInt32LE(n * 4) : value.readUInt32BE(n * 4), "SubIFD"]);
        }
      }
      const [category, name] = TIFF_TAGS[tag] ?? ["other", `EXIF tag 0x${tag.toString(16)}`];
      const windows = tag >= 0x9c9b && tag <= 0x9c9f;
      const text = value && (type === 2 || windows) ? ascii(value, windows) : undefined;
      report.find(category, name, place, tag === 0x927c ? undefined : text);
    }
    if (kind === "IFD0" || kind === "IFD1") {
      const next = u32(offset + 2 + count * 12 <= tiff.length - 4 ? offset + 2 + count * 12 : 0);
      if (next !== 0 && offset + 2 + count * 12 + 4 <= tiff.length) queue.push([next, "IFD1"]);
    }
  }
  report.coordinates ??= coordinatesOf(gps);
}

/** Readers of a TIFF block in its byte order; undefined when it has no TIFF header. */
function tiffOrder(tiff: Buffer) {
  const order = tiff.toString("latin1", 0, 2);
  if (tiff.length < 8 || (order !== "II" && order !== "MM")) return undefined;
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  return u16(2) === 42 ? { le, u16, u32 } : undefined;
}

/** What is wrong with the IFD at `offset` (marking it visited), or undefined. */
function ifdProblem(
  tiff: Buffer,
  offset: number,
  kind: IfdKind,
  visited: Set<number>,
  u16: (at: number) => number,
): string | undefined {
  if (visited.has(offset) || visited.size >= 32) {
    return "EXIF tables that point at each other in a loop";
  }
  visited.add(offset);
  if (offset + 2 > tiff.length) return `an EXIF ${kind} outside the block`;
  if (offset + 2 + u16(offset) * 12 > tiff.length) return `an EXIF ${kind} cut short`;
  return undefined;
}

/** What the GPS IFD says of the position: references, rational parts, finest denominator. */
interface GpsValues {
  parts: Record<number, number[] | string>;
  denominator: number;
}

const gpsTagName = (tag: number) => GPS_TAGS[tag] ?? `GPS tag 0x${tag.toString(16)}`;

/** Keeps a GPS IFD entry that says where: latitude/longitude and their references. */
function gpsEntry(
  gps: GpsValues,
  entry: { tag: number; type: number; valueCount: number; value: Buffer | null },
  le: boolean,
): void {
  const { tag, type, valueCount, value } = entry;
  if (value && (type === 5 || type === 10) && (tag === 2 || tag === 4)) {
    const parts = rationals(value, le, valueCount);
    gps.parts[tag] = parts.map(([n, d]) => (d ? n / d : 0));
    const last = parts[parts.length - 1];
    if (last) gps.denominator = Math.max(gps.denominator, last[1]);
  } else if (value && type === 2 && (tag === 1 || tag === 3)) {
    gps.parts[tag] = value.toString("latin1").replace(/\0.*$/s, "");
  }
}

/** Decimal coordinates when the GPS IFD held a readable latitude and longitude. */
function coordinatesOf(gps: GpsValues): ScanReport["coordinates"] {
  const lat = gps.parts[2];
  const lon = gps.parts[4];
  if (!Array.isArray(lat) || !Array.isArray(lon)) return undefined;
  const degrees = (parts: number[]) =>
    (parts[0] ?? 0) + (parts[1] ?? 0) / 60 + (parts[2] ?? 0) / 3600;
  const sign = (ref: unknown, negative: string) => (ref === negative ? -1 : 1);
  const unit = lat.length >= 3 ? 3600 : lat.length === 2 ? 60 : 1;
  return {
    latitude: sign(gps.parts[1], "S") * degrees(lat),
    longitude: sign(gps.parts[3], "W") * degrees(lon),
    precisionMetres: Math.max(0.01, 111_000 / unit / gps.denominator),
  };
}

function rationals(value: Buffer, le: boolean, count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let n = 0; n < count && n * 8 + 8 <= value.length; n++) {
    const read = (at: number) => (le ? value.readUInt32LE(at) : value.readUInt32BE(at));
    out.push([read(n * 8), read(n * 8 + 4)]);
  }
  return out;
}
