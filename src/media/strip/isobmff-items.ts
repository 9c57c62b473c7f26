// Photos (HEIC/HEIF/AVIF): items in a top-level meta box.
import { analyseExif, minimalExif } from "./exif.ts";
import { fourcc, type Source } from "./io.ts";
import { type Box, children, freeBox, MAX_METADATA_READ, type Patch } from "./isobmff-boxes.ts";
import { exifInJpeg } from "./jpeg-segments.ts";
import { type Findings, LABELS } from "./labels.ts";
import { blankXmp, xmpFindings, xmpHasLocation } from "./xmp.ts";

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

export interface Extent {
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

export async function isImageFile(src: Source, ftyp: Box): Promise<boolean> {
  if (ftyp.type !== "ftyp") return false;
  const length = Math.min(ftyp.end - ftyp.body, 1024);
  const brands = await src.read(ftyp.body, length, "the file type box");
  for (let at = 0; at + 4 <= brands.length; at += 4) {
    if (at !== 4 && IMAGE_BRANDS.has(fourcc(brands, at))) return true;
  }
  return false;
}

/** Zero patches for the parts of [start, end) that no extent covers. */
export function unusedRanges(start: number, end: number, used: Extent[]): Patch[] {
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

/** Item properties are judged; boxes of `meta` not needed to find and show the items are freed. */
async function metaChildren(src: Source, boxes: Box[], findings: Findings): Promise<Patch[]> {
  const patches: Patch[] = [];
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
  return patches;
}

/** Data located in iloc but declared by no item: nothing shows it, so nothing needs it. */
function undeclaredData(
  items: ItemInfo[],
  locations: Awaited<ReturnType<typeof itemLocations>>,
  findings: Findings,
): Patch[] {
  const patches: Patch[] = [];
  const declared = new Set(items.map((item) => item.id));
  for (const [id, location] of locations) {
    if (declared.has(id) || typeof location === "string") continue;
    findings.add(LABELS.other);
    for (const extent of location) patches.push({ at: extent.offset, zeros: extent.length });
  }
  return patches;
}

export async function itemMetadata(
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
  patches.push(...(await metaChildren(src, boxes, findings)));
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
  patches.push(...undeclaredData(items, locations, findings));
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
