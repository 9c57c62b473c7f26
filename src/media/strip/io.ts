import type { FileHandle } from "node:fs/promises";

/** Bytes copied per read when a range is passed through untouched. */
export const COPY_CHUNK = 1 << 20;

/**
 * Reads and writes up to this size go through a buffer: a photo's header is dozens of small
 * segments, and each file call is a round trip to the thread pool (most of the time a photo's
 * header took was those round trips).
 */
const SMALL_IO = 1 << 16;

/** A file that cannot be parsed as the type its first bytes claim. */
export class MalformedMediaError extends Error {
  constructor(label: string, problem: string) {
    super(`This ${label} file is damaged or not what it claims to be: ${problem}.`);
    this.name = "MalformedMediaError";
  }
}

/** Random-access reads from the source file; short reads are an error, never a silent zero. */
export class Source {
  readonly handle: FileHandle;
  readonly size: number;
  readonly label: string;
  readonly signal: AbortSignal | undefined;

  constructor(handle: FileHandle, size: number, label: string, signal?: AbortSignal) {
    this.handle = handle;
    this.size = size;
    this.label = label;
    this.signal = signal;
  }

  malformed(problem: string): MalformedMediaError {
    return new MalformedMediaError(this.label, problem);
  }

  /** The last small read's surroundings, served from memory (the source never changes). */
  private window: Buffer | undefined;
  private windowStart = 0;
  private windowLength = 0;

  /** Reads exactly `length` bytes at `position`, or throws naming what was being read. */
  async read(position: number, length: number, what = "data"): Promise<Buffer> {
    if (position < 0 || length < 0 || position + length > this.size) {
      throw this.malformed(`${what} at byte ${position} runs past the end of the file`);
    }
    if (length <= SMALL_IO) {
      const inWindow =
        position >= this.windowStart && position + length <= this.windowStart + this.windowLength;
      if (!inWindow) {
        // A new buffer each time: two reads under way at once can't overwrite each other's.
        const filled = await this.readInto(Buffer.allocUnsafe(SMALL_IO), position);
        if (filled.length < length) {
          throw this.malformed(`${what} at byte ${position} runs past the end of the file`);
        }
        this.window = filled;
        this.windowStart = position;
        this.windowLength = filled.length;
        return Buffer.from(filled.subarray(0, length));
      }
      const offset = position - this.windowStart;
      return Buffer.from(this.window?.subarray(offset, offset + length) ?? []);
    }
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) {
        throw this.malformed(`${what} at byte ${position} runs past the end of the file`);
      }
      done += bytesRead;
    }
    return buffer;
  }

  /** Reads up to `into.length` bytes at `position` into a reused buffer; returns the filled part. */
  async readInto(into: Buffer, position: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(into.length, this.size - position));
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(into, done, wanted - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return into.subarray(0, done);
  }

  /** Reads up to `length` bytes at `position` (fewer at the end of the file). */
  async readSome(position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - position));
    return wanted === 0 ? Buffer.alloc(0) : this.read(position, wanted);
  }
}

/**
 * Sequential writes to the destination, with ranges of the source copied in bounded chunks.
 * Small writes are gathered and written together: `flush` before the file is closed.
 */
export class Sink {
  readonly handle: FileHandle;
  /** Where the next byte goes (gathered bytes included). */
  position = 0;
  private scratch: Buffer | undefined;
  private gathered: Buffer | undefined;
  private gatheredLength = 0;

  constructor(handle: FileHandle) {
    this.handle = handle;
  }

  async write(data: Uint8Array): Promise<void> {
    if (data.length <= SMALL_IO) {
      if (this.gatheredLength + data.length > SMALL_IO) await this.flush();
      this.gathered ??= Buffer.allocUnsafe(SMALL_IO);
      this.gathered.set(data, this.gatheredLength);
      this.gatheredLength += data.length;
      this.position += data.length;
      return;
    }
    await this.flush();
    await this.writeAt(this.position, data);
    this.position += data.length;
  }

  /** Writes what was gathered. */
  async flush(): Promise<void> {
    if (!this.gathered || this.gatheredLength === 0) return;
    const length = this.gatheredLength;
    this.gatheredLength = 0;
    await this.writeAt(this.position - length, this.gathered.subarray(0, length));
  }

  /** Cuts the copy back to `length` bytes and writes on from there. */
  async truncate(length: number): Promise<void> {
    await this.flush();
    await this.handle.truncate(length);
    this.position = length;
  }

  /** Copies source bytes [start, end) to the current position, one chunk in memory at a time. */
  async copy(source: Source, start: number, end: number): Promise<void> {
    if (end > source.size) {
      throw source.malformed(`data at byte ${start} runs past the end of the file`);
    }
    this.scratch ??= Buffer.allocUnsafe(COPY_CHUNK);
    for (let at = start; at < end; ) {
      source.signal?.throwIfAborted();
      const length = Math.min(COPY_CHUNK, end - at);
      const { bytesRead } = await source.handle.read(this.scratch, 0, length, at);
      if (bytesRead === 0) throw source.malformed(`data at byte ${at} is missing`);
      await this.write(this.scratch.subarray(0, bytesRead));
      at += bytesRead;
    }
  }

  /** Overwrites bytes already written, without moving the write position. */
  async patch(position: number, data: Uint8Array): Promise<void> {
    await this.flush();
    await this.writeAt(position, data);
  }

  private async writeAt(position: number, data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(
        data,
        done,
        data.length - done,
        position + done,
      );
      done += bytesWritten;
    }
  }
}

/** Reads a source sequentially through a buffer: for formats made of many tiny blocks (GIF). */
export class BufferedReader {
  private readonly source: Source;
  private buffer: Buffer = Buffer.alloc(0);
  private bufferStart = 0;
  position: number;

  constructor(source: Source, position: number) {
    this.source = source;
    this.position = position;
  }

  get remaining(): number {
    return this.source.size - this.position;
  }

  /** Returns the next `length` bytes without consuming them (throws at the end of the file). */
  async peek(length: number, what = "data"): Promise<Buffer> {
    const offset = this.position - this.bufferStart;
    if (offset < 0 || offset + length > this.buffer.length) {
      this.buffer = await this.source.readSome(this.position, Math.max(length, 1 << 18));
      this.bufferStart = this.position;
      if (this.buffer.length < length) {
        throw this.source.malformed(
          `${what} at byte ${this.position} runs past the end of the file`,
        );
      }
      return this.buffer.subarray(0, length);
    }
    return this.buffer.subarray(offset, offset + length);
  }

  async take(length: number, what = "data"): Promise<Buffer> {
    const bytes = await this.peek(length, what);
    this.position += length;
    return bytes;
  }
}

export const fourcc = (bytes: Buffer, offset: number) =>
  bytes.toString("latin1", offset, offset + 4);

const ZEROS = Buffer.alloc(1 << 16);

/** True when every byte is zero (compared a block at a time, not byte by byte in JavaScript). */
export function allZero(bytes: Buffer): boolean {
  for (let at = 0; at < bytes.length; at += ZEROS.length) {
    const block = bytes.subarray(at, at + ZEROS.length);
    if (!block.equals(ZEROS.subarray(0, block.length))) return false;
  }
  return true;
}
