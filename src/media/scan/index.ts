/**
 * The second gate (DESIGN.md §3): an independent checker of what a file tells about its sender.
 *
 * It knows nothing of the stripper in ./strip: it reads the file as any reader would and
 * reports every piece of metadata that is not on a short allow-list of things needed to show
 * the picture the same way (ICC profiles, orientation-only EXIF, the HDR gain-map XMP and
 * multi-picture index, empty or blanked structures). Run on a prepared copy, any finding means
 * the stripper missed something and the copy is refused; run on an original, the findings are
 * what `dmshare inspect` shows.
 *
 * Containers are parsed structurally and shallowly: JPEG segments, PNG chunks, RIFF chunks,
 * GIF blocks, ISO boxes (with HEIF items and the movie's user data). Coded picture and sound
 * data (JPEG scans, IDAT, VP8, GIF LZW, mdat samples) is never searched byte by byte: short
 * patterns occur there by chance. Everything else that is opaque (unknown chunks, free boxes,
 * trailers) is searched for strong signatures of EXIF, XMP, IPTC and location data.
 *
 * Memory stays bounded: metadata structures are read whole only up to a limit, and large
 * regions are walked a chunk at a time, so a 1 GiB video costs a few megabytes.
 */
import { type FileHandle, open } from "node:fs/promises";
import { inflateSync } from "node:zlib";

export type Category =
  | "location"
  | "device"
  | "people"
  | "dates"
  | "software"
  | "text"
  | "embedded"
  | "other"
  | "structure";

/** One piece of metadata that would leave with the file. */
export interface Finding {
  category: Category;
  /** In words: "GPS latitude", "XMP property dc:creator", "unknown APP0 segment". */
  what: string;
  /** Where in the file: "EXIF (APP1) GPS IFD", "PNG chunk tEXt". */
  where: string;
  /** The value when it is short and readable (a name, a date, coordinates). */
  value?: string;
  /**
   * False for what would be shown by `inspect` but not stop a send. Nothing is such today: a
   * video's make, model, software and creation date stop it too, as a photo's would.
   */
  refuse: boolean;
}

/** Something seen and allowed: it says nothing about the sender. */
export interface Kept {
  what: string;
  where: string;
}

export interface ScanReport {
  format: string;
  findings: Finding[];
  kept: Kept[];
  /** Decimal coordinates when the file holds a readable GPS position. */
  coordinates?: { latitude: number; longitude: number; precisionMetres?: number };
}

/** Metadata structures larger than this are not read whole (and are findings by themselves). */
const MAX_STRUCTURE = 16 << 20;
/** Opaque regions are searched a chunk at a time, with an overlap for patterns across chunks. */
const SCAN_CHUNK = 1 << 20;
const OVERLAP = 256;
/** Reads up to this size are served from one read of this size around them. */
const SMALL_READ = 1 << 16;
/** Nesting bound for embedded files (a JPEG in a JPEG's trailer, a video in a HEIC). */
const MAX_DEPTH = 4;
/** Findings beyond this many are summarised, so a hostile file can't flood the report. */
const MAX_FINDINGS = 500;

// ---------------------------------------------------------------------------------------
// Reading

/** Chunk buffers of finished scans (a send prepares up to four files at a time). */
const SCRATCH_POOL: Buffer[] = [];

class Reader {
  readonly handle: FileHandle;
  readonly size: number;
  readonly signal: AbortSignal | undefined;

  constructor(handle: FileHandle, size: number, signal?: AbortSignal) {
    this.handle = handle;
    this.size = size;
    this.signal = signal;
  }

  private scratch: Buffer | undefined;

  /** Gives the chunk buffer back for the next scan: memory stays flat over many files. */
  private ahead: Buffer | undefined;

  release(): void {
    for (const buffer of [this.scratch, this.ahead]) {
      if (buffer && SCRATCH_POOL.length < 8) SCRATCH_POOL.push(buffer);
    }
    this.scratch = undefined;
    this.ahead = undefined;
  }

  /**
   * Up to SCAN_CHUNK bytes at `position` in one buffer reused from call to call (valid until
   * the next call): for walking large regions without allocating a chunk each time.
   */
  chunk(position: number, length: number): Promise<Buffer> {
    this.scratch ??= SCRATCH_POOL.pop() ?? Buffer.allocUnsafe(SCAN_CHUNK + OVERLAP);
    return this.fill(this.scratch, position, length);
  }

  /**
   * Like `chunk`, but alternating between two buffers (`turn` 0 or 1), so that the next chunk
   * can be read while the last one is searched. A read still under way must be awaited before
   * the scan ends (the buffers go back to the pool, the file is closed).
   */
  chunkAhead(position: number, length: number, turn: number): Promise<Buffer> {
    if (turn === 0) return this.chunk(position, length);
    this.ahead ??= SCRATCH_POOL.pop() ?? Buffer.allocUnsafe(SCAN_CHUNK + OVERLAP);
    return this.fill(this.ahead, position, length);
  }

  private async fill(buffer: Buffer, position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, buffer.length, this.size - position));
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(buffer, done, wanted - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  /** The surroundings of the last small read, kept: a header is many small reads. */
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - position));
    if (wanted <= SMALL_READ) {
      const offset = position - this.windowStart;
      if (offset < 0 || offset + wanted > this.window.length) {
        // A new buffer each time: reads under way at once can't overwrite each other's.
        const window = await this.fill(Buffer.allocUnsafe(SMALL_READ), position, SMALL_READ);
        this.window = window;
        this.windowStart = position;
        return Buffer.from(window.subarray(0, wanted));
      }
      return Buffer.from(this.window.subarray(offset, offset + wanted));
    }
    const buffer = Buffer.alloc(wanted);
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(buffer, done, wanted - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }
}

class Report {
  readonly findings: Finding[] = [];
  readonly kept: Kept[] = [];
  coordinates: ScanReport["coordinates"];
  private dropped = 0;

  find(category: Category, what: string, where: string, value?: string, refuse = true): void {
    if (this.findings.length >= MAX_FINDINGS) {
      this.dropped++;
      return;
    }
    const finding: Finding = { category, what, where, refuse };
    if (value !== undefined && value !== "") finding.value = value;
    this.findings.push(finding);
  }

  keep(what: string, where: string): void {
    if (this.kept.length < MAX_FINDINGS) this.kept.push({ what, where });
  }

  finish(format: string): ScanReport {
    if (this.dropped > 0) {
      this.findings.push({
        category: "other",
        what: `${this.dropped} more findings`,
        where: "the rest of the file",
        refuse: true,
      });
    }
    const report: ScanReport = { format, findings: this.findings, kept: this.kept };
    if (this.coordinates) report.coordinates = this.coordinates;
    return report;
  }
}

/** Scans the file at `file`; never modifies it. Throws only for I/O errors and aborts. */
export async function scanMedia(file: string, signal?: AbortSignal): Promise<ScanReport> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const reader = new Reader(handle, size, signal);
    const report = new Report();
    try {
      const format = await scanRange(reader, 0, size, report, "", 0);
      return report.finish(format);
    } finally {
      reader.release();
    }
  } finally {
    await handle.close();
  }
}

/** Scans [start, end) as whatever file its first bytes say it is; returns the format name. */
async function scanRange(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
): Promise<string> {
  const head = await reader.read(start, Math.min(16, end - start));
  const at = (text: string) => (where ? `${where}: ${text}` : text);
  if (depth > MAX_DEPTH) {
    report.find("structure", "files nested too deeply to check", at("embedded file"));
    return "unknown";
  }
  if (head[0] === 0xff && head[1] === 0xd8) {
    await scanJpeg(reader, start, end, report, where, depth, true);
    return "JPEG";
  }
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) {
    await scanPng(reader, start, end, report, where);
    return "PNG";
  }
  if (head.toString("latin1", 0, 4) === "RIFF" && head.toString("latin1", 8, 12) === "WEBP") {
    await scanWebp(reader, start, end, report, where);
    return "WebP";
  }
  if (/^GIF8[79]a$/.test(head.toString("latin1", 0, 6))) {
    await scanGif(reader, start, end, report, where);
    return "GIF";
  }
  const boxType = head.toString("latin1", 4, 8);
  if (["ftyp", "moov", "mdat", "wide", "free", "skip", "styp"].includes(boxType)) {
    return scanIsobmff(reader, start, end, report, where, depth);
  }
  report.find("structure", "data dmshare can't identify as a picture or video", at("file"));
  return "unknown";
}

// ---------------------------------------------------------------------------------------
// Signatures: searched in opaque bytes (never in coded picture data)

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
function signaturesIn(data: Buffer): { category: Category; what: string }[] {
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
async function scanOpaque(
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

const ZEROS = Buffer.alloc(1 << 16);

/** True when every byte is zero (compared a block at a time, not byte by byte in JavaScript). */
function allZero(data: Buffer): boolean {
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const block = data.subarray(at, at + ZEROS.length);
    if (!block.equals(ZEROS.subarray(0, block.length))) return false;
  }
  return true;
}

/** True when [start, end) holds only zero bytes (read a chunk at a time). */
async function zeroRange(reader: Reader, start: number, end: number): Promise<boolean> {
  for (let at = start; at < end; at += SCAN_CHUNK) {
    reader.signal?.throwIfAborted();
    const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
    if (data.length === 0 || !allZero(data)) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------
// TIFF / EXIF

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
function checkTiff(tiff: Buffer, where: string, report: Report): void {
  const order = tiff.toString("latin1", 0, 2);
  if (tiff.length < 8 || (order !== "II" && order !== "MM")) {
    report.find("structure", "an EXIF block that can't be read", where);
    return;
  }
  const le = order === "II";
  const u16 = (at: number) => (le ? tiff.readUInt16LE(at) : tiff.readUInt16BE(at));
  const u32 = (at: number) => (le ? tiff.readUInt32LE(at) : tiff.readUInt32BE(at));
  if (u16(2) !== 42) {
    report.find("structure", "an EXIF block that can't be read", where);
    return;
  }
  const visited = new Set<number>();
  const gps: Record<number, number[] | string> = {};
  let gpsDenominator = 1;
  const queue: [number, IfdKind][] = [[u32(4), "IFD0"]];
  while (queue.length > 0) {
    const [offset, kind] = queue.shift() as [number, IfdKind];
    if (offset === 0) continue;
    if (visited.has(offset) || visited.size >= 32) {
      report.find("structure", "EXIF tables that point at each other in a loop", where);
      continue;
    }
    visited.add(offset);
    if (offset + 2 > tiff.length) {
      report.find("structure", `an EXIF ${kind} outside the block`, where);
      continue;
    }
    const count = u16(offset);
    if (offset + 2 + count * 12 > tiff.length) {
      report.find("structure", `an EXIF ${kind} cut short`, where);
      continue;
    }
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
        const name = GPS_TAGS[tag] ?? `GPS tag 0x${tag.toString(16)}`;
        const location = tag >= 1 && tag <= 4;
        if (value && (type === 5 || type === 10) && (tag === 2 || tag === 4)) {
          const parts = rationals(value, le, valueCount);
          gps[tag] = parts.map(([n, d]) => (d ? n / d : 0));
          const last = parts[parts.length - 1];
          if (last) gpsDenominator = Math.max(gpsDenominator, last[1]);
        } else if (value && type === 2 && (tag === 1 || tag === 3)) {
          gps[tag] = value.toString("latin1").replace(/\0.*$/s, "");
        }
        report.find(
          location || tag >= 0x13 ? "location" : "location",
          name,
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
  const lat = gps[2];
  const lon = gps[4];
  if (Array.isArray(lat) && Array.isArray(lon) && !report.coordinates) {
    const degrees = (parts: number[]) =>
      (parts[0] ?? 0) + (parts[1] ?? 0) / 60 + (parts[2] ?? 0) / 3600;
    const sign = (ref: unknown, negative: string) => (ref === negative ? -1 : 1);
    const unit = lat.length >= 3 ? 3600 : lat.length === 2 ? 60 : 1;
    report.coordinates = {
      latitude: sign(gps[1], "S") * degrees(lat),
      longitude: sign(gps[3], "W") * degrees(lon),
      precisionMetres: Math.max(0.01, 111_000 / unit / gpsDenominator),
    };
  }
}

function rationals(value: Buffer, le: boolean, count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let n = 0; n < count && n * 8 + 8 <= value.length; n++) {
    const read = (at: number) => (le ? value.readUInt32LE(at) : value.readUInt32BE(at));
    out.push([read(n * 8), read(n * 8 + 4)]);
  }
  return out;
}

/** Short readable text for the report; binary values are not shown. */
function ascii(value: Buffer, utf16le = false): string | undefined {
  const text = (utf16le ? value.toString("utf16le") : value.toString("utf8"))
    .replace(/\0+$/, "")
    .trim();
  const control = [...text].some((char) => char.charCodeAt(0) < 0x20 && !"\t\n\r".includes(char));
  if (text === "" || control) return undefined;
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

// ---------------------------------------------------------------------------------------
// XMP

const XMP_ALLOWED: Record<string, Set<string> | "any"> = {
  // The packet's own wrapper and RDF syntax.
  "adobe:ns:meta/": "any",
  "http://www.w3.org/1999/02/22-rdf-syntax-ns#": "any",
  // Ultra HDR: the gain map's rendering parameters (ISO 21496-1 / Adobe gain map).
  "http://ns.adobe.com/hdr-gain-map/1.0/": "any",
  // Apple's HDR gain-map description of an auxiliary image, and what kind of image it is.
  "http://ns.apple.com/HDRGainMap/1.0/": "any",
  "http://ns.apple.com/pixeldatainfo/1.0/": new Set([
    "AuxiliaryImageType",
    "NativeFormat",
    "StoredFormat",
  ]),
  // The directory of an Ultra HDR or motion photo: which item is the gain map or the video.
  "http://ns.google.com/photos/1.0/container/": new Set(["Directory", "Item"]),
  "http://ns.google.com/photos/1.0/container/item/": new Set([
    "Mime",
    "Semantic",
    "Length",
    "Padding",
    "URI",
  ]),
  // A motion photo's flags (the video itself is checked as a video).
  "http://ns.google.com/photos/1.0/camera/": new Set([
    "MotionPhoto",
    "MotionPhotoVersion",
    "MotionPhotoPresentationTimestampUs",
    "MicroVideo",
    "MicroVideoVersion",
    "MicroVideoOffset",
    "MicroVideoPresentationTimestampUs",
  ]),
};

const XMP_LOCATION =
  /GPS|Latitude|Longitude|City|State|Country|Location|Sublocation|ProvinceState|shotLocation|Position/i;
const XMP_PEOPLE =
  /creator|rights|Owner|Author|By-?line|Artist|Credit|Contact|PersonInImage|Usage/i;
const XMP_DEVICE = /Make|Model|Serial|Lens|ImageUniqueID|DocumentID|InstanceID|Makernote/i;
const XMP_DATES = /Date|Time/i;
const XMP_SOFTWARE = /CreatorTool|Software|History|Agent/i;

/** Text of an XMP packet in whatever encoding it was written (UTF-8 or UTF-16). */
function xmpText(bytes: Buffer): string {
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return Buffer.from(bytes.subarray(2)).swap16().toString("utf16le");
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString("utf16le");
  const zeros = bytes.subarray(0, 4096).filter((byte) => byte === 0).length;
  if (zeros > Math.min(bytes.length, 4096) / 4) {
    const even = bytes.subarray(0, 4096).filter((byte, index) => byte === 0 && index % 2 === 0);
    const usable = bytes.subarray(0, bytes.length - (bytes.length % 2));
    return even.length > zeros / 2
      ? Buffer.from(usable).swap16().toString("utf16le")
      : usable.toString("utf16le");
  }
  return bytes.toString("utf8");
}

/**
 * Judges an XMP packet: each property (element or attribute with a namespace) must be on
 * the allow-list; an empty packet passes. Unknown prefixes count as unknown properties.
 */
function checkXmp(bytes: Buffer, where: string, report: Report): void {
  const text = xmpText(bytes);
  const namespaces = new Map<string, string>();
  for (const match of text.matchAll(/xmlns:([\w.-]+)\s*=\s*["']([^"']*)["']/g)) {
    namespaces.set(match[1] as string, match[2] as string);
  }
  const names = new Map<string, string | undefined>();
  for (const match of text.matchAll(/<([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)/g)) {
    const name = `${match[1]}:${match[2]}`;
    if (!names.has(name)) {
      const after = text.slice((match.index ?? 0) + match[0].length, (match.index ?? 0) + 300);
      const inner = /^[^>]*>([^<]{1,200})</.exec(after)?.[1]?.trim();
      names.set(name, inner || undefined);
    }
  }
  for (const match of text.matchAll(
    /\s([A-Za-z_][\w.-]*):([A-Za-z_][\w.-]*)\s*=\s*(["'])([^"']*)\3/g,
  )) {
    if (match[1] === "xmlns") continue;
    const name = `${match[1]}:${match[2]}`;
    if (!names.has(name)) names.set(name, match[4]?.trim() || undefined);
  }
  let flagged = 0;
  for (const [name, value] of names) {
    const [prefix = "", local = ""] = name.split(":");
    const uri = namespaces.get(prefix);
    const allowed = uri === undefined ? undefined : XMP_ALLOWED[uri];
    if (allowed === "any" || allowed?.has(local)) continue;
    const category: Category = XMP_LOCATION.test(local)
      ? "location"
      : XMP_SOFTWARE.test(local)
        ? "software"
        : XMP_PEOPLE.test(local)
          ? "people"
          : XMP_DEVICE.test(local)
            ? "device"
            : XMP_DATES.test(local)
              ? "dates"
              : local === "Description" || local === "title" || local === "subject"
                ? "text"
                : "other";
    report.find(
      category,
      `XMP property ${name}`,
      where,
      value && value.length <= 80 ? value : undefined,
    );
    flagged++;
  }
  if (flagged === 0) {
    if ([...names.keys()].some((name) => /^(hdrgm|HDRGainMap):/.test(name))) {
      report.keep("HDR gain-map XMP", where);
    } else if (names.size > 0 || text.trim() !== "") {
      report.keep("XMP with nothing about the sender", where);
    }
  }
}

// ---------------------------------------------------------------------------------------
// IPTC (Photoshop APP13 / 8BIM)

const IPTC_DATASETS: Record<number, [Category, string]> = {
  80: ["people", "IPTC by-line (author)"],
  85: ["people", "IPTC by-line title"],
  110: ["people", "IPTC credit"],
  115: ["people", "IPTC source"],
  116: ["people", "IPTC copyright notice"],
  118: ["people", "IPTC contact"],
  90: ["location", "IPTC city"],
  92: ["location", "IPTC sub-location"],
  95: ["location", "IPTC province/state"],
  100: ["location", "IPTC country code"],
  101: ["location", "IPTC country"],
  55: ["dates", "IPTC date created"],
  60: ["dates", "IPTC time created"],
  65: ["software", "IPTC originating program"],
  120: ["text", "IPTC caption"],
  5: ["text", "IPTC object name"],
  25: ["text", "IPTC keywords"],
};

function checkIptc(bytes: Buffer, where: string, report: Report): void {
  report.find("other", "Photoshop/IPTC data", where);
  const start = bytes.indexOf(Buffer.from([0x1c, 0x02]));
  for (let at = start; at !== -1 && at + 5 <= bytes.length && bytes[at] === 0x1c; ) {
    const dataset = bytes[at + 2] ?? 0;
    const length = bytes.readUInt16BE(at + 3);
    if (length & 0x8000) break;
    const known = bytes[at + 1] === 2 ? IPTC_DATASETS[dataset] : undefined;
    if (known) {
      report.find(known[0], known[1], where, ascii(bytes.subarray(at + 5, at + 5 + length)));
    }
    at += 5 + length;
  }
}

// ---------------------------------------------------------------------------------------
// JPEG

const JPEG_SOS = 0xda;
const JPEG_EOI = 0xd9;

/**
 * Markers of the coding process: SOF0–SOF15 (but JPG), DHT, DAC, SOS, DQT, DNL, DRI, DHP, EXP.
 * Their segments hold tables and frame headers; any other marker with a length is unknown.
 */
const CODING_MARKERS = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xda,
  0xdb, 0xdc, 0xdd, 0xde, 0xdf,
]);

/** APPn segments a viewer needs to show the picture the same way: kept, and said to be. */
const KEPT_APP_SEGMENTS = [
  { app: 0, signature: "JFIF\0", what: "JFIF header" },
  { app: 2, signature: "ICC_PROFILE\0", what: "ICC colour profile" },
  { app: 2, signature: "MPF\0", what: "multi-picture index (MPF)" },
  {
    app: 2,
    signature: "urn:iso:std:iso:ts:21496:-1\0",
    what: "HDR gain-map parameters (ISO 21496-1)",
  },
  { app: 14, signature: "Adobe", what: "Adobe colour transform" },
] as const;

const startsWith = (data: Buffer, text: string) =>
  data.length >= text.length && data.toString("latin1", 0, text.length) === text;

/**
 * JPEG: every APPn and COM segment is metadata by definition, so each must be one of the
 * allowed kinds (JFIF, ICC, MPF, gain-map, Adobe, a clean EXIF or XMP) or blank. Coding
 * segments pass; scans are skipped without being searched. After the end-of-image marker,
 * only zeros, further JPEGs (MPF gain maps and previews, each checked the same way) and an
 * embedded video (checked as a video) may follow.
 */
async function scanJpeg(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
  withTrailer: boolean,
): Promise<number> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  let at = start + 2;
  let sawExif = false;
  for (;;) {
    reader.signal?.throwIfAborted();
    if (at + 2 > end) {
      report.find("structure", "a JPEG that ends before its end-of-image marker", name("JPEG"));
      return end;
    }
    const probe = await reader.read(at, 4);
    if (probe[0] !== 0xff) {
      // Bytes between segments belong to nothing: a reader may still find data there.
      report.find(
        "structure",
        `stray bytes between JPEG segments at byte ${at - start}`,
        name("JPEG"),
      );
      const next = await findByte(reader, at, end, 0xff);
      if (next === -1) return end;
      await scanOpaque(reader, at, next, report, name(`stray bytes at ${at - start}`));
      at = next;
      continue;
    }
    const marker = probe[1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === JPEG_EOI) {
      at += 2;
      break;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (probe.length < 4) {
      report.find("structure", "a JPEG segment cut short", name("JPEG"));
      return end;
    }
    const length = probe.readUInt16BE(2);
    const segmentEnd = at + 2 + length;
    if (length < 2 || segmentEnd > end) {
      report.find("structure", "a JPEG segment that runs past the end of the file", name("JPEG"));
      return end;
    }
    if ((marker >= 0xe0 && marker <= 0xef) || marker === 0xfe) {
      const payload = await reader.read(at + 4, length - 2);
      sawExif = judgeSegment(marker, payload, name(segmentName(marker, payload)), report, sawExif);
    } else if (!CODING_MARKERS.has(marker)) {
      // Not a marker any decoder uses (readers such as exifr still find EXIF inside one).
      const where = name(`JPEG marker 0xFF${marker.toString(16).toUpperCase()} segment`);
      report.find("structure", "a segment with an unknown marker", where);
      await scanOpaque(reader, at + 4, segmentEnd, report, where);
    }
    at = segmentEnd;
    if (marker === JPEG_SOS) at = await skipScan(reader, at, end);
  }
  if (withTrailer) await scanJpegTrailer(reader, at, end, report, where, depth);
  return at;
}

function segmentName(marker: number, payload: Buffer): string {
  if (marker === 0xfe) return "JPEG comment (COM)";
  const id = payload.toString("latin1", 0, Math.min(32, payload.length)).split("\0")[0] ?? "";
  const label = /^[\x20-\x7e]{2,}$/.test(id) ? ` "${id}"` : "";
  return `APP${marker - 0xe0} segment${label}`;
}

/** Judges one APPn/COM payload; returns whether an EXIF block has now been seen. */
function judgeSegment(
  marker: number,
  payload: Buffer,
  where: string,
  report: Report,
  sawExif: boolean,
): boolean {
  // Blanked in place (how secondary images lose their metadata without changing size).
  if (allZero(payload)) return sawExif;
  if (marker === 0xfe) {
    report.find("text", "comment", where, ascii(payload));
    return sawExif;
  }
  const app = marker - 0xe0;
  const kept = KEPT_APP_SEGMENTS.find(
    (segment) => segment.app === app && startsWith(payload, segment.signature),
  );
  if (kept) {
    report.keep(kept.what, where);
    return sawExif;
  }
  if (app === 0 && startsWith(payload, "JFXX\0")) {
    report.find("embedded", "embedded thumbnail (JFXX)", where);
    return sawExif;
  }
  if (app === 1 && startsWith(payload, "Exif\0")) {
    if (sawExif) report.find("other", "a second EXIF block", where);
    checkTiff(payload.subarray(6), where, report);
    return true;
  }
  if (app === 1 && startsWith(payload, "http://ns.adobe.com/xap/1.0/\0")) {
    checkXmp(payload.subarray(29), where, report);
    return sawExif;
  }
  if (app === 1 && startsWith(payload, "http://ns.adobe.com/xmp/extension/\0")) {
    report.find("other", "extended XMP", where);
    checkXmp(payload.subarray(35 + 40), where, report);
    return sawExif;
  }
  if (app === 13) {
    checkIptc(payload, where, report);
    return sawExif;
  }
  // Anything else (Canon CIFF in APP0, GoPro APP6, maker previews, C2PA in APP11…) is
  // application data no viewer needs; what it holds is searched only to say more about it.
  report.find("other", "application data no viewer needs", where);
  for (const { category, what } of signaturesIn(payload)) report.find(category, what, where);
  return sawExif;
}

async function findByte(reader: Reader, start: number, end: number, byte: number): Promise<number> {
  for (let at = start; at < end; at += SCAN_CHUNK) {
    const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
    const found = data.indexOf(byte);
    if (found !== -1) return at + found;
    if (data.length === 0) break;
  }
  return -1;
}

/**
 * Skips entropy-coded data: up to the next marker that is not stuffing, a restart or fill.
 * The whole scan is read (that is where a JPEG's end is), so the next chunk is read while this
 * one is searched.
 */
async function skipScan(reader: Reader, start: number, end: number): Promise<number> {
  let at = start;
  let turn = 0;
  let pending = reader.chunkAhead(at, Math.min(SCAN_CHUNK, end - at), turn);
  try {
    while (at < end) {
      reader.signal?.throwIfAborted();
      const data = await pending;
      if (data.length === 0) return end;
      const following = at + data.length;
      turn ^= 1;
      pending =
        following < end
          ? reader.chunkAhead(following, Math.min(SCAN_CHUNK, end - following), turn)
          : Promise.resolve(EMPTY);
      const marker = markerIn(data);
      if (marker >= 0) return at + marker;
      if (marker === -1) {
        at = following;
        continue;
      }
      // The chunk ends in 0xFF bytes whose meaning is in the next chunk: read again from there.
      if (following >= end) return end;
      // (A chunk of nothing but 0xFF fill moves on to its last byte, so the loop always advances.)
      const ff = data.length + marker + 1;
      await pending;
      at += ff > 0 ? ff : data.length - 1;
      turn ^= 1;
      pending = reader.chunkAhead(at, Math.min(SCAN_CHUNK, end - at), turn);
    }
    return end;
  } finally {
    await pending.catch(() => {});
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Where a marker that ends entropy-coded data starts in `data` (its first 0xFF); -1 when there
 * is none; or, when `data` ends in a run of 0xFF bytes that the next byte decides, that run's
 * start as `ff - data.length - 1` (below -1).
 */
function markerIn(data: Buffer): number {
  let search = 0;
  for (;;) {
    const ff = data.indexOf(0xff, search);
    if (ff === -1) return -1;
    let next = ff + 1;
    while (next < data.length && data[next] === 0xff) next++;
    if (next >= data.length) return ff - data.length - 1;
    const byte = data[next] ?? 0;
    if (byte === 0x00 || (byte >= 0xd0 && byte <= 0xd7)) {
      search = next + 1;
      continue;
    }
    return next - 1;
  }
}

/** What follows a JPEG's end-of-image marker. */
async function scanJpegTrailer(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
): Promise<void> {
  let at = start;
  let images = 0;
  while (at < end) {
    reader.signal?.throwIfAborted();
    const head = await reader.read(at, 16);
    if (allZero(head)) {
      // Zero padding says nothing; skip it a chunk at a time.
      const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
      const firstNonZero = data.findIndex((byte) => byte !== 0);
      at += firstNonZero === -1 ? data.length : firstNonZero;
      continue;
    }
    if (head[0] === 0xff && head[1] === 0xd8) {
      images++;
      const label = `${where ? `${where}: ` : ""}image ${images + 1} after the first`;
      report.keep("secondary image (gain map or preview)", label);
      at = await scanJpeg(reader, at, end, report, label, depth + 1, false);
      continue;
    }
    if (["ftyp", "mdat", "moov"].includes(head.toString("latin1", 4, 8))) {
      report.find("embedded", "an embedded video (motion photo)", where || "after the image");
      await scanIsobmff(reader, at, end, report, `${where || "JPEG"} embedded video`, depth + 1);
      return;
    }
    report.find("other", "data appended after the image", where || `after byte ${at}`);
    await scanOpaque(reader, at, end, report, where || "data after the image");
    return;
  }
}

// ---------------------------------------------------------------------------------------
// PNG

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

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

async function scanPng(
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

// ---------------------------------------------------------------------------------------
// WebP

/** RIFF chunks a WebP decoder uses; frame data in them is not searched. */
const WEBP_CODED = new Set(["VP8 ", "VP8L", "ALPH", "ANMF"]);

async function scanWebp(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<void> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  const header = await reader.read(start, 12);
  const riffEnd = start + 8 + header.readUInt32LE(4);
  if (riffEnd > end) report.find("structure", "a RIFF size larger than the file", name("WebP"));
  const limit = Math.min(riffEnd, end);
  let at = start + 12;
  while (at + 8 <= limit) {
    reader.signal?.throwIfAborted();
    const chunk = await reader.read(at, 8);
    const type = chunk.toString("latin1", 0, 4);
    const size = chunk.readUInt32LE(4);
    const dataEnd = at + 8 + size;
    const where = name(`WebP chunk ${JSON.stringify(type)}`);
    if (dataEnd > limit) {
      report.find("structure", "a WebP chunk that runs past the end of the file", where);
      return;
    }
    if (type === "EXIF") {
      if (size > MAX_STRUCTURE) report.find("other", "an oversized EXIF block", where);
      else {
        const data = await reader.read(at + 8, size);
        checkTiff(startsWith(data, "Exif\0\0") ? data.subarray(6) : data, where, report);
      }
    } else if (type === "XMP ") {
      if (size > MAX_STRUCTURE) report.find("other", "an oversized XMP packet", where);
      else checkXmp(await reader.read(at + 8, size), where, report);
    } else if (type === "ICCP") {
      report.keep("ICC colour profile", where);
    } else if (type === "VP8X" || type === "ANIM") {
      // Flags, canvas size, loop count and background colour: nothing else fits.
    } else if (!WEBP_CODED.has(type)) {
      report.find("other", "a chunk no viewer needs", where);
      await scanOpaque(reader, at + 8, dataEnd, report, where);
    }
    at = dataEnd + (size & 1);
  }
  if (limit < end && !(await zeroRange(reader, limit, end))) {
    report.find("other", "data appended after the image", name("after the RIFF data"));
    await scanOpaque(reader, limit, end, report, name("after the RIFF data"));
  }
}

// ---------------------------------------------------------------------------------------
// GIF

/** Application extensions a viewer uses: looping and colour profiles. */
const GIF_APPLICATIONS = new Set(["NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"]);

async function scanGif(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<void> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  const header = await reader.read(start, 13);
  let at = start + 13;
  const packed = header[10] ?? 0;
  if (packed & 0x80) at += 3 * 2 ** ((packed & 7) + 1);
  /** Walks sub-blocks from `at`; returns their end and, when asked, their raw bytes. */
  const blocks = async (from: number, collect: boolean) => {
    let position = from;
    const parts: Buffer[] = [];
    let collected = 0;
    for (;;) {
      reader.signal?.throwIfAborted();
      if (position >= end) return { next: end, data: Buffer.concat(parts), ok: false };
      const length = (await reader.read(position, 1))[0] ?? 0;
      if (collect && collected < MAX_STRUCTURE) {
        // XMP in GIF is stored raw, its length bytes included (the "magic trailer").
        parts.push(await reader.read(position, 1 + length));
        collected += 1 + length;
      }
      position += 1 + length;
      if (length === 0) return { next: position, data: Buffer.concat(parts), ok: true };
    }
  };
  for (;;) {
    if (at >= end) {
      report.find("structure", "a GIF that ends without its trailer", name("GIF"));
      return;
    }
    const introducer = (await reader.read(at, 1))[0];
    if (introducer === 0x3b) {
      at += 1;
      break;
    }
    if (introducer === 0x2c) {
      const descriptor = await reader.read(at + 1, 9);
      let position = at + 10;
      const local = descriptor[8] ?? 0;
      if (local & 0x80) position += 3 * 2 ** ((local & 7) + 1);
      const { next, ok } = await blocks(position + 1, false);
      if (!ok) report.find("structure", "GIF image data cut short", name("GIF"));
      at = next;
      continue;
    }
    if (introducer !== 0x21) {
      report.find("structure", `an unknown GIF block at byte ${at - start}`, name("GIF"));
      return;
    }
    const label = (await reader.read(at + 1, 1))[0] ?? 0;
    if (label === 0xf9) {
      at = (await blocks(at + 2, false)).next;
    } else if (label === 0xfe) {
      const { next, data } = await blocks(at + 2, true);
      report.find("text", "comment", name("GIF comment extension"), ascii(unblock(data)));
      at = next;
    } else if (label === 0xff) {
      const idLength = (await reader.read(at + 2, 1))[0] ?? 0;
      const id = (await reader.read(at + 3, idLength)).toString("latin1");
      const { next, data } = await blocks(at + 3 + idLength, true);
      const where = name(`GIF application extension ${JSON.stringify(id)}`);
      if (GIF_APPLICATIONS.has(id)) {
        if (id.startsWith("ICC")) report.keep("ICC colour profile", where);
      } else if (id.startsWith("XMP Data")) {
        checkXmp(data, where, report);
      } else {
        report.find("other", "application data no viewer needs", where);
        for (const signature of signaturesIn(data))
          report.find(signature.category, signature.what, where);
      }
      at = next;
    } else {
      const { next, data } = await blocks(at + 2, true);
      if (label === 0x01)
        report.find("text", "plain text", name("GIF plain-text extension"), ascii(unblock(data)));
      else report.find("other", `an unknown GIF extension 0x${label.toString(16)}`, name("GIF"));
      at = next;
    }
  }
  if (at < end && !(await zeroRange(reader, at, end))) {
    report.find("other", "data appended after the image", name("after the GIF trailer"));
    await scanOpaque(reader, at, end, report, name("after the GIF trailer"));
  }
}

/** Sub-block bytes without their length prefixes. */
function unblock(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; ) {
    const length = data[at] ?? 0;
    parts.push(data.subarray(at + 1, at + 1 + length));
    at += 1 + length;
  }
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------
// ISO base media: HEIC/HEIF/AVIF and MP4/MOV

interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

async function boxesIn(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
): Promise<Box[]> {
  const boxes: Box[] = [];
  for (let at = start; at < end; ) {
    if (end - at < 8) {
      if (!allZero(await reader.read(at, end - at))) {
        report.find("structure", "a box cut short", where);
      }
      break;
    }
    const header = await reader.read(at, 16);
    let size = header.readUInt32BE(0);
    const type = header.toString("latin1", 4, 8);
    let body = at + 8;
    if (size === 1) {
      if (header.length < 16) {
        report.find("structure", "a box cut short", where);
        break;
      }
      size = Number(header.readBigUInt64BE(8));
      body += 8;
    } else if (size === 0) size = end - at;
    if (type === "uuid") body += 16;
    if (size < body - at || at + size > end || !Number.isSafeInteger(size)) {
      report.find("structure", `a "${printable(type)}" box that runs past its container`, where);
      break;
    }
    boxes.push({ type, start: at, body, end: at + size });
    at += size;
    if (boxes.length > 100_000) {
      report.find("structure", "too many boxes", where);
      break;
    }
  }
  return boxes;
}

const printable = (type: string) => type.replace(/[^\x20-\x7e\xa9]/g, "?");

/** Top-level boxes that make up a picture or a movie. Anything else is a finding. */
const TOP_LEVEL = new Set([
  "ftyp",
  "styp",
  "moov",
  "mdat",
  "meta",
  "free",
  "skip",
  "wide",
  "moof",
  "mfra",
  "sidx",
  "ssix",
  "pdin",
  "prft",
  "emsg",
  "uuid",
]);
const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";

async function scanIsobmff(
  reader: Reader,
  start: number,
  end: number,
  report: Report,
  where: string,
  depth: number,
): Promise<string> {
  const name = (text: string) => (where ? `${where}: ${text}` : text);
  const top = await boxesIn(reader, start, end, report, name("file"));
  let format = "MP4/MOV";
  for (const box of top) {
    reader.signal?.throwIfAborted();
    const label = name(`"${printable(box.type)}" box`);
    if (box.type === "ftyp") {
      const brand = (await reader.read(box.body, 4)).toString("latin1");
      format = /^(heic|heix|hevc|heim|heis|hevm|hevs|mif1|msf1)$/.test(brand)
        ? "HEIC"
        : brand === "avif" || brand === "avis"
          ? "AVIF"
          : brand === "qt  "
            ? "QuickTime"
            : "MP4";
    } else if (box.type === "meta") {
      await scanItems(reader, box, report, label, depth);
    } else if (box.type === "moov") {
      await scanMovie(reader, box, report, label);
    } else if (box.type === "uuid") {
      await uuidBox(reader, box, report, label);
    } else if (box.type === "free" || box.type === "skip" || box.type === "wide") {
      await scanOpaque(reader, box.body, box.end, report, label);
    } else if (box.type === "mpvd") {
      // Samsung motion photo: a whole MP4, checked as a video.
      report.find("embedded", "an embedded video (motion photo)", label);
      await scanRange(reader, box.body, box.end, report, label, depth + 1);
    } else if (!TOP_LEVEL.has(box.type)) {
      // Samsung's sefd trailer (country code, time), maker boxes: not part of the picture.
      report.find("other", "a box that is not part of the picture or movie", label);
      await scanOpaque(
        reader,
        box.body,
        Math.min(box.end, box.body + MAX_STRUCTURE),
        report,
        label,
      );
    }
  }
  return format;
}

async function uuidBox(reader: Reader, box: Box, report: Report, where: string): Promise<void> {
  const uuid = (await reader.read(box.body - 16, 16)).toString("hex");
  if (uuid === XMP_UUID) {
    if (box.end - box.body > MAX_STRUCTURE) report.find("other", "an oversized XMP packet", where);
    else checkXmp(await reader.read(box.body, box.end - box.body), `${where} (XMP)`, report);
    return;
  }
  await scanOpaque(reader, box.body, box.end, report, where);
}

/** Item types that are coded pictures (or compositions of them): their data is not searched. */
const CODED_ITEMS = new Set([
  "hvc1",
  "hvt1",
  "av01",
  "avc1",
  "jpeg",
  "grid",
  "iden",
  "iovl",
  "tmap",
  "unci",
  "j2k1",
  "vvc1",
  "mski",
  "lhv1",
]);

interface Item {
  id: number;
  type: string;
  contentType: string;
}

/** HEIF items: each Exif and XMP item is judged, any other non-picture item searched. */
async function scanItems(
  reader: Reader,
  meta: Box,
  report: Report,
  where: string,
  _depth: number,
): Promise<void> {
  const boxes = await boxesIn(reader, meta.body + 4, meta.end, report, where);
  const items: Item[] = [];
  const locations = new Map<number, { offset: number; length: number }[] | null>();
  const idat = boxes.find((box) => box.type === "idat");
  for (const box of boxes) {
    // Every iinf and iloc counts: a second table must not hide an item.
    if (box.type === "iinf") items.push(...(await itemInfos(reader, box, report, where)));
    else if (box.type === "iloc") await itemLocations(reader, box, idat, locations, report, where);
    else if (
      box.type === "iprp" ||
      box.type === "hdlr" ||
      box.type === "pitm" ||
      box.type === "iref" ||
      box.type === "idat" ||
      box.type === "dinf" ||
      box.type === "grpl"
    ) {
      // Properties (sizes, rotation, colour incl. ICC, codec set-up), references, item data.
    } else if (box.type === "xml " || box.type === "bxml") {
      checkXmp(
        await reader.read(box.body + 4, Math.min(MAX_STRUCTURE, box.end - box.body - 4)),
        `${where} "xml "`,
        report,
      );
    } else {
      await scanOpaque(
        reader,
        box.body,
        Math.min(box.end, box.body + MAX_STRUCTURE),
        report,
        `${where} "${printable(box.type)}"`,
      );
    }
  }
  // Items located but not described: their data could be anything, so it is searched.
  const described = new Set(items.map((item) => item.id));
  for (const [id, extents] of locations) {
    if (described.has(id) || !extents) continue;
    const label = `${where} item ${id} (not described)`;
    for (const extent of extents) {
      if (
        await scanOpaque(
          reader,
          extent.offset,
          extent.offset + Math.min(extent.length, MAX_STRUCTURE),
          report,
          label,
        )
      ) {
        report.find("structure", "an item with no description", label);
        break;
      }
    }
  }
  for (const item of items) {
    if (CODED_ITEMS.has(item.type)) continue;
    const label = `${where} item ${item.id} (${item.type === "mime" ? item.contentType || "mime" : printable(item.type)})`;
    const extents = locations.get(item.id);
    if (extents === undefined) {
      if (item.type === "Exif" || item.type === "mime")
        report.find("structure", "an item whose data can't be found", label);
      continue;
    }
    if (extents === null) {
      report.find("structure", "an item whose data lies outside the file", label);
      continue;
    }
    const total = extents.reduce((sum, extent) => sum + extent.length, 0);
    if (total > MAX_STRUCTURE) {
      report.find("other", "an oversized metadata item", label);
      continue;
    }
    const data = Buffer.concat(
      await Promise.all(extents.map((e) => reader.read(e.offset, e.length))),
    );
    if (allZero(data)) continue;
    if (item.type === "Exif") {
      if (data.length < 4) continue;
      const tiffAtOffset = 4 + data.readUInt32BE(0);
      let tiff = data.subarray(Math.min(tiffAtOffset, data.length));
      if (!(startsWith(tiff, "II") || startsWith(tiff, "MM"))) {
        const found = data.indexOf("Exif\0\0", 4, "latin1");
        tiff = found === -1 ? tiff : data.subarray(found + 6);
      }
      if (allZero(tiff)) continue;
      checkTiff(tiff, label, report);
    } else if (item.type === "mime" && /xml|xmp/i.test(item.contentType)) {
      checkXmp(data, label, report);
    } else {
      report.find("other", "a metadata item", label);
      for (const signature of signaturesIn(data))
        report.find(signature.category, signature.what, label);
    }
  }
}

async function itemInfos(
  reader: Reader,
  iinf: Box,
  report: Report,
  where: string,
): Promise<Item[]> {
  const head = await reader.read(iinf.body, 4);
  const entriesAt = iinf.body + 4 + ((head[0] ?? 0) === 0 ? 2 : 4);
  const items: Item[] = [];
  for (const infe of await boxesIn(reader, entriesAt, iinf.end, report, `${where} iinf`)) {
    if (infe.type !== "infe") {
      // An entry readers may still take for an item description: nothing else belongs here.
      report.find(
        "structure",
        `an unknown "${printable(infe.type)}" box in the item list`,
        `${where} iinf`,
      );
      continue;
    }
    const data = await reader.read(infe.body, Math.min(infe.end - infe.body, 4096));
    const version = data[0] ?? 0;
    const strings = (from: number) => data.subarray(from).toString("utf8").split("\0");
    if (version >= 2) {
      const idSize = version === 2 ? 2 : 4;
      if (data.length < 4 + idSize + 6) continue;
      const id = idSize === 2 ? data.readUInt16BE(4) : data.readUInt32BE(4);
      const type = data.toString("latin1", 4 + idSize + 2, 4 + idSize + 6);
      const [, contentType = ""] = strings(4 + idSize + 6);
      items.push({ id, type, contentType });
    } else if (data.length >= 8) {
      const [, contentType = ""] = strings(8);
      items.push({ id: data.readUInt16BE(4), type: "mime", contentType });
    }
  }
  return items;
}

async function itemLocations(
  reader: Reader,
  iloc: Box,
  idat: Box | undefined,
  map: Map<number, { offset: number; length: number }[] | null>,
  report: Report,
  where: string,
): Promise<void> {
  if (iloc.end - iloc.body > MAX_STRUCTURE) {
    report.find("structure", "an oversized item location table", where);
    return;
  }
  const data = await reader.read(iloc.body, iloc.end - iloc.body);
  let at = 4;
  const version = data[0] ?? 0;
  const uint = (size: number): number => {
    if (at + size > data.length) throw new RangeError("cut short");
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + (data[at + i] ?? 0);
    at += size;
    return value;
  };
  try {
    const sizes = uint(1);
    const sizes2 = uint(1);
    const indexSize = version === 1 || version === 2 ? sizes2 & 15 : 0;
    const count = uint(version < 2 ? 2 : 4);
    for (let n = 0; n < count; n++) {
      const id = uint(version < 2 ? 2 : 4);
      const method = version === 1 || version === 2 ? uint(2) & 15 : 0;
      uint(2);
      const base = uint(sizes2 >> 4);
      const extentCount = uint(2);
      const extents: { offset: number; length: number }[] = [];
      for (let e = 0; e < extentCount; e++) {
        if (indexSize > 0) uint(indexSize);
        const offset = uint(sizes >> 4);
        const length = uint(sizes & 15);
        extents.push({ offset: base + offset, length });
      }
      let limit = reader.size;
      if (method === 1) {
        if (!idat) {
          map.set(id, null);
          continue;
        }
        for (const extent of extents) extent.offset += idat.body;
        limit = idat.end;
      } else if (method !== 0) {
        map.set(id, null);
        continue;
      }
      // A zero length means "to the end of the file" (ISO 14496-12).
      for (const extent of extents) if (extent.length === 0) extent.length = limit - extent.offset;
      const inside = extents.every((e) => e.offset >= 0 && e.offset + e.length <= limit);
      map.set(id, inside ? [...(map.get(id) ?? []), ...extents] : null);
    }
  } catch {
    report.find("structure", "an item location table cut short", where);
  }
}

/** Boxes in a movie that only hold other boxes. */
const MOVIE_CONTAINERS = new Set(["trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex", "tref"]);
/** Sample formats that are GPS recorded as samples in the media data. */
const GPS_TRACKS: Record<string, string> = {
  gpmd: "a GoPro GPS track (gpmd)",
  camm: "a camera-motion track with GPS (camm)",
  rtmd: "a Sony real-time metadata track (rtmd)",
};
/** Headers that carry a creation and a modification time. */
const HEADER_TIMES: Record<string, string> = {
  mvhd: "movie creation time",
  tkhd: "track creation time",
  mdhd: "media creation time",
};

/** A QuickTime time (seconds since 1904-01-01 UTC) as ISO 8601, when it is a plausible one. */
function quickTimeDate(seconds: number): string | undefined {
  const date = new Date((seconds - 2_082_844_800) * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString().replace(".000Z", "Z");
}

/** udta atoms that are location: ©xyz (ISO 6709 text), @xyz (older iPhones), loci (3GPP). */
const LOCATION_ATOMS = new Set(["\xa9xyz", "@xyz", "loci"]);
/** udta atoms a user should hear about by name. */
const UDTA_NAMES: Record<string, [Category, string]> = {
  "\xa9mak": ["device", "camera make"],
  "\xa9mod": ["device", "camera model"],
  "\xa9swr": ["software", "software"],
  "\xa9day": ["dates", "date"],
  "\xa9ART": ["people", "artist"],
  "\xa9aut": ["people", "author"],
  "\xa9cpy": ["people", "copyright"],
  cprt: ["people", "copyright"],
  auth: ["people", "author"],
};

async function scanMovie(reader: Reader, moov: Box, report: Report, where: string): Promise<void> {
  const walk = async (parent: Box, from: number, path: string): Promise<void> => {
    for (const box of await boxesIn(reader, from, parent.end, report, path)) {
      reader.signal?.throwIfAborted();
      const label = `${path}/${printable(box.type)}`;
      if (LOCATION_ATOMS.has(box.type)) {
        const data = await reader.read(box.body, Math.min(box.end - box.body, 4096));
        const text = /[+-]\d+(\.\d+)?[+-]\d+(\.\d+)?[^\0]*/.exec(data.toString("latin1"))?.[0];
        report.find("location", "video location", label, text);
        locationFromIso6709(text, report);
      } else if (box.type === "XMP_") {
        checkXmp(
          await reader.read(box.body, Math.min(MAX_STRUCTURE, box.end - box.body)),
          label,
          report,
        );
      } else if (box.type === "uuid") {
        await uuidBox(reader, box, report, label);
      } else if (box.type === "meta") {
        await movieMeta(reader, box, report, label);
      } else if (box.type === "stsd") {
        const data = await reader.read(box.body, Math.min(box.end - box.body, 1 << 16));
        const format = data.toString("latin1", 12, 16);
        if (GPS_TRACKS[format]) report.find("location", GPS_TRACKS[format] as string, label);
        else if (format === "mebx" && /location/i.test(data.toString("latin1"))) {
          report.find("location", "a timed location track (mebx)", label);
        }
      } else if (HEADER_TIMES[box.type]) {
        // Creation and modification times: 4 bytes each in version 0, 8 in version 1.
        const head = await reader.read(box.body, 20);
        const width = head[0] === 1 ? 8 : 4;
        const times = head.subarray(4, 4 + 2 * width);
        if (times.length === 2 * width && !allZero(times)) {
          const seconds = width === 8 ? Number(times.readBigUInt64BE(0)) : times.readUInt32BE(0);
          report.find("dates", HEADER_TIMES[box.type] as string, label, quickTimeDate(seconds));
        }
      } else if (box.type === "udta") {
        await walk(box, box.body, label);
      } else if (MOVIE_CONTAINERS.has(box.type)) {
        await walk(box, box.body, label);
      } else if (parent.type === "udta") {
        const named = UDTA_NAMES[box.type];
        const data = await reader.read(box.body, Math.min(box.end - box.body, 1 << 16));
        if (named) report.find(named[0], named[1], label, ascii(data.subarray(4)));
        else if (box.type !== "free" && box.type !== "skip" && !allZero(data)) {
          report.keep(`user data "${printable(box.type)}"`, label);
        }
        for (const signature of signaturesIn(data))
          report.find(signature.category, signature.what, label);
      } else if (box.type === "free" || box.type === "skip") {
        await scanOpaque(reader, box.body, box.end, report, label);
      }
    }
  };
  await walk(moov, moov.body, where);
}

/** QuickTime metadata (keys + ilst) and iTunes-style items. */
async function movieMeta(reader: Reader, meta: Box, report: Report, where: string): Promise<void> {
  const probe = await reader.read(meta.body, 8);
  const start = probe.toString("latin1", 4, 8) === "hdlr" ? meta.body : meta.body + 4;
  const boxes = await boxesIn(reader, start, meta.end, report, where);
  const keyNames = new Map<number, string>();
  const keys = boxes.find((box) => box.type === "keys");
  if (keys && keys.end - keys.body <= MAX_STRUCTURE) {
    const data = await reader.read(keys.body, keys.end - keys.body);
    const count = data.length >= 8 ? data.readUInt32BE(4) : 0;
    let at = 8;
    for (let index = 1; index <= count && at + 8 <= data.length; index++) {
      const size = data.readUInt32BE(at);
      if (size < 8 || at + size > data.length) break;
      keyNames.set(index, data.toString("utf8", at + 8, at + size).replace(/\0/g, ""));
      at += size;
    }
  }
  for (const box of boxes) {
    const label = `${where}/${printable(box.type)}`;
    if (box.type === "ilst") {
      for (const item of await boxesIn(reader, box.body, box.end, report, label)) {
        const index = (await reader.read(item.start + 4, 4)).readUInt32BE(0);
        const key = keyNames.get(index) ?? printable(item.type);
        const data = await reader.read(item.body, Math.min(item.end - item.body, 4096));
        // data atom: size, "data", type, locale, value.
        const value =
          data.toString("latin1", 4, 8) === "data" ? ascii(data.subarray(16)) : undefined;
        const itemLabel = `${label} "${key}"`;
        if (/location/i.test(key) || LOCATION_ATOMS.has(item.type)) {
          if (value || !allZero(data)) {
            report.find("location", "video location", itemLabel, value);
            locationFromIso6709(value, report);
          }
        } else if (/serial/i.test(key)) report.find("device", key, itemLabel, value);
        else if (/make|model/i.test(key)) report.find("device", key, itemLabel, value);
        else if (/date/i.test(key)) report.find("dates", key, itemLabel, value);
        else if (/software/i.test(key)) report.find("software", key, itemLabel, value);
        else if (/author|artist|owner|copyright/i.test(key))
          report.find("people", key, itemLabel, value);
        else for (const s of signaturesIn(data)) report.find(s.category, s.what, itemLabel);
      }
    } else if (box.type === "XMP_" || box.type === "xml ") {
      checkXmp(
        await reader.read(box.body, Math.min(MAX_STRUCTURE, box.end - box.body)),
        label,
        report,
      );
    } else if (box.type === "keys") {
      for (const [, key] of keyNames) {
        if (/location/i.test(key)) report.find("location", "a location key", label, key);
      }
    } else if (box.type !== "hdlr") {
      await scanOpaque(
        reader,
        box.body,
        Math.min(box.end, box.body + MAX_STRUCTURE),
        report,
        label,
      );
    }
  }
}

function locationFromIso6709(text: string | undefined, report: Report): void {
  const match = /^([+-]\d+(?:\.(\d+))?)([+-]\d+(?:\.(\d+))?)/.exec(text ?? "");
  if (!match || report.coordinates) return;
  const decimals = Math.min(match[2]?.length ?? 0, match[4]?.length ?? 0);
  report.coordinates = {
    latitude: Number(match[1]),
    longitude: Number(match[3]),
    precisionMetres: 111_000 / 10 ** decimals,
  };
}

// ---------------------------------------------------------------------------------------
// Words for people

/** How precisely a position pins a place, in words: "to within about 3 m (a house)". */
export function precisionNote(metres: number | undefined): string {
  if (metres === undefined) return "";
  const rounded = metres < 10 ? Math.max(1, Math.round(metres)) : Math.round(metres / 10) * 10;
  const place =
    metres <= 30
      ? "enough to find the building"
      : metres <= 300
        ? "the street or block"
        : metres <= 3000
          ? "the neighbourhood"
          : metres <= 30_000
            ? "the town"
            : "the region";
  return `precise to about ${rounded < 1000 ? `${rounded} m` : `${Math.round(rounded / 1000)} km`}: ${place}`;
}

const CATEGORY_ORDER: Category[] = [
  "location",
  "people",
  "device",
  "dates",
  "software",
  "text",
  "embedded",
  "other",
  "structure",
];

/** The findings in a sentence, most identifying first: "GPS latitude, owner name (in …)". */
export function summariseFindings(findings: Finding[], limit = 6): string {
  const sorted = [...findings].sort(
    (a, b) => CATEGORY_ORDER.indexOf(a.category) - CATEGORY_ORDER.indexOf(b.category),
  );
  const names = [...new Set(sorted.map((finding) => finding.what))];
  const places = [...new Set(sorted.map((finding) => finding.where))];
  const shown = names.slice(0, limit).join(", ");
  const more = names.length > limit ? ` and ${names.length - limit} more` : "";
  const where = places.slice(0, 2).join("; ") + (places.length > 2 ? "; …" : "");
  return `${shown}${more} (in ${where})`;
}
