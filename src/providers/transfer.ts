import { createReadStream } from "node:fs";
import { Transform } from "node:stream";
import {
  type FileFailure,
  IncompleteUpload,
  type LocalFile,
  type UploadedFile,
  type UploadProgress,
} from "./provider.ts";

/** A stream of part of a file that knows its length (the request's Content-Length). */
export type FilePartStream = Transform & { byteLength: number };

/** Bytes `start` to `end` (exclusive) of a file as a stream that reports progress as it goes. */
export function progressStream(
  file: LocalFile,
  start: number,
  end: number,
  onProgress: UploadProgress,
): FilePartStream {
  let sent = start;
  const source = createReadStream(file.contentPath, { start, end: Math.max(start, end - 1) });
  const counter = Object.assign(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        sent += chunk.length;
        onProgress(file, sent);
        done(null, chunk);
      },
    }),
    { byteLength: Math.max(0, end - start) },
  );
  if (end <= start) {
    source.destroy();
    counter.end();
    return counter;
  }
  source.once("error", (error) => counter.destroy(error));
  source.pipe(counter);
  return counter;
}

const MIB = 1024 * 1024;

/**
 * The chunk size of a big file's upload: about an eighth of it, so a dropped connection costs
 * at most that much sent again, in the `multiple` the API asks for, from `min` up to 128 MiB
 * (eight round trips for 1 GB). Chunks are streamed from the file, never held in memory.
 */
export function chunkBytesFor(
  fileBytes: number,
  { multiple, min }: { multiple: number; min: number },
) {
  const eighth = Math.ceil(fileBytes / 8 / multiple) * multiple;
  return Math.min(128 * MIB, Math.max(min, eighth));
}

/**
 * How many transfers run at once: `max` to begin with, halved (down to one) each time the
 * provider says it is rate-limiting, so a burst of uploads backs off instead of hammering.
 */
export class Concurrency {
  current: number;

  constructor(max: number) {
    this.current = Math.max(1, Math.floor(max));
  }

  backOff(): void {
    this.current = Math.max(1, Math.floor(this.current / 2));
  }
}

/**
 * Runs `work` on every item with at most `limit` at a time (a Concurrency that backs off
 * retires workers as they finish); results keep the items' order.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number | Concurrency,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const concurrency = typeof limit === "number" ? new Concurrency(limit) : limit;
  const results: R[] = new Array(items.length);
  let next = 0;
  let failed = false;
  let workers = Math.min(concurrency.current, items.length);
  const worker = async () => {
    while (next < items.length && !failed) {
      if (workers > concurrency.current) break;
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
    workers--;
  };
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}

export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` on every item with at most `limit` at a time; one failing does not stop the
 * others. Results keep the items' order.
 */
export async function mapSettled<T, R>(
  items: readonly T[],
  limit: number | Concurrency,
  work: (item: T, index: number) => Promise<R>,
): Promise<Settled<R>[]> {
  return mapConcurrently(items, limit, async (item, index): Promise<Settled<R>> => {
    try {
      return { ok: true, value: await work(item, index) };
    } catch (error) {
      return { ok: false, error };
    }
  });
}

/**
 * An album's uploads, once each file was tried: all of them, or IncompleteUpload when some
 * failed, or the first error when none arrived.
 */
export function uploadedOrIncomplete(
  files: readonly LocalFile[],
  results: readonly Settled<UploadedFile>[],
): UploadedFile[] {
  const uploaded: UploadedFile[] = [];
  const failures: FileFailure[] = [];
  results.forEach((result, index) => {
    if (result.ok) uploaded.push(result.value);
    else failures.push({ file: files[index] as LocalFile, error: result.error });
  });
  const [first] = failures;
  if (!first) return uploaded;
  if (uploaded.length === 0) throw first.error;
  throw new IncompleteUpload(uploaded, failures);
}
