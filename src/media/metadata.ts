/**
 * Removing identifying metadata from a copy of a photo or video (DESIGN.md §3). Image data
 * is never re-encoded: each format's metadata containers are dropped or blanked and the
 * rest is copied byte for byte, streamed in bounded chunks.
 */
import { open, rm } from "node:fs/promises";
import path from "node:path";
import type { MediaType } from "./detect.ts";
import { stripGif } from "./strip/gif.ts";
import { type Sink, Sink as SinkClass, Source } from "./strip/io.ts";
import { stripIsobmff } from "./strip/isobmff.ts";
import { stripJpeg } from "./strip/jpeg.ts";
import { Findings } from "./strip/labels.ts";
import { stripPng } from "./strip/png.ts";
import { stripWebp } from "./strip/webp.ts";

export { MalformedMediaError } from "./strip/io.ts";

export interface MetadataRemoval {
  /** What was removed, in words for the user: e.g. ["GPS location", "camera serial number", "owner name", "XMP location", "embedded thumbnail"]. Empty when there was nothing to remove. */
  removed: string[];
  /** True only when the original had location data (GPS/XMP location/video location atoms) and the copy has none. */
  locationRemoved: boolean;
  /** Set when this type's metadata could not be (fully) removed; a sentence for the user. Never claim removal you didn't do. */
  notRemoved?: string;
  /** What the user should know about what happened to the file, e.g. that a motion photo's video was dropped; one sentence each. */
  notes?: string[];
}

type Stripper = (src: Source, sink: Sink, findings: Findings) => Promise<void>;

const STRIPPERS: Record<string, Stripper> = {
  "image/jpeg": stripJpeg,
  "image/png": stripPng,
  "image/webp": stripWebp,
  "image/gif": stripGif,
  "image/heic": stripIsobmff,
  "image/heif": stripIsobmff,
  "image/avif": stripIsobmff,
  "video/mp4": stripIsobmff,
  "video/quicktime": stripIsobmff,
};

/** Writes a copy of `source` at `destination` without identifying metadata. Never modifies source. Streams: memory stays bounded for a 2 GB video; for JPEG the entropy-coded scan data is copied byte-for-byte (no recompression), orientation kept so the photo still displays the right way up. */
export async function removeMetadata(
  source: string,
  destination: string,
  type: MediaType,
  signal?: AbortSignal,
): Promise<MetadataRemoval> {
  signal?.throwIfAborted();
  if (path.resolve(source) === path.resolve(destination)) {
    throw new Error(`removeMetadata needs a destination other than its source (${source}).`);
  }
  const input = await open(source, "r");
  let output: Awaited<ReturnType<typeof open>> | undefined;
  try {
    const { size } = await input.stat();
    const src = new Source(input, size, type.label, signal);
    output = await open(destination, "w", 0o600);
    const sink = new SinkClass(output);
    const findings = new Findings();
    const strip = STRIPPERS[type.mime];
    if (strip) await strip(src, sink, findings);
    else {
      await sink.copy(src, 0, size);
      findings.notRemoved = `dmshare can't read the metadata of ${type.label} files, so this one was sent as it is.`;
    }
    await sink.flush();
    await output.close();
    output = undefined;
    const result: MetadataRemoval = {
      removed: findings.sorted(),
      locationRemoved: findings.hadLocation && !findings.locationRemains,
    };
    if (findings.notRemoved) result.notRemoved = findings.notRemoved;
    if (findings.notes.length > 0) result.notes = [...findings.notes];
    return result;
  } catch (error) {
    await output?.close().catch(() => {});
    await rm(destination, { force: true }).catch(() => {});
    throw error;
  } finally {
    await input.close();
  }
}
