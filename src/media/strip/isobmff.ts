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

import type { Sink, Source } from "./io.ts";
import { children, freeBox, type Patch, xmpBox } from "./isobmff-boxes.ts";
import { type Extent, isImageFile, itemMetadata, unusedRanges } from "./isobmff-items.ts";
import { movieMetadata } from "./isobmff-movie.ts";
import { type Findings, LABELS } from "./labels.ts";

const ZERO_CHUNK = Buffer.alloc(1 << 16);

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
