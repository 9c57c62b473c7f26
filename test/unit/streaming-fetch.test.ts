import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamingUploads } from "../../src/providers/streaming-fetch.ts";
import { FilePart } from "../../src/providers/transfer.ts";
import { localPhoto } from "../helpers/media.ts";

interface Seen {
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let server: Server;
let url: string;
let dir: string;
const seen: Seen[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-fetch-"));
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    seen.push({ headers: req.headers, body: Buffer.concat(chunks) });
    // Like a Drive resumable chunk: 308 with what arrived, and two values of one header.
    res.writeHead(308, { Range: "bytes=0-99", "Set-Cookie": ["a=1", "b=2"] });
    res.end("resume");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(dir, { recursive: true, force: true });
});

describe("streamingUploads", () => {
  const notCalled: typeof fetch = () => Promise.reject(new Error("fetch was used"));

  it("sends a file part with its Content-Length and answers like fetch", async () => {
    const bytes = randomBytes(300_000);
    const local = await localPhoto(dir, bytes);
    const response = await streamingUploads(notCalled, 10_000)(url, {
      method: "PUT",
      headers: { "Content-Range": `bytes 100-299999/${bytes.length}` },
      body: new FilePart(local, 100, bytes.length, () => {}) as unknown as RequestInit["body"],
    });
    const request = seen.at(-1) as Seen;
    expect(request.headers["content-length"]).toBe(String(bytes.length - 100));
    expect(request.headers["content-range"]).toBe(`bytes 100-299999/${bytes.length}`);
    expect(request.body.equals(bytes.subarray(100))).toBe(true);
    expect(response.status).toBe(308);
    expect(response.headers.get("range")).toBe("bytes=0-99");
    expect(response.headers.get("set-cookie")).toBe("a=1, b=2");
    expect(await response.text()).toBe("resume");
  });

  it("sends a stream of unknown length chunked, and anything else through fetch", async () => {
    await streamingUploads(notCalled, 10_000)(url, {
      method: "POST",
      body: Readable.from([
        Buffer.from("one "),
        Buffer.from("two"),
      ]) as unknown as RequestInit["body"],
    });
    const request = seen.at(-1) as Seen;
    expect(request.headers["transfer-encoding"]).toBe("chunked");
    expect(request.body.toString()).toBe("one two");

    const others: unknown[] = [];
    const fetchOthers: typeof fetch = async (input) => {
      others.push(input);
      return new Response("from fetch");
    };
    const answer = await streamingUploads(fetchOthers, 10_000)(url, { method: "POST", body: "{}" });
    expect(await answer.text()).toBe("from fetch");
    expect(others).toEqual([url]);
  });
});
