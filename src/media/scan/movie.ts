// A movie's boxes: user data, QuickTime keys, header times and GPS tracks.
import { type Box, boxesIn, printable, uuidBox } from "./boxes.ts";
import { scanOpaque, signaturesIn } from "./opaque.ts";
import { allZero, MAX_STRUCTURE, type Reader } from "./reader.ts";
import { ascii, type Category, type Report } from "./report.ts";
import { checkXmp } from "./xmp.ts";

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

export async function scanMovie(
  reader: Reader,
  moov: Box,
  report: Report,
  where: string,
): Promise<void> {
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
