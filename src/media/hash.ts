import { open } from "node:fs/promises";

/**
 * SHA-256 of a file, read through one reused buffer (a stream would leave a new buffer per
 * chunk for the garbage collector: a big file's worth of memory); stops when `signal` aborts.
 */
export async function hashFile(file: string, signal: AbortSignal): Promise<string> {
  const { createHash } = await import("node:crypto");
  const hash = createHash("sha256");
  const buffer = Buffer.allocUnsafe(1024 * 1024);
  const handle = await open(file, "r");
  try {
    for (;;) {
      signal.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return hash.digest("hex");
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}
