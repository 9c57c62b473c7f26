// A fetch over node:http(s), for the calls dmshare makes to a provider.
//
// Node's own fetch (undici) parses answers with llhttp compiled to WebAssembly. A send's few
// calls warm it enough for V8 to start optimising that module on a background thread, and a
// process can't end before that compile finishes: about 100 ms added to the end of every send
// (measured with perf on 2 cores; `--liftoff-only` made it go away), plus the WebAssembly
// compile as the first call starts. node:http parses with the native llhttp: neither cost.
import type { ClientRequest, IncomingMessage } from "node:http";
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import { answer, Fields, isRequestLike } from "./answer.ts";

const requireBuiltin = createRequire(import.meta.url);

/** Statuses whose answer has no body (a Response refuses one). */
const NO_BODY = new Set([101, 103, 204, 205, 304]);

/** What a request is sent with: bytes known up front, or a stream piped as it comes. */
type Outgoing = { bytes: Buffer; type?: string } | { stream: Readable } | { none: true };

/**
 * fetch(), sent through node:http(s). Only what dmshare's calls use is taken here: a URL, a
 * method, headers, a body of bytes, text, form fields, a Blob or a stream, an abort signal,
 * and `redirect: "manual"` or `"error"` (an answer is returned as it is, never followed).
 * Anything else (a Request object, redirects to follow, FormData) goes to `fallback`.
 */
export function httpFetch(fallback: typeof fetch = globalThis.fetch): typeof fetch {
  return async (input, init) => {
    const redirect = init?.redirect ?? "follow";
    const outgoing =
      isRequestLike(input) || redirect === "follow" ? undefined : await outgoingOf(init?.body);
    if (!outgoing) return fallback(input, init);
    const url = new URL(String(input));
    if (url.protocol !== "http:" && url.protocol !== "https:") return fallback(input, init);
    // As fetch: node:http would turn `user:password@` into an Authorization header.
    if (url.username || url.password) {
      throw new TypeError(`A URL with credentials is not requested: ${url.host}`);
    }
    return sendOver(url, init ?? {}, outgoing);
  };
}

async function outgoingOf(body: RequestInit["body"] | undefined): Promise<Outgoing | undefined> {
  if (body === undefined || body === null) return { none: true };
  if (typeof body === "string")
    return { bytes: Buffer.from(body), type: "text/plain;charset=UTF-8" };
  if (body instanceof URLSearchParams) {
    return {
      bytes: Buffer.from(body.toString()),
      type: "application/x-www-form-urlencoded;charset=UTF-8",
    };
  }
  if (body instanceof ArrayBuffer) return { bytes: Buffer.from(body) };
  if (ArrayBuffer.isView(body)) {
    return { bytes: Buffer.from(body.buffer, body.byteOffset, body.byteLength) };
  }
  if (body instanceof Blob) {
    return { bytes: Buffer.from(await body.arrayBuffer()), type: body.type || undefined };
  }
  if (body instanceof Readable) return { stream: body };
  if (body instanceof ReadableStream) {
    return { stream: Readable.fromWeb(body as import("node:stream/web").ReadableStream) };
  }
  return undefined;
}

/**
 * Sends a request through node:http(s) and resolves with its answer once the head arrives.
 * `onRequest` may take over writing the body (an upload streamed from a file) and arm timers.
 */
export async function sendOver(
  url: URL,
  init: RequestInit,
  outgoing: Outgoing,
  onRequest?: (request: ClientRequest) => boolean,
): Promise<Response> {
  const headers = new Fields(init.headers);
  const method = (init.method ?? "GET").toUpperCase();
  if ("bytes" in outgoing) {
    if (outgoing.type && !headers.has("content-type")) headers.set("content-type", outgoing.type);
    headers.set("content-length", String(outgoing.bytes.length));
  } else if ("none" in outgoing && !["GET", "HEAD"].includes(method)) {
    headers.set("content-length", "0");
  }
  if (!headers.has("accept")) headers.set("accept", "*/*");
  const { signal } = init;
  signal?.throwIfAborted();
  // Not import(): node:http's module namespace reads its lazy exports, which load undici.
  const { request } = (
    url.protocol === "https:" ? requireBuiltin("node:https") : requireBuiltin("node:http")
  ) as typeof import("node:http");
  return new Promise<Response>((resolve, reject) => {
    const failed = (error: unknown) => reject(signal?.aborted ? signal.reason : error);
    const sent = request(
      url,
      { method, headers: Object.fromEntries(headers), signal: signal ?? undefined },
      (incoming) => {
        responseOf(incoming, method).then(resolve, (error: unknown) => {
          incoming.destroy();
          failed(error);
        });
      },
    );
    // `on`, not `once`: a request can report more than one error (a reset after an abort),
    // and an error nobody listens for would end the process.
    sent.on("error", (error) => {
      if ("stream" in outgoing) outgoing.stream.destroy();
      failed(error);
    });
    if (onRequest?.(sent)) return;
    if ("bytes" in outgoing) sent.end(outgoing.bytes);
    else if ("stream" in outgoing) {
      outgoing.stream.once("error", (error) => sent.destroy(error));
      outgoing.stream.pipe(sent);
    } else sent.end();
  });
}

/** The answer as a Response, its body decoded as fetch does (gzip, deflate, br). */
async function responseOf(incoming: IncomingMessage, method: string): Promise<Response> {
  const status = incoming.statusCode ?? 502;
  const headers = new Fields();
  for (const [name, value] of Object.entries(incoming.headers)) {
    for (const each of Array.isArray(value) ? value : [value ?? ""]) headers.append(name, each);
  }
  if (NO_BODY.has(status) || method === "HEAD") {
    incoming.resume();
    return answer(null, { status, statusText: incoming.statusMessage, headers });
  }
  // An empty answer needs no decoding (a gzip decoder fails on no bytes at all).
  const coding = headers.get("content-length") === "0" ? null : headers.get("content-encoding");
  const body = Readable.toWeb(await decoded(incoming, coding));
  return answer(body, {
    status,
    statusText: incoming.statusMessage,
    headers,
  });
}

/** The body with its content coding undone; an unknown coding is passed on as it came. */
async function decoded(incoming: IncomingMessage, coding: string | null): Promise<Readable> {
  const codings = (coding ?? "")
    .split(",")
    .map((each) => each.trim().toLowerCase())
    .filter((each) => each !== "" && each !== "identity");
  if (codings.length === 0) return incoming;
  // Loaded only for an answer that needs it.
  const zlib = await import("node:zlib");
  let stream: Readable = incoming;
  for (const each of codings.reverse()) {
    const decoder =
      each === "gzip" || each === "x-gzip"
        ? zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH })
        : each === "deflate"
          ? zlib.createInflate()
          : each === "br"
            ? zlib.createBrotliDecompress()
            : undefined;
    if (!decoder) return stream;
    stream.once("error", (error) => decoder.destroy(error));
    stream = stream.pipe(decoder);
  }
  return stream;
}
