import { Readable } from "node:stream";
import type { Env } from "../context.ts";
import { Fields, isRequestLike } from "../lib/answer.ts";
import { envMs } from "../lib/env.ts";
import { sendOver } from "../lib/http-fetch.ts";
import { FilePart } from "./transfer.ts";

/** How long an upload's connection may stay silent (nothing sent, nothing received). */
const DEFAULT_STALL_SECONDS = 120;

/** `DMSHARE_STALL_TIMEOUT` (seconds) when it is a positive number, else the default. */
export function stallTimeoutMs(env: Env): number {
  return envMs(env, "DMSHARE_STALL_TIMEOUT", DEFAULT_STALL_SECONDS * 1000);
}

/**
 * A fetch for the SDKs that sends a request whose body is a Node stream (an upload chunk read
 * from the file) through node:http(s). undici's fetch keeps every chunk of a streamed body until
 * the answer arrives, so a 128 MiB chunk cost 128 MB of memory; node:http lets each chunk go
 * once it is written. A body that knows its length (a file part) is sent with Content-Length
 * rather than chunked. A connection silent for `stallMs` fails as a network error, which the
 * retry policy retries. Every other request goes to `fetchOthers`.
 */
export function streamingUploads(fetchOthers: typeof fetch, stallMs: number): typeof fetch {
  return async (input, init) => {
    const body: unknown = init?.body;
    if (!(body instanceof Readable) || isRequestLike(input)) return fetchOthers(input, init);
    const headers = new Fields(init?.headers);
    const { byteLength } = body as { byteLength?: unknown };
    if (typeof byteLength === "number" && !headers.has("content-length")) {
      headers.set("content-length", String(byteLength));
    }
    const upload = { ...init, method: init?.method ?? "POST", headers };
    return sendOver(new URL(String(input)), upload, { stream: body }, (outgoing) => {
      outgoing.setTimeout(stallMs, () => {
        const seconds = Math.round(stallMs / 1000);
        const stalled = new Error(`the connection stalled (nothing for ${seconds} s)`);
        outgoing.destroy(Object.assign(stalled, { code: "ETIMEDOUT" }));
      });
      if (!(body instanceof FilePart)) return false;
      body.once("error", (error) => outgoing.destroy(error));
      body.pumpTo(outgoing).catch((error) => outgoing.destroy(error));
      return true;
    });
  };
}
