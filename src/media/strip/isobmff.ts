/**
 * ISO base media files: HEIC/HEIF/AVIF photos and MP4/MOV videos. Nothing moves: the file is
 * copied a chunk at a time and identifying data is then overwritten in place, so every
 * offset (iloc extents, stco/co64 chunk offsets) stays valid. A closed world:
 *
 * - Top level: only the boxes that make up the picture or the movie stay (ftyp, meta, moov,
 *   mdat, moof, …). Anything else (a Samsung `sefd` trailer, a motion photo's `mpvd` video,
 *   XMP or unknown `uuid` boxes, boxes nobody listed) is renamed `free` and zeroed.
 * - Photos: every item of the (single) item list is considered. Image items stay; the Exif
 *   item's TIFF block becomes a minimal one padded with zeros; XMP and every other non-image
 *   item are zeroed. An item whose data can't be located within the file is refused, as is a
 *   second item list. Unknown boxes in `meta` and unknown item properties are freed.
 *   Orientation lives in irot/imir, which are untouched (the minimal EXIF keeps its
 *   Orientation tag too). Auxiliary images (Apple's HDR gain map, depth) are images: they stay.
 * - Videos: every user-data atom in every `udta` (location, and make, model, software and
 *   date too, as a photo loses them from its EXIF), every item of every `meta` (QuickTime
 *   keys and iTunes-style items) with its key's name, every `uuid` box inside the movie and
 *   boxes that are not part of the movie or its tracks are renamed `free` and zeroed; a
 *   compressed movie box is refused. The movie, track and media headers' creation and
 *   modification times are zeroed (when it was taken, as a photo's EXIF dates).
 * - GPS that lives in a timed-metadata track (GoPro gpmd, camm, Sony rtmd, Apple mebx with
 *   location keys) is sample data inside mdat: it is reported in `notRemoved`, not touched.
 */
import { analyseExif, minimalExif } from "./exif.ts";
import { fourcc, type Sink, type Source } from "./io.ts";
import { exifInJpeg } from "./jpeg.ts";
import { type Findings, LABELS, type Label } from "./labels.ts";
import { blankXmp, xmpFindings, xmpHasLocation } from "./xmp.ts";

interface Box {
  type: string;
  start: number;
  /** Where the payload starts (after size, type, largesize and uuid). */
  body: number;
  end: number;
}

type Patch = { at: number; bytes: Buffer } | { at: number; zeros: number };

const ZERO_CHUNK = Buffer.alloc(1 << 16);

const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";
const MAX_METADATA_READ = 16 << 20;
/** Top-level boxes that are part of a picture or a movie (ISO 14496-12, HEIF, QuickTime). */
const TOP_LEVEL = new Set([
  "ftyp",
  "styp",
  "meta",
  "moov",
  "mdat",
  "moof",
  "mfra",
  "sidx",
  "ssix",
  "prft",
  "pdin",
  "free",
  "skip",
  "wide",
]);
/** Boxes of a HEIF `meta` that describe the items; anything else is freed. */
const META_CHILDREN = new Set([
  "hdlr",
  "pitm",
  "iloc",
  "iinf",
  "iref",
  "iprp",
  "idat",
  "dinf",
  "grpl",
  "free",
  "skip",
]);
/** Item types that are pictures (or built from pictures): their data is the image. */
const IMAGE_ITEMS = new Set([
  "hvc1",
  "hev1",
  "hvt1",
  "lhv1",
  "av01",
  "avc1",
  "avc3",
  "vvc1",
  "j2k1",
  "jpeg",
  "unci",
  "mski",
  "grid",
  "iden",
  "iovl",
  "tmap",
]);
/** Item properties that say how to decode and show an image. */
const PROPERTIES = new Set([
  "hvcC",
  "av1C",
  "avcC",
  "vvcC",
  "lhvC",
  "j2kH",
  "jpgC",
  "uncC",
  "cmpd",
  "ispe",
  "pixi",
  "colr",
  "irot",
  "imir",
  "clap",
  "pasp",
  "auxC",
  "rloc",
  "lsel",
  "oinf",
  "tols",
  "a1op",
  "a1lx",
  "clli",
  "mdcv",
  "cclv",
  "amve",
  "reve",
  "altt",
  "iscl",
  "free",
  "skip",
]);
const GPS_TRACK_FORMATS = new Map([
  ["gpmd", "GoPro GPMF"],
  ["camm", "camera-motion (camm)"],
  ["rtmd", "Sony real-time metadata"],
]);

async function readBox(src: Source, at: number, limit: number, parent: string): Promise<Box> {
  if (at + 8 > limit) {
    throw src.malformed(`a box inside "${parent}" at byte ${at} is cut short`);
  }
  const header = await src.read(at, 8, "a box header");
  let size = header.readUInt32BE(0);
  const type = fourcc(header, 4);
  let body = at + 8;
  if (size === 1) {
    const large = (await src.read(at + 8, 8, "a 64-bit box size")).readBigUInt64BE(0);
    if (large > BigInt(Number.MAX_SAFE_INTEGER))
      throw src.malformed(`the "${type}" box is impossibly large`);
    size = Number(large);
    body += 8;
  } else if (size === 0) {
    size = limit - at; // extends to the end of its container
  }
  if (type === "uuid") body += 16;
  const end = at + size;
  if (size < body - at || end > limit) {
    throw src.malformed(
      `the "${type}" box at byte ${at} runs past the end of ${parent === "file" ? "the file" : `"${parent}"`}`,
    );
  }
  return { type, start: at, body, end };
}

async function children(src: Source, start: number, end: number, parent: string): Promise<Box[]> {
  const boxes: Box[] = [];
  for (let at = start; at < end; ) {
    // QuickTime lets a user-data list end with a 32-bit zero.
    if (end - at < 8) {
      const rest = await src.read(at, end - at);
      if (rest.every((byte) => byte === 0)) break;
      throw src.malformed(`a box inside "${parent}" at byte ${at} is cut short`);
    }
    const box = await readBox(src, at, end, parent);
    boxes.push(box);
    at = box.end;
    if (boxes.length > 100_000) throw src.malformed(`"${parent}" holds too many boxes`);
  }
  return boxes;
}

export async function stripIsobmff(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const top = await children(src, 0, src.size, "file");
  const first = top[0];
  if (!first || !["ftyp", "moov", "mdat", "wide", "free", "skip"].includes(first.type)) {
    throw src.malformed("it does not start with an ftyp box");
  }
  const patches: Patch[] = [];
  let sawMeta = false;
  /** Where the image items' data is (a photo); undefined for a movie. */
  let imageData: Extent[] | undefined;
  for (const box of top) {
    src.signal?.throwIfAborted();
    if (box.type === "meta" && !sawMeta) {
      sawMeta = true;
      const items = await itemMetadata(src, box, findings);
      patches.push(...items.patches);
      imageData = items.imageData;
    } else if (box.type === "moov") patches.push(...(await movieMetadata(src, box, findings)));
    else if (box.type === "uuid") {
      const xmp = await xmpBox(src, box, findings);
      if (xmp.length === 0) findings.add(LABELS.other);
      patches.push(...freeBox(box));
    } else if (box.type === "mpvd") {
      // A Samsung motion photo's video: an MP4 of its own, with its own location atoms.
      findings.add(LABELS.motionVideo);
      findings.note(MOTION_PHOTO_DROPPED);
      patches.push(...freeBox(box));
    } else if (box.type === "free" || box.type === "skip") {
      if (box.end > box.body) patches.push({ at: box.body, zeros: box.end - box.body });
    } else if (!TOP_LEVEL.has(box.type) || box.type === "meta") {
      findings.add(LABELS.other); // e.g. Samsung's sefd: country code, UTC time stamp
      patches.push(...freeBox(box));
    }
  }
  const isMovie = top.some((box) => box.type === "moov" || box.type === "moof");
  if (!isMovie && (await isImageFile(src, first))) {
    if (!imageData) {
      throw src.malformed(
        "it has neither a movie nor an item list (meta/iinf) describing its picture",
      );
    }
    // A photo's media data holds its items and nothing else: every byte of an mdat box that no
    // image item uses (metadata items are already blanked) is zeroed.
    for (const box of top.filter((b) => b.type === "mdat")) {
      patches.push(...unusedRanges(box.body, box.end, imageData));
    }
  }
  await sink.copy(src, 0, src.size);
  for (const patch of patches) {
    src.signal?.throwIfAborted();
    if ("bytes" in patch) await sink.patch(patch.at, patch.bytes);
    else {
      for (let done = 0; done < patch.zeros; done += ZERO_CHUNK.length) {
        const length = Math.min(ZERO_CHUNK.length, patch.zeros - done);
        await sink.patch(patch.at + done, ZERO_CHUNK.subarray(0, length));
      }
    }
  }
}

const MOTION_PHOTO_DROPPED =
  "this is a motion photo: its short video (which can carry its own location) was dropped; the still photo is sent.";

async function xmpBox(src: Source, box: Box, findings: Findings): Promise<Patch[]> {
  const uuid = (await src.read(box.body - 16, 16)).toString("hex");
  if (uuid !== XMP_UUID) return [];
  return xmpAtom(src, box, findings);
}

async function xmpAtom(src: Source, box: Box, findings: Findings): Promise<Patch[]> {
  const length = box.end - box.body;
  const data = length <= MAX_METADATA_READ ? await src.read(box.body, length) : Buffer.alloc(0);
  findings.merge(xmpFindings(data));
  return freeBox(box);
}

/**
 * Renames a box `free` and zeroes its contents (a uuid box's user type too); a 64-bit size
 * field is left as it was, so no size changes anywhere.
 */
function freeBox(box: Box): Patch[] {
  const large = box.body - box.start - (box.type === "uuid" ? 16 : 0) === 16;
  const contentStart = box.start + (large ? 16 : 8);
  return [
    { at: box.start + 4, bytes: Buffer.from("free", "latin1") },
    { at: contentStart, zeros: box.end - contentStart },
  ];
}

// ---------------------------------------------------------------------------------------
// Photos: items in a top-level meta box.

interface Extent {
  offset: number;
  length: number;
}

/** HEIF/AVIF brands: the file is a photo made of items, not a movie. */
const IMAGE_BRANDS = new Set([
  "mif1",
  "mif2",
  "msf1",
  "heic",
  "heix",
  "heim",
  "heis",
  "avif",
  "avis",
  "avio",
  "MiHE",
  "MiAF",
  "miaf",
]);

async function isImageFile(src: Source, ftyp: Box): Promise<boolean> {
  if (ftyp.type !== "ftyp") return false;
  const length = Math.min(ftyp.end - ftyp.body, 1024);
  const brands = await src.read(ftyp.body, length, "the file type box");
  for (let at = 0; at + 4 <= brands.length; at += 4) {
    if (at !== 4 && IMAGE_BRANDS.has(fourcc(brands, at))) return true;
  }
  return false;
}

/** Zero patches for the parts of [start, end) that no extent covers. */
function unusedRanges(start: number, end: number, used: Extent[]): Patch[] {
  const patches: Patch[] = [];
  const sorted = used
    .filter((extent) => extent.offset < end && extent.offset + extent.length > start)
    .sort((a, b) => a.offset - b.offset);
  let at = start;
  for (const extent of sorted) {
    if (extent.offset > at) patches.push({ at, zeros: extent.offset - at });
    at = Math.max(at, extent.offset + extent.length);
  }
  if (at < end) patches.push({ at, zeros: end - at });
  return patches;
}

async function itemMetadata(
  src: Source,
  meta: Box,
  findings: Findings,
): Promise<{ patches: Patch[]; imageData: Extent[] | undefined }> {
  const boxes = await children(src, meta.body + 4, meta.end, "meta");
  const patches: Patch[] = [];
  const lists = boxes.filter((box) => box.type === "iinf");
  const tables = boxes.filter((box) => box.type === "iloc");
  if (lists.length > 1 || tables.length > 1) {
    throw src.malformed(
      `it has ${lists.length > 1 ? "two item lists (iinf)" : "two item location tables (iloc)"}, so dmshare can't tell which metadata it holds`,
    );
  }
  for (const box of boxes) {
    if (box.type === "iprp") patches.push(...(await itemProperties(src, box, findings)));
    else if (!META_CHILDREN.has(box.type)) {
      // xml/bxml (XML metadata), uuid, anything not needed to find and show the items.
      const length = box.end - box.body;
      const data = length <= MAX_METADATA_READ ? await src.read(box.body, length) : Buffer.alloc(0);
      if (box.type === "xml " || box.type === "bxml" || xmpHasLocation(data))
        findings.merge(xmpFindings(data));
      else findings.add(LABELS.other);
      patches.push(...freeBox(box));
    }
  }
  const [iinf] = lists;
  const [iloc] = tables;
  if (!iinf) return { patches, imageData: undefined };
  const imageData: Extent[] = [];
  const items = await itemInfos(src, iinf);
  const locations: Awaited<ReturnType<typeof itemLocations>> = iloc
    ? await itemLocations(
        src,
        iloc,
        boxes.find((box) => box.type === "idat"),
      )
    : new Map();
  // Data located in iloc but declared by no item: nothing shows it, so nothing needs it.
  const declared = new Set(items.map((item) => item.id));
  for (const [id, location] of locations) {
    if (declared.has(id) || typeof location === "string") continue;
    findings.add(LABELS.other);
    for (const extent of location) patches.push({ at: extent.offset, zeros: extent.length });
  }
  for (const item of items) {
    const isExif = item.type === "Exif";
    const isXmp = item.type === "mime" && item.contentType === "application/rdf+xml";
    if (IMAGE_ITEMS.has(item.type)) {
      const location = locations.get(item.id);
      if (typeof location === "object") imageData.push(...location);
      continue;
    }
    const what = isExif ? "EXIF" : isXmp ? "XMP" : `"${item.type || "unnamed"}" item`;
    const location = locations.get(item.id);
    if (location === "absent") continue; // declared but with no data
    if (!location || location === "invalid") {
      throw src.malformed(
        `its ${what} data (item ${item.id}) is not where the file says it is (past the end of the file, or stored in a way dmshare can't read)`,
      );
    }
    const extents = location;
    const total = extents.reduce((sum, extent) => sum + extent.length, 0);
    if (total > MAX_METADATA_READ && (isExif || isXmp)) {
      throw src.malformed(`its ${what} data is too large to check`);
    }
    if (!isExif && !isXmp) {
      // Not a picture and not metadata dmshare knows: its data is zeroed.
      findings.add(item.type === "mime" ? LABELS.xmp : LABELS.other);
      for (const extent of extents) patches.push({ at: extent.offset, zeros: extent.length });
      continue;
    }
    const parts: Buffer[] = [];
    for (const extent of extents)
      parts.push(await src.read(extent.offset, extent.length, "an item's data"));
    const payload = Buffer.concat(parts);
    const replacement = isExif
      ? blankExifItem(payload, findings)
      : blankXmpItem(payload, item, findings);
    imageData.push(...extents); // rewritten in place below, not zeroed as unused
    if (!replacement) continue;
    let done = 0;
    for (const extent of extents) {
      patches.push({ at: extent.offset, bytes: replacement.subarray(done, done + extent.length) });
      done += extent.length;
    }
  }
  return { patches, imageData };
}

/** Frees item properties that are not about decoding or showing an image (e.g. udes: a title, a description, tags). */
async function itemProperties(src: Source, iprp: Box, findings: Findings): Promise<Patch[]> {
  const patches: Patch[] = [];
  for (const box of await children(src, iprp.body, iprp.end, "iprp")) {
    if (box.type !== "ipco") continue;
    for (const property of await children(src, box.body, box.end, "ipco")) {
      if (PROPERTIES.has(property.type)) continue;
      findings.add(property.type === "udes" ? LABELS.comments : LABELS.other);
      patches.push(...freeBox(property));
    }
  }
  return patches;
}

/** ExifDataBlock: a 32-bit offset to the TIFF header, then the payload (often "Exif\0\0" + TIFF). */
function blankExifItem(payload: Buffer, findings: Findings): Buffer | null {
  if (payload.length < 4) return null;
  const tiffAt = 4 + payload.readUInt32BE(0);
  if (tiffAt >= payload.length) {
    findings.add(LABELS.exif);
    return Buffer.concat([payload.subarray(0, 4), Buffer.alloc(payload.length - 4)]);
  }
  const analysis = analyseExif(payload.subarray(tiffAt), exifInJpeg);
  if (analysis.readable && analysis.clean) return null;
  findings.merge(analysis.findings);
  const out = Buffer.alloc(payload.length);
  payload.copy(out, 0, 0, tiffAt);
  const minimal = analysis.readable ? minimalExif(analysis) : null;
  if (minimal && tiffAt + minimal.length <= out.length) minimal.copy(out, tiffAt);
  return out;
}

function blankXmpItem(payload: Buffer, item: ItemInfo, findings: Findings): Buffer | null {
  findings.merge(xmpFindings(item.contentEncoding ? Buffer.alloc(0) : payload));
  if (item.contentEncoding && !xmpHasLocation(payload)) findings.add(LABELS.xmp);
  return item.contentEncoding ? Buffer.alloc(payload.length) : blankXmp(payload.length);
}

interface ItemInfo {
  id: number;
  type: string;
  contentType?: string;
  contentEncoding?: string;
}

async function itemInfos(src: Source, iinf: Box): Promise<ItemInfo[]> {
  const head = await src.read(iinf.body, 4, "the item list");
  const version = head[0] ?? 0;
  const entriesAt = iinf.body + 4 + (version === 0 ? 2 : 4);
  const infos: ItemInfo[] = [];
  for (const infe of await children(src, entriesAt, iinf.end, "iinf")) {
    if (infe.type !== "infe") continue;
    const data = await src.read(infe.body, Math.min(infe.end - infe.body, 4096), "an item entry");
    const infeVersion = data[0] ?? 0;
    const strings = (from: number) => {
      const out: string[] = [];
      let at = from;
      while (at < data.length && out.length < 3) {
        const end = data.indexOf(0, at);
        out.push(data.toString("utf8", at, end === -1 ? data.length : end));
        at = end === -1 ? data.length : end + 1;
      }
      return out;
    };
    if (infeVersion >= 2) {
      const idSize = infeVersion === 2 ? 2 : 4;
      if (data.length < 4 + idSize + 6) continue;
      const id = idSize === 2 ? data.readUInt16BE(4) : data.readUInt32BE(4);
      const type = fourcc(data, 4 + idSize + 2);
      const [, contentType, contentEncoding] = strings(4 + idSize + 6);
      infos.push({ id, type, contentType, contentEncoding: contentEncoding || undefined });
    } else if (data.length >= 8) {
      const [, contentType, contentEncoding] = strings(8);
      const type = contentType === "application/rdf+xml" ? "mime" : "";
      infos.push({
        id: data.readUInt16BE(4),
        type,
        contentType,
        contentEncoding: contentEncoding || undefined,
      });
    }
  }
  return infos;
}

async function itemLocations(
  src: Source,
  iloc: Box,
  idat: Box | undefined,
): Promise<Map<number, Extent[] | "invalid" | "absent">> {
  const length = iloc.end - iloc.body;
  if (length > MAX_METADATA_READ)
    throw src.malformed("its item location table is impossibly large");
  const data = await src.read(iloc.body, length, "the item location table");
  let at = 4;
  const version = data[0] ?? 0;
  const need = (bytes: number) => {
    if (at + bytes > data.length) throw src.malformed("its item location table is cut short");
  };
  const uint = (size: number): number => {
    need(size);
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + (data[at + i] ?? 0);
    at += size;
    return value;
  };
  const sizes = uint(1);
  const offsetSize = sizes >> 4;
  const lengthSize = sizes & 15;
  const sizes2 = uint(1);
  const baseOffsetSize = sizes2 >> 4;
  const indexSize = version === 1 || version === 2 ? sizes2 & 15 : 0;
  const count = uint(version < 2 ? 2 : 4);
  const map = new Map<number, Extent[] | "invalid" | "absent">();
  for (let n = 0; n < count; n++) {
    const id = uint(version < 2 ? 2 : 4);
    const method = version === 1 || version === 2 ? uint(2) & 15 : 0;
    uint(2); // data_reference_index
    const base = uint(baseOffsetSize);
    const extentCount = uint(2);
    const extents: Extent[] = [];
    for (let e = 0; e < extentCount; e++) {
      if (indexSize > 0) uint(indexSize);
      const offset = uint(offsetSize);
      const extentLength = uint(lengthSize);
      extents.push({ offset: base + offset, length: extentLength });
    }
    if (method === 1 && idat) {
      for (const extent of extents) extent.offset += idat.body;
    }
    const fileEnd = method === 1 && idat ? idat.end : src.size;
    // A zero length means "to the end of the file" (or of idat): take it at its word.
    for (const extent of extents) {
      if (extent.length === 0 && extentCount === 1)
        extent.length = Math.max(0, fileEnd - extent.offset);
    }
    const valid =
      (method === 0 || (method === 1 && idat)) &&
      extents.every((extent) => extent.offset + extent.length <= fileEnd);
    if (extentCount === 0) map.set(id, "absent");
    else map.set(id, valid ? extents : "invalid");
  }
  return map;
}

// ---------------------------------------------------------------------------------------
// Videos: the movie box.

const MOVIE_CONTAINERS = new Set(["trak", "mdia", "minf", "stbl", "udta", "edts", "dinf", "mvex"]);
/** Location in user data: ISO 6709 text (©xyz, and @xyz on older iPhones) and 3GPP loci. */
const LOCATION_ATOMS = new Set(["©xyz", "@xyz", "loci"]);
/** What a movie and a track are made of; anything else directly inside them is freed. */
const MOVIE_CHILDREN: Record<string, Set<string>> = {
  moov: new Set(["mvhd", "trak", "mvex", "iods", "udta", "meta", "uuid", "free", "skip", "pssh"]),
  trak: new Set([
    "tkhd",
    "tref",
    "trgr",
    "edts",
    "mdia",
    "tapt",
    "txas",
    "load",
    "imap",
    "matt",
    "kmat",
    "clip",
    "udta",
    "meta",
    "uuid",
    "free",
    "skip",
    "sgpd",
    "sbgp",
  ]),
};

/**
 * User data that stays: only the containers walked for location and padding. Every user-data
 * atom is freed, make, model, software and date included: a video from a phone tells its
 * recipient no more than a photo from the same phone.
 */
const USER_DATA = new Set(["meta", "free", "skip"]);

/** What a user-data atom or QuickTime key that goes is called in the list of what was removed. */
function userDataLabel(name: string): Label {
  if (/^©(mak|mod)$|make|model/i.test(name)) return LABELS.camera;
  if (/^©swr$|software/i.test(name)) return LABELS.software;
  if (/^©day$|date/i.test(name)) return LABELS.dates;
  return LABELS.text;
}

async function movieMetadata(src: Source, moov: Box, findings: Findings): Promise<Patch[]> {
  const patches: Patch[] = [];
  const walk = async (parent: Box, start: number): Promise<void> => {
    for (const box of await children(src, start, parent.end, parent.type)) {
      src.signal?.throwIfAborted();
      const allowed = MOVIE_CHILDREN[parent.type];
      if (box.type === "cmov") {
        throw src.malformed("its movie header is compressed (cmov), so dmshare can't check it");
      } else if (allowed && !allowed.has(box.type)) {
        findings.add(LABELS.other);
        patches.push(...freeBox(box));
      } else if (LOCATION_ATOMS.has(box.type) && parent.type === "udta") {
        findings.add(LABELS.videoLocation, true);
        patches.push(...freeBox(box));
      } else if ((box.type === "XMP_" || box.type === "xml ") && parent.type === "udta") {
        patches.push(...(await xmpAtom(src, box, findings)));
      } else if (parent.type === "udta" && !USER_DATA.has(box.type)) {
        // Make, model, dates, vendors' user data (Samsung smta/smrd, GoPro, …): not needed
        // to play the movie.
        const label = userDataLabel(box.type);
        findings.add(label === LABELS.text ? LABELS.other : label);
        patches.push(...freeBox(box));
      } else if (box.type === "uuid") {
        // XMP, or a vendor's box nobody listed: neither is needed to play the movie.
        const xmp = await xmpBox(src, box, findings);
        if (xmp.length === 0) findings.add(LABELS.other);
        patches.push(...freeBox(box));
      } else if (box.type === "meta") {
        patches.push(...(await movieMeta(src, box, findings)));
      } else if (box.type === "stsd") {
        await timedMetadata(src, box, findings);
      } else if (HEADERS_WITH_TIMES.has(box.type)) {
        patches.push(...(await headerTimes(src, box, findings)));
      } else if (MOVIE_CONTAINERS.has(box.type)) {
        await walk(box, box.body);
      }
    }
  };
  await walk(moov, moov.body);
  return patches;
}

/** Movie, track and media headers: each starts with a creation and a modification time. */
const HEADERS_WITH_TIMES = new Set(["mvhd", "tkhd", "mdhd"]);

/**
 * Zeroes a header's creation and modification times (when the video was taken, as a photo's
 * EXIF dates are): 4 bytes each in version 0, 8 in version 1, right after version and flags.
 * Players don't need them; zero is what "not set" means.
 */
async function headerTimes(src: Source, box: Box, findings: Findings): Promise<Patch[]> {
  const head = await src.readSome(box.body, 20);
  const width = head[0] === 1 ? 8 : 4;
  if (head.length < 4 + 2 * width || head.subarray(4, 4 + 2 * width).every((byte) => byte === 0)) {
    return [];
  }
  findings.add(LABELS.dates);
  return [{ at: box.body + 4, zeros: 2 * width }];
}

/** QuickTime's meta box has no version/flags; the ISO one does. */
async function metaChildrenStart(src: Source, meta: Box): Promise<number> {
  const probe = await src.readSome(meta.body, 8);
  return probe.length === 8 && fourcc(probe, 4) === "hdlr" ? meta.body : meta.body + 4;
}

async function movieMeta(src: Source, meta: Box, findings: Findings): Promise<Patch[]> {
  const boxes = await children(src, await metaChildrenStart(src, meta), meta.end, "meta");
  const patches: Patch[] = [];
  const keys = boxes.find((box) => box.type === "keys");
  /** Keys (by 1-based index): every item goes, with its key's name. */
  const dropped = new Map<
    number,
    { at: number; length: number; location: boolean; label: Label }
  >();
  if (keys && keys.end - keys.body > MAX_METADATA_READ) {
    throw src.malformed("its metadata keys are too large to check");
  }
  if (keys) {
    const data = await src.read(keys.body, keys.end - keys.body, "the metadata keys");
    const count = data.length >= 8 ? data.readUInt32BE(4) : 0;
    let at = 8;
    for (let index = 1; index <= count && at + 8 <= data.length; index++) {
      const size = data.readUInt32BE(at);
      if (size < 8 || at + size > data.length) break;
      const name = data.toString("utf8", at + 8, at + size);
      dropped.set(index, {
        at: keys.body + at + 8,
        length: size - 8,
        location: /location/i.test(name),
        label: userDataLabel(name),
      });
      at += size;
    }
  }
  for (const box of boxes) {
    if (box.type === "ilst") {
      for (const item of await children(src, box.body, box.end, "ilst")) {
        const index = (await src.read(item.start + 4, 4)).readUInt32BE(0);
        const key = keys ? dropped.get(index) : undefined;
        const location = key ? key.location : LOCATION_ATOMS.has(item.type);
        // Padding, an item freed before (a copy stripped again stays as it is).
        if (item.type === "free" || item.type === "skip") continue;
        if (!keys && USER_DATA.has(item.type)) continue;
        const label = key ? key.label : userDataLabel(item.type);
        findings.add(location ? LABELS.videoLocation : label, location);
        patches.push(...freeBox(item));
        if (key) patches.push({ at: key.at, bytes: Buffer.alloc(key.length) });
      }
    } else if (box.type === "XMP_" || box.type === "xml ") {
      patches.push(...(await xmpAtom(src, box, findings)));
    } else if (box.type !== "hdlr" && box.type !== "keys" && box.type !== "free") {
      findings.add(LABELS.other);
      patches.push(...freeBox(box));
    }
  }
  return patches;
}

/** Sample descriptions that mean GPS is recorded as samples in mdat, where dmshare can't reach. */
async function timedMetadata(src: Source, stsd: Box, findings: Findings): Promise<void> {
  const length = Math.min(stsd.end - stsd.body, 1 << 16);
  const data = await src.read(stsd.body, length, "a sample description");
  if (data.length < 16) return;
  const format = fourcc(data, 12);
  const described = GPS_TRACK_FORMATS.get(format);
  const appleLocation = format === "mebx" && /location/i.test(data.toString("latin1"));
  if (described || appleLocation) {
    findings.cannotRemove(
      `This video records its location as a ${described ?? "timed metadata"} track inside the video data, which dmshare cannot remove without re-encoding the video.`,
      true,
    );
  }
}
