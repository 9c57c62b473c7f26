import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import type { Env } from "../context.ts";
import { envMs } from "../lib/env.ts";
import { FilePart } from "./transfer.ts";

/** Statuses whose answer has no body (a Response refuses one). */
const NO_BODY = new Set([204, 205, 304]);

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
    if (!(body instanceof Readable) || input instanceof Request) return fetchOthers(input, init);
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const { byteLength } = body as { byteLength?: unknown };
    if (typeof byteLength === "number" && !headers.has("content-length")) {
      headers.set("content-length", String(byteLength));
    }
    const { request } =
      url.protocol === "https:" ? await import("node:https") : await import("node:http");
    return new Promise<Response>((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: init?.method ?? "POST",
          headers: Object.fromEntries(headers),
          signal: init?.signal ?? undefined,
        },
        (incoming) => resolve(responseOf(incoming)),
      );
      outgoing.once("error", (error) => {
        body.destroy();
        reject(error);
      });
      outgoing.setTimeout(stallMs, () => {
        const seconds = Math.round(stallMs / 1000);
        const stalled = new Error(`the connection stalled (nothing for ${seconds} s)`);
        outgoing.destroy(Object.assign(stalled, { code: "ETIMEDOUT" }));
      });
      body.once("error", (error) => outgoing.destroy(error));
      if (body instanceof FilePart) body.pumpTo(outgoing).catch((error) => outgoing.destroy(error));
      else body.pipe(outgoing);
    });
  };
}

function responseOf(incoming: IncomingMessage): Response {
  const status = incoming.statusCode ?? 502;
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const each of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, each);
  }
  if (NO_BODY.has(status)) incoming.resume();
  const body = NO_BODY.has(status) ? null : (Readable.toWeb(incoming) as ReadableStream);
  return new Response(body, { status, statusText: incoming.statusMessage, headers });
}
