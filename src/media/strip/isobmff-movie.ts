// Videos (MP4/MOV): the movie box.
import { fourcc, type Source } from "./io.ts";
import {
  type Box,
  children,
  freeBox,
  MAX_METADATA_READ,
  type Patch,
  xmpAtom,
  xmpBox,
} from "./isobmff-boxes.ts";
import { type Findings, LABELS, type Label } from "./labels.ts";

const GPS_TRACK_FORMATS = new Map([
  ["gpmd", "GoPro GPMF"],
  ["camm", "camera-motion (camm)"],
  ["rtmd", "Sony real-time metadata"],
]);

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

export async function movieMetadata(src: Source, moov: Box, findings: Findings): Promise<Patch[]> {
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
