import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { httpFetch } from "../../src/lib/http-fetch.ts";

// The fetch dmshare gives the SDKs sends through node:http, not undici (src/lib/http-fetch.ts
// says why); it must answer as fetch does for what dmshare's calls use.

interface Seen {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base = "";
const seen: Seen[] = [];
/** Requests to /hold are answered only when this is called. */
let release: (() => void) | undefined;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = req.url ?? "/";
    seen.push({
      method: req.method ?? "",
      path,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    const json = Buffer.from(JSON.stringify({ ok: true, path }));
    if (path === "/gzip") {
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Type": "application/json" });
      res.end(gzipSync(json));
    } else if (path === "/deflate") {
      res.writeHead(200, { "Content-Encoding": "deflate" });
      res.end(deflateSync(json));
    } else if (path === "/br") {
      res.writeHead(200, { "Content-Encoding": "br" });
      res.end(brotliCompressSync(json));
    } else if (path === "/empty-gzip") {
      res.writeHead(200, { "Content-Encoding": "gzip", "Content-Length": "0" });
      res.end();
    } else if (path === "/redirect") {
      res.writeHead(302, { Location: "/elsewhere" });
      res.end("moved");
    } else if (path === "/empty") {
      res.writeHead(204);
      res.end();
    } else if (path === "/hold") {
      release = () => res.end("late");
      res.writeHead(200);
      res.write("part");
    } else {
      res.writeHead(418, { "X-Two": ["a", "b"] });
      res.end(json);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

/** A fallback that records what was left to it (the real fetch would send it with undici). */
function recording() {
  const calls: string[] = [];
  const fallback: typeof fetch = async (input) => {
    calls.push(String(input));
    return new Response("from the fallback");
  };
  return { calls, fetch: httpFetch(fallback) };
}

describe("httpFetch", () => {
  it("answers with status, headers and body as fetch does, sending nothing to the fallback", async () => {
    const { calls, fetch } = recording();
    const response = await fetch(`${base}/teapot?x=1`, { redirect: "manual" });
    expect(response.status).toBe(418);
    expect(response.ok).toBe(false);
    expect(response.headers.get("x-two")).toBe("a, b");
    expect(await response.json()).toEqual({ ok: true, path: "/teapot?x=1" });
    expect(seen[0]).toMatchObject({ method: "GET", path: "/teapot?x=1" });
    expect(calls).toEqual([]);
  });

  it("sends text, form fields, bytes, Blobs and streams with their length and type", async () => {
    const { fetch } = recording();
    const post = (body: RequestInit["body"], headers: Record<string, string> = {}) =>
      fetch(`${base}/post`, { method: "POST", body, headers, redirect: "manual" });
    await post('{"a":1}', { "Content-Type": "application/json" });
    await post(new URLSearchParams({ code: "x y", state: "&" }));
    await post(new TextEncoder().encode("bytes"));
    await post(new Blob(["blob"], { type: "image/jpeg" }));
    await post(
      Readable.from([Buffer.from("str"), Buffer.from("eam")]) as unknown as RequestInit["body"],
    );
    await post(null);
    expect(seen.map(({ body }) => body)).toEqual([
      '{"a":1}',
      "code=x+y&state=%26",
      "bytes",
      "blob",
      "stream",
      "",
    ]);
    expect(seen.map(({ headers }) => headers["content-type"])).toEqual([
      "application/json",
      "application/x-www-form-urlencoded;charset=UTF-8",
      undefined,
      "image/jpeg",
      undefined,
      undefined,
    ]);
    expect(seen.map(({ headers }) => headers["content-length"])).toEqual([
      "7",
      "18",
      "5",
      "4",
      undefined,
      "0",
    ]);
  });

  it("undoes gzip, deflate and br as fetch does", async () => {
    const { fetch } = recording();
    for (const coding of ["gzip", "deflate", "br"]) {
      const response = await fetch(`${base}/${coding}`, {
        headers: { "Accept-Encoding": coding },
        redirect: "manual",
      });
      expect(await response.json()).toEqual({ ok: true, path: `/${coding}` });
    }
  });

  it("answers an empty body marked gzip with nothing, as fetch does", async () => {
    const { fetch } = recording();
    const response = await fetch(`${base}/empty-gzip`, { redirect: "manual" });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("");
  });

  it("returns a redirect as it came with redirect: manual, never following it", async () => {
    const { fetch } = recording();
    const response = await fetch(`${base}/redirect`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/elsewhere");
    expect(seen.map(({ path }) => path)).toEqual(["/redirect"]);
  });

  it("refuses a URL with credentials, as fetch does, sending nothing", async () => {
    const { calls, fetch } = recording();
    const withCredentials = base.replace("http://", "http://user:secret@");
    await expect(fetch(`${withCredentials}/x`, { redirect: "manual" })).rejects.toThrow(
      "with credentials",
    );
    expect(seen).toEqual([]);
    expect(calls).toEqual([]);
  });

  it("answers 204 with no body", async () => {
    const { fetch } = recording();
    const response = await fetch(`${base}/empty`, { method: "DELETE", redirect: "manual" });
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it("leaves to the fallback what it does not do: following redirects, a Request", async () => {
    const { calls, fetch } = recording();
    await fetch(`${base}/follow`);
    await fetch(`${base}/follow-too`, { redirect: "follow" });
    await fetch(new Request(`${base}/request`), { redirect: "manual" });
    expect(calls).toEqual([`${base}/follow`, `${base}/follow-too`, "[object Request]"]);
    expect(seen).toEqual([]);
  });

  it("an abort stops the request with the signal's reason, before and during the answer", async () => {
    const { fetch } = recording();
    const early = new AbortController();
    early.abort(new Error("stopped early"));
    await expect(fetch(`${base}/x`, { signal: early.signal, redirect: "manual" })).rejects.toThrow(
      "stopped early",
    );
    const late = new AbortController();
    const response = await fetch(`${base}/hold`, { signal: late.signal, redirect: "manual" });
    const reading = response.text();
    late.abort(new Error("stopped late"));
    await expect(reading).rejects.toThrow();
    release?.();
  });
});
