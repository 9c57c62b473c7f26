// GIF: blocks walked; comments, plain text and unknown application data are findings.
import { scanOpaque, signaturesIn } from "./opaque.ts";
import { MAX_STRUCTURE, type Reader, zeroRange } from "./reader.ts";
import { ascii, type Report } from "./report.ts";
import { checkXmp } from "./xmp.ts";

/** Application extensions a viewer uses: looping and colour profiles. */
const GIF_APPLICATIONS = new Set(["NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"]);

export async function scanGif(
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
  const blocks = (from: number, collect: boolean) => subBlocks(reader, from, end, collect);
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

/** Walks sub-blocks from `from`; returns their end and, when asked, their raw bytes. */
async function subBlocks(reader: Reader, from: number, end: number, collect: boolean) {
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
