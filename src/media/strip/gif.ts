/**
 * GIF: a closed world. Image data, colour tables, graphic control (animation timing and
 * transparency) and the looping (NETSCAPE2.0/ANIMEXTS1.0) and ICC application extensions are
 * copied byte for byte; comments, plain-text extensions, every other application extension
 * (XMP, IPTC, vendors') and unknown extensions are dropped.
 */
import { allZero, BufferedReader, type Sink, type Source } from "./io.ts";
import { type Findings, LABELS } from "./labels.ts";
import { iptcFindings, xmpFindings } from "./xmp.ts";

const KEPT_APPLICATIONS = new Set(["NETSCAPE2.0", "ANIMEXTS1.0", "ICCRGBG1012"]);
const MAX_METADATA_READ = 16 << 20;

/**
 * Follows a GIF LZW code stream as a decoder does, counting pixels without producing them:
 * every code must be one the table can hold, and once the image's pixels are all there only
 * a clear or end-of-information code may come, then zero padding. Anything else in the
 * sub-blocks is not pixels.
 */
class LzwCheck {
  private readonly clear: number;
  private readonly minimum: number;
  private readonly pixels: number;
  private readonly lengths = new Int32Array(4096);
  private size: number;
  private next: number;
  private previous = -1;
  private produced = 0;
  private bits = 0;
  private count = 0;
  private ended = false;

  constructor(minimum: number, pixels: number) {
    this.minimum = minimum;
    this.clear = 1 << minimum;
    this.pixels = pixels;
    this.size = minimum + 1;
    this.next = this.clear + 2;
    this.lengths.fill(1, 0, this.clear);
  }

  /** Consumes a sub-block; false when it holds something that is not this image's pixels. */
  feed(block: Buffer): boolean {
    for (let i = 0; i < block.length; i++) {
      const byte = block[i] ?? 0;
      if (this.ended) {
        if (byte !== 0) return false;
        continue;
      }
      this.bits |= byte << this.count;
      this.count += 8;
      while (this.count >= this.size) {
        const code = this.bits & ((1 << this.size) - 1);
        this.bits >>>= this.size;
        this.count -= this.size;
        if (code === this.clear) {
          this.size = this.minimum + 1;
          this.next = this.clear + 2;
          this.previous = -1;
          continue;
        }
        if (code === this.clear + 1) {
          this.ended = true;
          break;
        }
        if (this.produced >= this.pixels) return false; // all pixels are there already
        let length: number;
        if (this.previous === -1) {
          if (code >= this.clear) return false;
          length = 1;
        } else {
          if (code > this.next || (code === this.next && this.next >= 4096)) return false;
          const previous = this.lengths[this.previous] ?? 1;
          length = code === this.next ? previous + 1 : (this.lengths[code] ?? 1);
          if (this.next < 4096) {
            this.lengths[this.next] = previous + 1;
            this.next += 1;
            if (this.next === 1 << this.size && this.size < 12) this.size += 1;
          }
        }
        this.produced += length;
        this.previous = code;
      }
    }
    return true;
  }
}

export async function stripGif(src: Source, sink: Sink, findings: Findings): Promise<void> {
  const reader = new BufferedReader(src, 0);
  const header = await reader.take(13, "the GIF header");
  const version = header.toString("latin1", 0, 6);
  if (version !== "GIF87a" && version !== "GIF89a") throw src.malformed("it has no GIF header");
  const packed = header[10] ?? 0;
  if (packed & 0x80) reader.position += 3 * 2 ** ((packed & 7) + 1);
  if (reader.position > src.size)
    throw src.malformed("its colour table runs past the end of the file");
  await sink.copy(src, 0, reader.position);

  for (;;) {
    const start = reader.position;
    const introducer = (await reader.take(1, "the next block"))[0];
    if (introducer === 0x3b) {
      await sink.write(Buffer.from([0x3b]));
      break;
    }
    if (introducer === 0x2c) {
      await copyImage(src, sink, reader, start);
      continue;
    }
    if (introducer !== 0x21) {
      throw src.malformed(`unexpected block 0x${(introducer ?? 0).toString(16)} at byte ${start}`);
    }
    const label = (await reader.take(1, "an extension label"))[0];
    if (label === 0xfe) {
      await subBlocks(src, reader, false);
      findings.add(LABELS.comments);
    } else if (label === 0xff) {
      await applicationExtension(src, sink, reader, start, findings);
    } else if (label === 0xf9) {
      // Graphic control: exactly one 4-byte sub-block (timing, transparency) and the terminator.
      await subBlocks(src, reader, false);
      if (reader.position - start !== 8) {
        throw src.malformed(`its graphic control extension at byte ${start} is not 4 bytes long`);
      }
      await sink.copy(src, start, reader.position);
    } else {
      await subBlocks(src, reader, false);
      findings.add(label === 0x01 ? LABELS.text : LABELS.other);
    }
  }
  // Bytes after the trailer are not part of the picture.
  if (reader.position < src.size) {
    const rest = await src.readSome(reader.position, 1 << 16);
    if (!allZero(rest) || src.size - reader.position > rest.length) {
      findings.add(LABELS.appended);
    } else {
      await sink.write(rest);
    }
  }
}

/** Walks data sub-blocks up to the terminator; collects their bytes when asked. */
async function subBlocks(src: Source, reader: BufferedReader, collect: boolean): Promise<Buffer> {
  const parts: Buffer[] = [];
  let collected = 0;
  for (;;) {
    src.signal?.throwIfAborted();
    const length = (await reader.take(1, "a data sub-block"))[0] ?? 0;
    if (length === 0) return Buffer.concat(parts);
    if (collect && collected < MAX_METADATA_READ) {
      parts.push(Buffer.from(await reader.take(length, "a data sub-block")));
      collected += length;
    } else {
      if (reader.position + length > src.size) {
        throw src.malformed(
          `a data sub-block at byte ${reader.position} runs past the end of the file`,
        );
      }
      reader.position += length;
    }
  }
}

/** Copies an image (descriptor, local colour table, pixels) whose sub-blocks are only its pixels. */
async function copyImage(
  src: Source,
  sink: Sink,
  reader: BufferedReader,
  start: number,
): Promise<void> {
  const descriptor = await reader.take(9, "an image descriptor");
  const local = descriptor[8] ?? 0;
  if (local & 0x80) reader.position += 3 * 2 ** ((local & 7) + 1);
  const minimumCodeSize = (await reader.take(1, "an image's code size"))[0] ?? 0;
  if (minimumCodeSize < 1 || minimumCodeSize > 11) {
    throw src.malformed(`the image at byte ${start} has an impossible LZW code size`);
  }
  // The compressed pixels end with an end-of-information code; nothing may follow it.
  const lzw = new LzwCheck(
    minimumCodeSize,
    descriptor.readUInt16LE(4) * descriptor.readUInt16LE(6),
  );
  for (;;) {
    src.signal?.throwIfAborted();
    const length = (await reader.take(1, "a data sub-block"))[0] ?? 0;
    if (length === 0) break;
    const block = await reader.take(length, "a data sub-block");
    if (!lzw.feed(block)) {
      throw src.malformed(
        `the image at byte ${start} has data that is not its compressed pixels, or after their end`,
      );
    }
  }
  await sink.copy(src, start, reader.position);
}

/** Keeps a looping or ICC application extension as it is; drops any other, noting what it held. */
async function applicationExtension(
  src: Source,
  sink: Sink,
  reader: BufferedReader,
  start: number,
  findings: Findings,
): Promise<void> {
  const idLength = (await reader.peek(1, "an application extension"))[0] ?? 0;
  const id = (await reader.peek(1 + idLength, "an application extension")).toString("latin1", 1);
  if (KEPT_APPLICATIONS.has(id)) {
    await subBlocks(src, reader, false);
    // Looping extensions hold one 3- or 5-byte sub-block; nothing else may ride along.
    const size = reader.position - start;
    if (id !== "ICCRGBG1012" && size !== 2 + 12 + 4 + 1 && size !== 2 + 12 + 6 + 1) {
      throw src.malformed(`its ${id} extension at byte ${start} is not the size GIF defines`);
    }
    await sink.copy(src, start, reader.position);
  } else {
    const data = await subBlocks(src, reader, true);
    if (id.startsWith("XMP Data")) findings.merge(xmpFindings(data));
    else if (id.startsWith("MGK8BIM") || id.startsWith("MGKIPTC"))
      findings.merge(iptcFindings(data));
    else findings.add(LABELS.other);
  }
}
