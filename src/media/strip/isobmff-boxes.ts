// ISO base media boxes as the stripper reads them, and the patches that free them.
import { fourcc, type Source } from "./io.ts";
import type { Findings } from "./labels.ts";
import { xmpFindings } from "./xmp.ts";

export interface Box {
  type: string;
  start: number;
  /** Where the payload starts (after size, type, largesize and uuid). */
  body: number;
  end: number;
}

export type Patch = { at: number; bytes: Buffer } | { at: number; zeros: number };

const XMP_UUID = "be7acfcb97a942e89c71999491e3afac";
export const MAX_METADATA_READ = 16 << 20;

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

export async function children(
  src: Source,
  start: number,
  end: number,
  parent: string,
): Promise<Box[]> {
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

export async function xmpBox(src: Source, box: Box, findings: Findings): Promise<Patch[]> {
  const uuid = (await src.read(box.body - 16, 16)).toString("hex");
  if (uuid !== XMP_UUID) return [];
  return xmpAtom(src, box, findings);
}

export async function xmpAtom(src: Source, box: Box, findings: Findings): Promise<Patch[]> {
  const length = box.end - box.body;
  const data = length <= MAX_METADATA_READ ? await src.read(box.body, length) : Buffer.alloc(0);
  findings.merge(xmpFindings(data));
  return freeBox(box);
}

/**
 * Renames a box `free` and zeroes its contents (a uuid box's user type too); a 64-bit size
 * field is left as it was, so no size changes anywhere.
 */
export function freeBox(box: Box): Patch[] {
  const large = box.body - box.start - (box.type === "uuid" ? 16 : 0) === 16;
  const contentStart = box.start + (large ? 16 : 8);
  return [
    { at: box.start + 4, bytes: Buffer.from("free", "latin1") },
    { at: contentStart, zeros: box.end - contentStart },
  ];
}
