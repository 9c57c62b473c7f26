// Bounded reads of the scanned file, and the byte helpers every container shares.
import type { FileHandle } from "node:fs/promises";

/** Metadata structures larger than this are not read whole (and are findings by themselves). */
export const MAX_STRUCTURE = 16 << 20;
/** Opaque regions are searched a chunk at a time, with an overlap for patterns across chunks. */
export const SCAN_CHUNK = 1 << 20;
export const OVERLAP = 256;
/** Reads up to this size are served from one read of this size around them. */
const SMALL_READ = 1 << 16;

/** Chunk buffers of finished scans (a send prepares up to four files at a time). */
const SCRATCH_POOL: Buffer[] = [];

export class Reader {
  readonly handle: FileHandle;
  readonly size: number;
  readonly signal: AbortSignal | undefined;

  constructor(handle: FileHandle, size: number, signal?: AbortSignal) {
    this.handle = handle;
    this.size = size;
    this.signal = signal;
  }

  private scratch: Buffer | undefined;

  /** Gives the chunk buffer back for the next scan: memory stays flat over many files. */
  private ahead: Buffer | undefined;

  release(): void {
    for (const buffer of [this.scratch, this.ahead]) {
      if (buffer && SCRATCH_POOL.length < 8) SCRATCH_POOL.push(buffer);
    }
    this.scratch = undefined;
    this.ahead = undefined;
  }

  /**
   * Up to SCAN_CHUNK bytes at `position` in one buffer reused from call to call (valid until
   * the next call): for walking large regions without allocating a chunk each time.
   */
  chunk(position: number, length: number): Promise<Buffer> {
    this.scratch ??= SCRATCH_POOL.pop() ?? Buffer.allocUnsafe(SCAN_CHUNK + OVERLAP);
    return this.fill(this.scratch, position, length);
  }

  /**
   * Like `chunk`, but alternating between two buffers (`turn` 0 or 1), so that the next chunk
   * can be read while the last one is searched. A read still under way must be awaited before
   * the scan ends (the buffers go back to the pool, the file is closed).
   */
  chunkAhead(position: number, length: number, turn: number): Promise<Buffer> {
    if (turn === 0) return this.chunk(position, length);
    this.ahead ??= SCRATCH_POOL.pop() ?? Buffer.allocUnsafe(SCAN_CHUNK + OVERLAP);
    return this.fill(this.ahead, position, length);
  }

  private async fill(buffer: Buffer, position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, buffer.length, this.size - position));
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(buffer, done, wanted - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }

  /** The surroundings of the last small read, kept: a header is many small reads. */
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  /** Up to `length` bytes at `position` (fewer at the end of the file). */
  async read(position: number, length: number): Promise<Buffer> {
    const wanted = Math.max(0, Math.min(length, this.size - position));
    if (wanted <= SMALL_READ) {
      const offset = position - this.windowStart;
      if (offset < 0 || offset + wanted > this.window.length) {
        // A new buffer each time: reads under way at once can't overwrite each other's.
        const window = await this.fill(Buffer.allocUnsafe(SMALL_READ), position, SMALL_READ);
        this.window = window;
        this.windowStart = position;
        return Buffer.from(window.subarray(0, wanted));
      }
      return Buffer.from(this.window.subarray(offset, offset + wanted));
    }
    const buffer = Buffer.alloc(wanted);
    let done = 0;
    while (done < wanted) {
      const { bytesRead } = await this.handle.read(buffer, done, wanted - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  }
}

const ZEROS = Buffer.alloc(1 << 16);

/** True when every byte is zero (compared a block at a time, not byte by byte in JavaScript). */
export function allZero(data: Buffer): boolean {
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const block = data.subarray(at, at + ZEROS.length);
    if (!block.equals(ZEROS.subarray(0, block.length))) return false;
  }
  return true;
}

/** True when [start, end) holds only zero bytes (read a chunk at a time). */
export async function zeroRange(reader: Reader, start: number, end: number): Promise<boolean> {
  for (let at = start; at < end; at += SCAN_CHUNK) {
    reader.signal?.throwIfAborted();
    const data = await reader.chunk(at, Math.min(SCAN_CHUNK, end - at));
    if (data.length === 0 || !allZero(data)) return false;
  }
  return true;
}

export const startsWith = (data: Buffer, text: string) =>
  data.length >= text.length && data.toString("latin1", 0, text.length) === text;
