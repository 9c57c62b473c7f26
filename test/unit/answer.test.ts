import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { Answer, answer, Fields, isRequestLike } from "../../src/lib/answer.ts";

// dmshare's own fetch answers with these instead of undici's Response and Headers (loading
// undici costs every Dropbox command ~45 ms): they must read as the WHATWG ones do, for what
// the SDKs and dmshare read.

const webStream = (...chunks: string[]) =>
  Readable.toWeb(
    Readable.from(chunks.map((each) => Buffer.from(each))),
  ) as ReadableStream<Uint8Array>;

/** The same operations on Node's Headers and on Fields give the same fields. */
function bothWays(operate: (fields: Headers | Fields) => void) {
  const headers = new Headers();
  const fields = new Fields();
  operate(headers);
  operate(fields);
  return { headers: [...headers], fields: [...fields] };
}

describe("Fields (Headers)", () => {
  it("reads as Headers: names without case, repeats joined with ', ', sorted, trimmed", () => {
    const { headers, fields } = bothWays((each) => {
      each.append("X-Two", "a");
      each.append("x-two", " b ");
      each.set("Content-Type", "application/json");
      each.append("accept", "*/*");
      each.set("ACCEPT", "text/plain");
      each.append("Dropbox-API-Result", '{"name":"a.jpg"}');
      each.append("gone", "1");
      each.delete("GONE");
    });
    expect(fields).toEqual(headers);
    expect(fields).toEqual([
      ["accept", "text/plain"],
      ["content-type", "application/json"],
      ["dropbox-api-result", '{"name":"a.jpg"}'],
      ["x-two", "a, b"],
    ]);
  });

  it("answers get, has and getSetCookie as Headers does", () => {
    const fields = new Fields({ "Set-Cookie": ["a=1", "b=2"], Location: "/x" });
    expect(fields.get("location")).toBe("/x");
    expect(fields.get("LOCATION")).toBe("/x");
    expect(fields.get("retry-after")).toBeNull();
    expect(fields.has("Set-Cookie")).toBe(true);
    expect(fields.has("etag")).toBe(false);
    expect(fields.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(fields.get("set-cookie")).toBe("a=1, b=2");
  });

  it("is made from a record, pairs, a Headers or another Fields", () => {
    const want = [
      ["authorization", "Bearer t"],
      ["x-a", "1"],
    ];
    expect([...new Fields({ Authorization: "Bearer t", "X-A": "1", skipped: undefined })]).toEqual(
      want,
    );
    expect([
      ...new Fields([
        ["X-A", "1"],
        ["Authorization", "Bearer t"],
      ]),
    ]).toEqual(want);
    expect([...new Fields(new Headers({ "X-A": "1", Authorization: "Bearer t" }))]).toEqual(want);
    expect([...new Fields(new Fields({ "X-A": "1", Authorization: "Bearer t" }))]).toEqual(want);
    expect(Object.fromEntries(new Fields({ "X-A": "1" }))).toEqual({ "x-a": "1" });
  });

  it("refuses a name Headers refuses", () => {
    expect(() => new Headers({ "bad name": "x" })).toThrow(TypeError);
    expect(() => new Fields({ "bad name": "x" })).toThrow(TypeError);
    expect(() => new Fields().set("a:b", "x")).toThrow(TypeError);
  });
});

describe("Answer (Response)", () => {
  it("says ok for 2xx only, with status, text and headers", () => {
    const made = (status: number) => answer(null, { status, headers: { "X-A": "1" } });
    expect(made(200).ok).toBe(true);
    expect(made(299).ok).toBe(true);
    expect(made(199).ok).toBe(false);
    expect(made(409).ok).toBe(false);
    expect(made(409).status).toBe(409);
    expect(made(409).headers.get("x-a")).toBe("1");
  });

  it("reads its body once, as text, JSON, bytes, an ArrayBuffer or a Blob", async () => {
    const body = '{"ok":true,"name":"ü.jpg"}';
    // The UTF-8 of ü split across two chunks.
    const cut = Buffer.from(body).indexOf(0xc3) + 1;
    const parts = [Buffer.from(body).subarray(0, cut), Buffer.from(body).subarray(cut)];
    const fresh = () =>
      answer(Readable.toWeb(Readable.from(parts)) as ReadableStream<Uint8Array>, {
        status: 200,
        headers: { "content-type": "application/json" },
      });
    expect(await fresh().text()).toBe(body);
    expect(await fresh().json()).toEqual({ ok: true, name: "ü.jpg" });
    expect(Buffer.from(await fresh().arrayBuffer()).toString()).toBe(body);
    expect(Buffer.from(await (fresh() as unknown as Answer).bytes()).toString()).toBe(body);
    const blob = await fresh().blob();
    expect(blob.type).toBe("application/json");
    expect(await blob.text()).toBe(body);

    const once = fresh();
    expect(once.bodyUsed).toBe(false);
    await once.text();
    expect(once.bodyUsed).toBe(true);
    await expect(once.text()).rejects.toThrow(TypeError);
  });

  it("reads an answer without a body as empty", async () => {
    const empty = answer(null, { status: 204 });
    expect(empty.body).toBeNull();
    expect(await empty.text()).toBe("");
  });

  it("clones: both copies read the whole body", async () => {
    const original = new Answer(webStream("par", "ts"), { status: 201, statusText: "Created" });
    const copy = original.clone();
    expect(copy.status).toBe(201);
    expect(copy.statusText).toBe("Created");
    expect(await copy.text()).toBe("parts");
    expect(await original.text()).toBe("parts");
    expect(() => original.clone()).toThrow(TypeError);
  });

  it("streams its body to a reader", async () => {
    const streamed = answer(webStream("a", "b", "c"), { status: 200 });
    const seen: string[] = [];
    for await (const chunk of streamed.body as unknown as AsyncIterable<Uint8Array>) {
      seen.push(Buffer.from(chunk).toString());
    }
    expect(seen.join("")).toBe("abc");
  });
});

describe("isRequestLike", () => {
  it("tells a Request from a URL and a string without touching Request", () => {
    expect(isRequestLike("https://api.dropboxapi.com/2/x")).toBe(false);
    expect(isRequestLike(new URL("https://api.dropboxapi.com/2/x"))).toBe(false);
    expect(isRequestLike(new Request("https://api.dropboxapi.com/2/x"))).toBe(true);
  });
});
