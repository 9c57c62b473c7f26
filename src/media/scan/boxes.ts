// ISO base media boxes (HEIC/HEIF/AVIF and MP4/MOV), shared by pictures and movies.
import { scanOpaque } from "./opaque.ts";
import { allZero, MAX_STRUCTURE, type Reader } from "./reader.ts";
import type { Report } from "./report.ts";
import { checkXmp } from "./xmp.ts";

export interface Box {
  type: string;
  start: number;
  body: number;
  end: number;
}

export async function boxesIn(
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

export const printable = (type: string) => type.replace(/[^\x20-\x7e\xa9]/g, "?");

const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";

export async function uuidBox(
  reader: Reader,
  box: Box,
  report: Report,
  where: string,
): Promise<void> {
  const uuid = (await reader.read(box.body - 16, 16)).toString("hex");
  if (uuid === XMP_UUID) {
    if (box.end - box.body > MAX_STRUCTURE) report.find("other", "an oversized XMP packet", where);
    else checkXmp(await reader.read(box.body, box.end - box.body), `${where} (XMP)`, report);
    return;
  }
  await scanOpaque(reader, box.body, box.end, report, where);
}
