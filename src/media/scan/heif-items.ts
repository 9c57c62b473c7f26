// HEIF items: each Exif and XMP item is judged, any other non-picture item searched.
import { type Box, boxesIn, printable } from "./boxes.ts";
import { scanOpaque, signaturesIn } from "./opaque.ts";
import { allZero, MAX_STRUCTURE, type Reader, startsWith } from "./reader.ts";
import type { Report } from "./report.ts";
import { checkTiff } from "./tiff.ts";
import { checkXmp } from "./xmp.ts";

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
export async function scanItems(
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
  await searchUndescribed(reader, items, locations, report, where);
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
    if (!allZero(data)) judgeItem(item, data, label, report);
  }
}

/** Judges the data of a non-picture item: EXIF and XMP by their rules, anything else searched. */
function judgeItem(item: Item, data: Buffer, label: string, report: Report): void {
  if (item.type === "Exif") {
    if (data.length < 4) return;
    const tiffAtOffset = 4 + data.readUInt32BE(0);
    let tiff = data.subarray(Math.min(tiffAtOffset, data.length));
    if (!(startsWith(tiff, "II") || startsWith(tiff, "MM"))) {
      const found = data.indexOf("Exif\0\0", 4, "latin1");
      tiff = found === -1 ? tiff : data.subarray(found + 6);
    }
    if (allZero(tiff)) return;
    checkTiff(tiff, label, report);
  } else if (item.type === "mime" && /xml|xmp/i.test(item.contentType)) {
    checkXmp(data, label, report);
  } else {
    report.find("other", "a metadata item", label);
    for (const signature of signaturesIn(data))
      report.find(signature.category, signature.what, label);
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

/** Items located but not described: their data could be anything, so it is searched. */
async function searchUndescribed(
  reader: Reader,
  items: Item[],
  locations: Map<number, { offset: number; length: number }[] | null>,
  report: Report,
  where: string,
): Promise<void> {
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
}
