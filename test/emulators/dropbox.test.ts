import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { Readable } from "node:stream";
import {
  bytesUpload,
  Dropbox,
  DropboxAuth,
  type DropboxResponseError,
  type sharing,
  uploadFile,
} from "dropbox";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmulatorCommand } from "../helpers/emulator-process.ts";
import { playBrowserConsent } from "./browser.ts";
import { type DropboxEmulator, startDropboxEmulator } from "./dropbox.ts";
import { FileContent } from "./dropbox-files.ts";

const TOKEN = "static-token-for-tests";
const MiB = 1024 * 1024;

/** The SDK's fetch, pointed at the emulator as dmshare points it. */
function emulatorFetch(emulator: DropboxEmulator) {
  return (input: string, init: RequestInit & { duplex?: "half" } = {}) => {
    const url = input.replace(/^https:\/\/(api|content)\.dropboxapi\.com/, emulator.url);
    const body = init.body as unknown;
    const streaming = typeof (body as { pipe?: unknown } | null)?.pipe === "function";
    return fetch(url, streaming ? { ...init, duplex: "half" } : init);
  };
}

function client(emulator: DropboxEmulator, accessToken = TOKEN): Dropbox {
  return new Dropbox({ accessToken, fetch: emulatorFetch(emulator) });
}

/** The DropboxResponseError a call fails with. */
async function failure(call: Promise<unknown>): Promise<DropboxResponseError<unknown>> {
  try {
    await call;
  } catch (error) {
    if (error && typeof error === "object" && "status" in error) {
      return error as DropboxResponseError<unknown>;
    }
    throw error;
  }
  throw new Error("the call succeeded");
}

function apiError(error: DropboxResponseError<unknown>): { error_summary: string; error: unknown } {
  return error.error as { error_summary: string; error: unknown };
}

/** Dropbox's content hash, computed independently of the emulator's. */
function contentHash(content: Buffer): string {
  const blocks: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += 4 * MiB) {
    blocks.push(
      createHash("sha256")
        .update(content.subarray(offset, offset + 4 * MiB))
        .digest(),
    );
  }
  return createHash("sha256").update(Buffer.concat(blocks)).digest("hex");
}

function rpc(emulator: DropboxEmulator, route: string, body?: string, headers = {}) {
  return fetch(`${emulator.url}/2/${route}`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      ...headers,
    },
    body,
  });
}

/** Sends a request whose Dropbox-API-Arg carries raw UTF-8, as fetch would refuse to. */
function rawUpload(emulator: DropboxEmulator, arg: string): Promise<string> {
  const { port } = new URL(emulator.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.end(
        Buffer.concat([
          Buffer.from(
            "POST /2/files/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
              `Authorization: Bearer ${TOKEN}\r\nContent-Type: application/octet-stream\r\n` +
              "Content-Length: 2\r\nDropbox-API-Arg: ",
          ),
          Buffer.from(arg, "utf8"),
          Buffer.from("\r\n\r\nhi"),
        ]),
      );
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    socket.on("error", reject);
  });
}

/** One emulator per describe block, with the official SDK pointed at it. */
function useSdkClient(options: Parameters<typeof startDropboxEmulator>[0]) {
  let emulator: DropboxEmulator | undefined;
  let dbx: Dropbox | undefined;
  beforeAll(async () => {
    emulator = await startDropboxEmulator(options);
    dbx = client(emulator);
  });
  afterAll(() => emulator?.close());
  return {
    get emulator(): DropboxEmulator {
      if (!emulator) throw new Error("the emulator starts in beforeAll");
      return emulator;
    },
    get dbx(): Dropbox {
      if (!dbx) throw new Error("the client is made in beforeAll");
      return dbx;
    },
  };
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe("files", () => {
  const sdk = useSdkClient({ staticTokens: [TOKEN] });

  it("upload returns FileMetadata without .tag; get_metadata adds it", async () => {
    const content = Buffer.from("beach photo bytes");
    const { result, status } = await sdk.dbx.filesUpload({
      path: "/Photos/Beach.JPG",
      contents: content,
      client_modified: "2024-06-01T10:00:00Z",
    });
    expect(status).toBe(200);
    expect(result).toEqual({
      name: "Beach.JPG",
      path_lower: "/photos/beach.jpg",
      path_display: "/Photos/Beach.JPG",
      id: expect.stringMatching(/^id:[A-Za-z0-9_-]{22}$/),
      client_modified: "2024-06-01T10:00:00Z",
      server_modified: expect.stringMatching(TIMESTAMP),
      rev: expect.stringMatching(/^[0-9a-f]{9,}$/),
      size: content.length,
      is_downloadable: true,
      content_hash: contentHash(content),
    });
    const upload = sdk.emulator.requests.at(-1);
    expect(upload?.headers["content-type"]).toBe("application/octet-stream");
    expect(upload?.arg).toEqual({
      path: "/Photos/Beach.JPG",
      client_modified: "2024-06-01T10:00:00Z",
    });

    const byPath = await sdk.dbx.filesGetMetadata({ path: "/PHOTOS/beach.jpg" });
    expect(byPath.result).toEqual({ ".tag": "file", ...result });
    const byId = await sdk.dbx.filesGetMetadata({ path: result.id });
    expect(byId.result).toEqual({ ".tag": "file", ...result });
    const folder = await sdk.dbx.filesGetMetadata({ path: "/photos" });
    expect(folder.result).toEqual({
      ".tag": "folder",
      name: "Photos",
      path_lower: "/photos",
      path_display: "/Photos",
      id: expect.stringMatching(/^id:/),
    });
  });

  it("conflicts, identical content, autorename, strict_conflict and overwrite", async () => {
    const first = (await sdk.dbx.filesUpload({ path: "/c/a.jpg", contents: Buffer.from("one") }))
      .result;
    const same = (await sdk.dbx.filesUpload({ path: "/C/A.jpg", contents: Buffer.from("one") }))
      .result;
    expect(same).toEqual(first);

    const conflict = await failure(
      sdk.dbx.filesUpload({ path: "/c/a.jpg", contents: Buffer.from("two") }),
    );
    expect(conflict.status).toBe(409);
    expect(apiError(conflict)).toEqual({
      error_summary: "path/conflict/file/..",
      error: {
        ".tag": "path",
        reason: { ".tag": "conflict", conflict: { ".tag": "file" } },
        upload_session_id: expect.stringMatching(/^pid_upload_session:/),
      },
    });

    const renamed = await sdk.dbx.filesUpload({
      path: "/c/a.jpg",
      contents: Buffer.from("two"),
      autorename: true,
    });
    expect(renamed.result.path_display).toBe("/c/a (1).jpg");
    const again = await sdk.dbx.filesUpload({
      path: "/c/a.jpg",
      contents: Buffer.from("three"),
      autorename: true,
    });
    expect(again.result.name).toBe("a (2).jpg");
    const strict = await failure(
      sdk.dbx.filesUpload({
        path: "/c/a.jpg",
        contents: Buffer.from("one"),
        strict_conflict: true,
      }),
    );
    expect(apiError(strict).error_summary).toBe("path/conflict/file/..");

    const overwritten = await sdk.dbx.filesUpload({
      path: "/c/a.jpg",
      contents: Buffer.from("four"),
      mode: { ".tag": "overwrite" },
    });
    expect(overwritten.result.id).toBe(first.id);
    expect(overwritten.result.rev).not.toBe(first.rev);
    expect(sdk.emulator.readFile("/C/a.JPG")?.toString()).toBe("four");

    const intoFile = await failure(
      sdk.dbx.filesUpload({ path: "/c/a.jpg/b.jpg", contents: Buffer.from("x") }),
    );
    expect(apiError(intoFile).error_summary).toBe("path/conflict/file_ancestor/..");
  });

  it("hashes content per 4 MiB block and checks a content_hash it is given", async () => {
    const content = Buffer.alloc(9 * MiB, 7);
    const { result } = await sdk.dbx.filesUpload({ path: "/big.bin", contents: content });
    expect(result.content_hash).toBe(contentHash(content));
    const mismatch = await failure(
      sdk.dbx.filesUpload({
        path: "/x.bin",
        contents: Buffer.from("x"),
        content_hash: "0".repeat(64),
      }),
    );
    expect(apiError(mismatch)).toEqual({
      error_summary: "content_hash_mismatch/..",
      error: { ".tag": "content_hash_mismatch" },
    });
  });

  it("takes a streamed (chunked) body", async () => {
    const chunks = [Buffer.from("streamed "), Buffer.from("photo")];
    const { result } = await sdk.dbx.filesUpload({
      path: "/stream.jpg",
      contents: Readable.from(chunks),
    });
    expect(result.size).toBe(14);
    expect(sdk.emulator.requests.at(-1)?.headers["transfer-encoding"]).toBe("chunked");
    expect(sdk.emulator.readFile("/stream.jpg")?.toString()).toBe("streamed photo");
  });

  it("refuses a body over 150 MiB with payload_too_large", async () => {
    const response = await fetch(`${sdk.emulator.url}/2/files/upload`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/octet-stream",
        "Dropbox-API-Arg": JSON.stringify({ path: "/huge.bin" }),
      },
      body: Buffer.alloc(150 * MiB + 1),
    });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error_summary: "payload_too_large/..",
      error: { ".tag": "payload_too_large" },
    });
    expect(sdk.emulator.readFile("/huge.bin")).toBeNull();
  });

  it("decodes \\u escapes in Dropbox-API-Arg: non-ASCII and emoji names", async () => {
    const path = "/Fotos/café ü 😀.jpg";
    const { result } = await sdk.dbx.filesUpload({ path, contents: Buffer.from("x") });
    expect(result.path_display).toBe(path);
    expect(sdk.emulator.requests.at(-1)?.headers["dropbox-api-arg"]).toContain(
      "/Fotos/caf\\u00e9 \\u00fc \\ud83d\\ude00.jpg",
    );
    expect(sdk.emulator.listFiles().map((file) => file.pathDisplay)).toContain(path);
  });

  it("answers a raw non-ASCII Dropbox-API-Arg with the plain-text 400", async () => {
    const expected =
      'Error in call to API function "files/upload": HTTP header "Dropbox-API-Arg": could not decode input as JSON';
    const latin1 = await fetch(`${sdk.emulator.url}/2/files/upload`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/octet-stream",
        "Dropbox-API-Arg": '{"path": "/caf\u00e9.jpg"}',
      },
      body: "hi",
    });
    expect(latin1.status).toBe(400);
    expect(latin1.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await latin1.text()).toBe(expected);
    const utf8 = await rawUpload(sdk.emulator, '{"path": "/😀.jpg"}');
    expect(utf8).toMatch(/^HTTP\/1\.1 400 /);
    expect(utf8.endsWith(expected)).toBe(true);
  });

  it("validates arguments with Stone's messages and checks headers", async () => {
    const missing = await fetch(`${sdk.emulator.url}/2/files/upload`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        "Content-Type": "application/octet-stream",
        "Dropbox-API-Arg": '{"mode": "add"}',
      },
      body: "x",
    });
    expect(await missing.text()).toBe(
      `Error in call to API function "files/upload": HTTP header "Dropbox-API-Arg": missing required field 'path'`,
    );
    const unknown = await rpc(
      sdk.emulator,
      "files/get_metadata",
      '{"path": "/a", "recursive": true}',
    );
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toBe(
      `Error in call to API function "files/get_metadata": request body: unknown field 'recursive'`,
    );
    const pattern = await rpc(sdk.emulator, "files/get_metadata", '{"path": "a.jpg"}');
    expect(await pattern.text()).toBe(
      "Error in call to API function \"files/get_metadata\": request body: path: 'a.jpg' did not match pattern '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\\r\\n])*)?)'",
    );
    const nestedType = await rpc(
      sdk.emulator,
      "files/upload_session/finish_batch_v2",
      '{"entries": [{"cursor": {"session_id": "s", "offset": "0"}, "commit": {"path": "/a"}}]}',
    );
    expect(await nestedType.text()).toContain("cursor.offset: expected integer, got string");
    const form = await rpc(sdk.emulator, "files/get_metadata", '{"path": "/a"}', {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    expect(await form.text()).toBe(
      'Error in call to API function "files/get_metadata": Bad HTTP "Content-Type" header: "application/x-www-form-urlencoded".  Expecting one of "application/json", "application/json; charset=utf-8", "text/plain; charset=dropbox-cors-hack".',
    );
    const root = await rpc(sdk.emulator, "files/get_metadata", '{"path": "/"}');
    expect(await root.text()).toContain("request body: path: The root folder is unsupported.");
  });

  it("get_metadata: path/not_found, and deleted entries with include_deleted", async () => {
    const missing = await failure(sdk.dbx.filesGetMetadata({ path: "/nowhere.jpg" }));
    expect(apiError(missing)).toEqual({
      error_summary: "path/not_found/..",
      error: { ".tag": "path", path: { ".tag": "not_found" } },
    });
    await sdk.dbx.filesUpload({ path: "/Gone/Old.jpg", contents: Buffer.from("old") });
    await sdk.dbx.filesDeleteV2({ path: "/gone" });
    const deleted = await sdk.dbx.filesGetMetadata({
      path: "/gone/old.jpg",
      include_deleted: true,
    });
    expect(deleted.result).toEqual({
      ".tag": "deleted",
      name: "Old.jpg",
      path_lower: "/gone/old.jpg",
      path_display: "/Gone/Old.jpg",
    });
  });

  it("create_folder_v2: metadata without .tag, conflicts, autorename", async () => {
    const { result } = await sdk.dbx.filesCreateFolderV2({ path: "/Albums/Lisbon trip" });
    expect(result).toEqual({
      metadata: {
        name: "Lisbon trip",
        path_lower: "/albums/lisbon trip",
        path_display: "/Albums/Lisbon trip",
        id: expect.stringMatching(/^id:/),
      },
    });
    const conflict = await failure(sdk.dbx.filesCreateFolderV2({ path: "/albums/LISBON TRIP" }));
    expect(apiError(conflict)).toEqual({
      error_summary: "path/conflict/folder/..",
      error: { ".tag": "path", path: { ".tag": "conflict", conflict: { ".tag": "folder" } } },
    });
    const renamed = await sdk.dbx.filesCreateFolderV2({
      path: "/Albums/Lisbon trip",
      autorename: true,
    });
    expect(renamed.result.metadata.name).toBe("Lisbon trip (1)");
  });

  it("delete_v2 returns tagged metadata; unknown paths are path_lookup/not_found", async () => {
    await sdk.dbx.filesUpload({ path: "/del/one.jpg", contents: Buffer.from("1") });
    const { result } = await sdk.dbx.filesDeleteV2({ path: "/del/one.jpg" });
    expect(result.metadata).toMatchObject({ ".tag": "file", path_display: "/del/one.jpg" });
    const again = await failure(sdk.dbx.filesDeleteV2({ path: "/del/one.jpg" }));
    expect(apiError(again)).toEqual({
      error_summary: "path_lookup/not_found/..",
      error: { ".tag": "path_lookup", path_lookup: { ".tag": "not_found" } },
    });
  });

  it("users/get_current_account takes no body or null", async () => {
    const { result } = await sdk.dbx.usersGetCurrentAccount();
    expect(result).toMatchObject({
      account_id: expect.stringMatching(/^dbid:.{35}$/),
      email_verified: true,
      account_type: { ".tag": "basic" },
      root_info: { ".tag": "user", root_namespace_id: expect.any(String) },
    });
    expect(sdk.emulator.requests.at(-1)?.headers["content-type"]).toBeUndefined();
    const withNull = await rpc(sdk.emulator, "users/get_current_account", "null");
    expect(withNull.status).toBe(200);
  });
});

describe("upload sessions", () => {
  it("gives a file stored in pieces that split its 4 MiB blocks the content_hash of its bytes", () => {
    const bytes = randomBytes(9 * MiB + 5);
    const cuts = [0, 1000, 4 * MiB + 1, 8 * MiB, bytes.length];
    const pieces = cuts.slice(1).map((end, index) => bytes.subarray(cuts[index], end));
    const stored = new FileContent(pieces);
    expect(stored.contentHash()).toBe(contentHash(bytes));
    expect(stored.size).toBe(bytes.length);
    expect(stored.bytes.equals(bytes)).toBe(true);
  });

  const sdk = useSdkClient({ staticTokens: [TOKEN] });

  it("sequential: offsets are checked, finish commits, a committed session is closed", async () => {
    const start = await sdk.dbx.filesUploadSessionStart({ contents: Buffer.from("abc") });
    const session_id = start.result.session_id;
    expect(session_id).toMatch(/^pid_upload_session:/);
    const wrong = await failure(
      sdk.dbx.filesUploadSessionAppendV2({
        cursor: { session_id, offset: 0 },
        contents: Buffer.from("def"),
      }),
    );
    expect(apiError(wrong)).toEqual({
      error_summary: "incorrect_offset/..",
      error: { ".tag": "incorrect_offset", correct_offset: 3 },
    });
    const appended = await sdk.dbx.filesUploadSessionAppendV2({
      cursor: { session_id, offset: 3 },
      contents: Buffer.from("def"),
    });
    expect(appended.result).toBeNull();
    const lateFinish = await failure(
      sdk.dbx.filesUploadSessionFinish({
        cursor: { session_id, offset: 3 },
        commit: { path: "/s/abc.txt" },
        contents: Buffer.from("ghi"),
      }),
    );
    expect(apiError(lateFinish)).toEqual({
      error_summary: "lookup_failed/incorrect_offset/..",
      error: {
        ".tag": "lookup_failed",
        lookup_failed: { ".tag": "incorrect_offset", correct_offset: 6 },
      },
    });
    const { result } = await sdk.dbx.filesUploadSessionFinish({
      cursor: { session_id, offset: 6 },
      commit: { path: "/s/abc.txt" },
      contents: Buffer.from("ghi"),
    });
    expect(result).toMatchObject({ name: "abc.txt", size: 9 });
    expect(result).not.toHaveProperty(".tag");
    expect(sdk.emulator.readFile("/s/abc.txt")?.toString()).toBe("abcdefghi");

    const closed = await failure(
      sdk.dbx.filesUploadSessionAppendV2({
        cursor: { session_id, offset: 9 },
        contents: Buffer.from("j"),
      }),
    );
    expect(apiError(closed).error_summary).toBe("closed/..");
    const unknown = await failure(
      sdk.dbx.filesUploadSessionAppendV2({
        cursor: { session_id: "pid_upload_session:nope", offset: 0 },
        contents: Buffer.from("j"),
      }),
    );
    expect(apiError(unknown)).toEqual({
      error_summary: "not_found/..",
      error: { ".tag": "not_found" },
    });
  });

  it("the SDK's uploader, sequential and concurrent", async () => {
    const content = Buffer.alloc(10 * MiB + 123);
    for (let index = 0; index < content.length; index += 4096) content[index] = index % 251;
    const sequential = await uploadFile(
      sdk.dbx,
      bytesUpload(content),
      { path: "/u/seq.bin" },
      {
        chunkSize: 4 * MiB,
      },
    );
    expect(sequential.metadata.content_hash).toBe(contentHash(content));

    const before = sdk.emulator.requests.length;
    const concurrent = await uploadFile(
      sdk.dbx,
      bytesUpload(content),
      { path: "/u/par.bin" },
      {
        chunkSize: 4 * MiB,
        parallelUploads: 3,
      },
    );
    expect(concurrent.metadata.content_hash).toBe(contentHash(content));
    expect(sdk.emulator.readFile("/u/par.bin")?.equals(content)).toBe(true);
    const started = sdk.emulator.requests
      .slice(before)
      .find((request) => request.path === "/2/files/upload_session/start");
    expect(started?.arg).toMatchObject({ session_type: { ".tag": "concurrent" } });
  });

  it("concurrent sessions enforce the 4 MiB rules", async () => {
    const concurrent = { ".tag": "concurrent" } as const;
    const withData = await failure(
      sdk.dbx.filesUploadSessionStart({ session_type: concurrent, contents: Buffer.from("x") }),
    );
    expect(apiError(withData).error_summary).toBe("concurrent_session_data_not_allowed/..");
    const closing = await failure(
      sdk.dbx.filesUploadSessionStart({
        session_type: concurrent,
        close: true,
        contents: Buffer.alloc(0),
      }),
    );
    expect(apiError(closing).error_summary).toBe("concurrent_session_close_not_allowed/..");

    const { session_id } = (
      await sdk.dbx.filesUploadSessionStart({ session_type: concurrent, contents: Buffer.alloc(0) })
    ).result;
    const offset = await failure(
      sdk.dbx.filesUploadSessionAppendV2({
        cursor: { session_id, offset: 10 },
        contents: Buffer.alloc(4 * MiB),
      }),
    );
    expect(apiError(offset).error_summary).toBe("concurrent_session_invalid_offset/..");
    const size = await failure(
      sdk.dbx.filesUploadSessionAppendV2({
        cursor: { session_id, offset: 0 },
        contents: Buffer.alloc(10),
      }),
    );
    expect(apiError(size).error_summary).toBe("concurrent_session_invalid_data_size/..");
    const notClosed = await failure(
      sdk.dbx.filesUploadSessionFinish({
        cursor: { session_id, offset: 0 },
        commit: { path: "/c.bin" },
        contents: Buffer.alloc(0),
      }),
    );
    expect(apiError(notClosed).error_summary).toBe("concurrent_session_not_closed/..");
    await sdk.dbx.filesUploadSessionAppendV2({
      cursor: { session_id, offset: 4 * MiB },
      close: true,
      contents: Buffer.alloc(5),
    });
    const missing = await failure(
      sdk.dbx.filesUploadSessionFinish({
        cursor: { session_id, offset: 4 * MiB + 5 },
        commit: { path: "/c.bin" },
        contents: Buffer.alloc(0),
      }),
    );
    expect(apiError(missing).error_summary).toBe("concurrent_session_missing_data/..");
  });

  it("finish_batch_v2 commits closed sessions and reports each failure", async () => {
    const closedSession = async (content: string) =>
      (await sdk.dbx.filesUploadSessionStart({ close: true, contents: Buffer.from(content) }))
        .result.session_id;
    const first = await closedSession("first");
    const second = await closedSession("second");
    const open = (await sdk.dbx.filesUploadSessionStart({ contents: Buffer.from("open") })).result
      .session_id;
    await sdk.dbx.filesUpload({ path: "/batch/taken.jpg", contents: Buffer.from("other") });
    const taken = await closedSession("taken");

    const { result } = await sdk.dbx.filesUploadSessionFinishBatchV2({
      entries: [
        { cursor: { session_id: first, offset: 5 }, commit: { path: "/batch/1.jpg" } },
        { cursor: { session_id: second, offset: 6 }, commit: { path: "/batch/2.jpg" } },
        { cursor: { session_id: open, offset: 4 }, commit: { path: "/batch/3.jpg" } },
        { cursor: { session_id: taken, offset: 5 }, commit: { path: "/batch/taken.jpg" } },
      ],
    });
    expect(result.entries).toEqual([
      expect.objectContaining({ ".tag": "success", path_display: "/batch/1.jpg", size: 5 }),
      expect.objectContaining({ ".tag": "success", path_display: "/batch/2.jpg", size: 6 }),
      {
        ".tag": "failure",
        failure: { ".tag": "lookup_failed", lookup_failed: { ".tag": "not_closed" } },
      },
      {
        ".tag": "failure",
        failure: { ".tag": "path", path: { ".tag": "conflict", conflict: { ".tag": "file" } } },
      },
    ]);
  });
});

describe("shared links", () => {
  const sdk = useSdkClient({ staticTokens: [TOKEN], listPageSize: 2 });

  const upload = async (path: string) =>
    (await sdk.dbx.filesUpload({ path, contents: Buffer.from(path) })).result;
  const viewOnly: sharing.SharedLinkSettings = {
    audience: { ".tag": "public" },
    access: { ".tag": "viewer" },
  };

  it("creates a view-only file link with the real metadata shape", async () => {
    const file = await upload("/share/Beach Day.jpg");
    const { result } = await sdk.dbx.sharingCreateSharedLinkWithSettings({
      path: "/share/beach day.jpg",
      settings: viewOnly,
    });
    expect(result).toMatchObject({
      ".tag": "file",
      url: expect.stringMatching(
        /^https:\/\/www\.dropbox\.com\/scl\/fi\/[a-z0-9]{21}\/Beach%20Day\.jpg\?rlkey=[a-z0-9]{25}&dl=0$/,
      ),
      id: file.id,
      name: "Beach Day.jpg",
      path_lower: "/share/beach day.jpg",
      client_modified: file.client_modified,
      server_modified: file.server_modified,
      rev: file.rev,
      size: file.size,
      link_permissions: {
        resolved_visibility: { ".tag": "public" },
        requested_visibility: { ".tag": "public" },
        can_revoke: true,
        can_set_expiry: false,
        allow_download: true,
        effective_audience: { ".tag": "public" },
        link_access_level: { ".tag": "viewer" },
        require_password: false,
        audience_options: [
          { audience: { ".tag": "public" }, allowed: true },
          {
            audience: { ".tag": "team" },
            allowed: false,
            disallowed_reason: { ".tag": "user_not_on_team" },
          },
          { audience: { ".tag": "no_one" }, allowed: true },
        ],
      },
    });
    expect(result).not.toHaveProperty("expires");
    expect(sdk.emulator.resolveSharedLink(result.url)).toEqual({
      kind: "file",
      pathLower: "/share/beach day.jpg",
      access: "viewer",
      audience: "public",
      passwordProtected: false,
      allowDownload: true,
    });
    expect(sdk.emulator.resolveSharedLink(result.url.replace("dl=0", "dl=1"))).not.toBeNull();
  });

  it("an existing link: with metadata when settings match, without when they clash", async () => {
    await upload("/exists/a.jpg");
    const created = (await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/exists/a.jpg" }))
      .result;
    for (const settings of [undefined, viewOnly]) {
      const again = await failure(
        sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/exists/a.jpg", settings }),
      );
      expect(again.status).toBe(409);
      expect(apiError(again)).toEqual({
        error_summary: "shared_link_already_exists/metadata/..",
        error: {
          ".tag": "shared_link_already_exists",
          shared_link_already_exists: { ".tag": "metadata", metadata: created },
        },
      });
    }
    const clash = await failure(
      sdk.dbx.sharingCreateSharedLinkWithSettings({
        path: "/exists/a.jpg",
        settings: { audience: { ".tag": "no_one" } },
      }),
    );
    expect(apiError(clash)).toEqual({
      error_summary: "shared_link_already_exists/..",
      error: { ".tag": "shared_link_already_exists" },
    });
  });

  it("basic accounts may not set expiry, password or no-download; pro accounts may", async () => {
    await upload("/paid/a.jpg");
    const expires = new Date(Date.now() + 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
    for (const settings of [
      { expires },
      { require_password: true, link_password: "secret" },
      { allow_download: false },
    ]) {
      const refused = await failure(
        sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/paid/a.jpg", settings }),
      );
      expect(apiError(refused)).toEqual({
        error_summary: "settings_error/not_authorized/..",
        error: { ".tag": "settings_error", settings_error: { ".tag": "not_authorized" } },
      });
    }
    sdk.emulator.setAccountType("pro");
    try {
      const past = await failure(
        sdk.dbx.sharingCreateSharedLinkWithSettings({
          path: "/paid/a.jpg",
          settings: { expires: "2001-01-01T00:00:00Z" },
        }),
      );
      expect(apiError(past).error_summary).toBe("settings_error/invalid_settings/..");
      const { result } = await sdk.dbx.sharingCreateSharedLinkWithSettings({
        path: "/paid/a.jpg",
        settings: {
          ...viewOnly,
          expires,
          require_password: true,
          link_password: "secret",
          allow_download: false,
        },
      });
      expect(result.expires).toBe(expires);
      expect(result.link_permissions).toMatchObject({
        resolved_visibility: { ".tag": "password" },
        require_password: true,
        allow_download: false,
        can_set_expiry: true,
      });
      expect(sdk.emulator.resolveSharedLink(result.url)).toMatchObject({
        expiresAt: expires,
        passwordProtected: true,
        allowDownload: false,
      });

      const modified = await sdk.dbx.sharingModifySharedLinkSettings({
        url: result.url,
        settings: { require_password: false, allow_download: true },
        remove_expiration: true,
      });
      expect(modified.result).not.toHaveProperty("expires");
      expect(modified.result.link_permissions).toMatchObject({
        resolved_visibility: { ".tag": "public" },
        require_password: false,
        allow_download: true,
      });
    } finally {
      sdk.emulator.setAccountType("basic");
    }
  });

  it("folder links use /scl/fo/; a missing path is path/not_found", async () => {
    await upload("/Album/1.jpg");
    const { result } = await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/album" });
    expect(result[".tag"]).toBe("folder");
    expect(result.url).toMatch(
      /^https:\/\/www\.dropbox\.com\/scl\/fo\/[a-z0-9]{21}\/[^?]+\?rlkey=[a-z0-9]{25}&dl=0$/,
    );
    expect(result).not.toHaveProperty("size");
    expect(sdk.emulator.resolveSharedLink(result.url)).toMatchObject({ kind: "folder" });
    const missing = await failure(
      sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/nope.jpg" }),
    );
    expect(apiError(missing)).toEqual({
      error_summary: "path/not_found/..",
      error: { ".tag": "path", path: { ".tag": "not_found" } },
    });
  });

  it("lists links: pages with a cursor, or by path (parents unless direct_only)", async () => {
    const everything: string[] = [];
    let page = (await sdk.dbx.sharingListSharedLinks({})).result;
    everything.push(...page.links.map((link) => link.url));
    expect(page.links).toHaveLength(2);
    expect(page.has_more).toBe(true);
    while (page.has_more) {
      page = (await sdk.dbx.sharingListSharedLinks({ cursor: page.cursor })).result;
      everything.push(...page.links.map((link) => link.url));
    }
    expect(everything).toEqual(sdk.emulator.sharedLinks().map((link) => link.url));

    const inFolder = await sdk.dbx.sharingListSharedLinks({ path: "/album/1.jpg" });
    expect(inFolder.result.links.map((link) => link[".tag"])).toEqual(["folder"]);
    expect(inFolder.result).not.toHaveProperty("cursor");
    const direct = await sdk.dbx.sharingListSharedLinks({
      path: "/album/1.jpg",
      direct_only: true,
    });
    expect(direct.result.links).toEqual([]);
    const reset = await failure(sdk.dbx.sharingListSharedLinks({ cursor: "bogus" }));
    expect(apiError(reset).error_summary).toBe("reset/..");
  });

  it("revokes: the link stops working and cannot be revoked twice", async () => {
    await upload("/rev/a.jpg");
    const { url } = (await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/rev/a.jpg" }))
      .result;
    const revoked = await sdk.dbx.sharingRevokeSharedLink({ url });
    expect(revoked.result).toBeNull();
    expect(sdk.emulator.resolveSharedLink(url)).toBeNull();
    const again = await failure(sdk.dbx.sharingRevokeSharedLink({ url }));
    expect(apiError(again)).toEqual({
      error_summary: "shared_link_not_found/..",
      error: { ".tag": "shared_link_not_found" },
    });
    const malformed = await failure(sdk.dbx.sharingRevokeSharedLink({ url: "not a link" }));
    expect(apiError(malformed).error_summary).toBe("shared_link_malformed/..");
    const fresh = await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/rev/a.jpg" });
    expect(fresh.result.url).not.toBe(url);
  });

  it("deleting a folder kills the links to it and to everything below", async () => {
    await upload("/Trip/a.jpg");
    const fileLink = (await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/trip/a.jpg" }))
      .result;
    const folderLink = (await sdk.dbx.sharingCreateSharedLinkWithSettings({ path: "/trip" }))
      .result;
    const { result } = await sdk.dbx.filesDeleteV2({ path: "/TRIP" });
    expect(result.metadata).toEqual({
      ".tag": "folder",
      name: "Trip",
      path_lower: "/trip",
      path_display: "/Trip",
      id: expect.stringMatching(/^id:/),
    });
    expect(sdk.emulator.resolveSharedLink(fileLink.url)).toBeNull();
    expect(sdk.emulator.resolveSharedLink(folderLink.url)).toBeNull();
    expect(sdk.emulator.readFile("/trip/a.jpg")).toBeNull();
    const statuses = sdk.emulator
      .sharedLinks()
      .filter((link) => link.url === fileLink.url || link.url === folderLink.url)
      .map((link) => link.status);
    expect(statuses).toEqual(["target_deleted", "target_deleted"]);
    const listed = await sdk.dbx.sharingListSharedLinks({});
    expect(listed.result.links.map((link) => link.url)).not.toContain(fileLink.url);
    const revoke = await failure(sdk.dbx.sharingRevokeSharedLink({ url: fileLink.url }));
    expect(apiError(revoke).error_summary).toBe("shared_link_not_found/..");
  });
});

describe("authorization", () => {
  const APP_KEY = "dmshare-test-app";
  const REDIRECT = "http://127.0.0.1:53682/";
  let emulator: DropboxEmulator;
  beforeAll(async () => {
    emulator = await startDropboxEmulator({
      apps: [{ clientId: APP_KEY, redirectUris: [REDIRECT] }],
    });
  });
  afterAll(() => emulator.close());

  const auth = () => new DropboxAuth({ clientId: APP_KEY, fetch: emulatorFetch(emulator) });
  /** The SDK's PKCE authorize URL for an offline token, moved onto the emulator. */
  const authorizeUrl = async (dropboxAuth: DropboxAuth, redirectUri: string, state?: string) => {
    const url = await dropboxAuth.getAuthenticationUrl(
      redirectUri,
      state,
      "code",
      "offline",
      undefined,
      undefined,
      true,
    );
    return url.replace(/^https:\/\/(www\.)?dropbox\.com/, emulator.url);
  };

  it("PKCE code grant through the consent page, then refresh", async () => {
    const dropboxAuth = auth();
    const url = await authorizeUrl(dropboxAuth, REDIRECT, "state-123");
    const { location } = await playBrowserConsent(url, "allow");
    const redirect = new URL(location as string);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    expect(redirect.searchParams.get("state")).toBe("state-123");
    const code = redirect.searchParams.get("code") as string;

    const { result } = await dropboxAuth.getAccessTokenFromCode(REDIRECT, code);
    expect(result).toEqual({
      access_token: expect.stringMatching(/^sl\./),
      token_type: "bearer",
      expires_in: 14400,
      refresh_token: expect.any(String),
      scope: expect.stringContaining("sharing.write"),
      uid: expect.stringMatching(/^\d+$/),
      account_id: expect.stringMatching(/^dbid:/),
    });
    const tokenRequest = emulator.requests.at(-1);
    expect(tokenRequest?.query).toMatchObject({ grant_type: "authorization_code", code });
    const tokens = result as { access_token: string; refresh_token: string };
    const account = await client(emulator, tokens.access_token).usersGetCurrentAccount();
    expect(account.status).toBe(200);

    const reused = await failure(dropboxAuth.getAccessTokenFromCode(REDIRECT, code));
    expect(reused.status).toBe(400);
    expect(reused.error).toEqual({
      error: "invalid_grant",
      error_description: "code doesn't exist or has expired",
    });

    const refreshing = new Dropbox({
      refreshToken: tokens.refresh_token,
      clientId: APP_KEY,
      fetch: emulatorFetch(emulator),
    });
    await refreshing.usersGetCurrentAccount();
    const refreshRequest = emulator.requests.find(
      (request) => request.path === "/oauth2/token" && request.query.grant_type === "refresh_token",
    );
    expect(refreshRequest?.status).toBe(200);
    const afterRefresh = emulator.requests.at(-1);
    expect(afterRefresh?.path).toBe("/2/users/get_current_account");
    expect(afterRefresh?.headers.authorization).not.toBe(`Bearer ${tokens.access_token}`);
    expect(afterRefresh?.status).toBe(200);

    emulator.revokeRefreshTokens();
    const revoked = await failure(auth().refreshAccessToken());
    expect(revoked.status).toBe(400);
  });

  it("checks the verifier, the redirect URI and the app", async () => {
    const dropboxAuth = auth();
    const url = await authorizeUrl(dropboxAuth, REDIRECT);
    const { location } = await playBrowserConsent(url, "allow");
    const code = new URL(location as string).searchParams.get("code") as string;
    const mismatch = await failure(dropboxAuth.getAccessTokenFromCode("http://127.0.0.1:9/", code));
    expect(mismatch.error).toEqual({
      error: "invalid_grant",
      error_description: "redirect_uri mismatch",
    });
    dropboxAuth.setCodeVerifier("x".repeat(64));
    const wrongVerifier = await failure(dropboxAuth.getAccessTokenFromCode(REDIRECT, code));
    expect(wrongVerifier.error).toMatchObject({ error: "invalid_grant" });

    const otherPort = url.replace(REDIRECT, "http://127.0.0.1:53683/");
    await expect(playBrowserConsent(otherPort, "allow")).rejects.toThrow(/Invalid redirect_uri/);
    await expect(
      playBrowserConsent(
        `${emulator.url}/oauth2/authorize?client_id=unknown&response_type=code`,
        "allow",
      ),
    ).rejects.toThrow(/Invalid client_id/);
  });

  it("grants only the requested scopes", async () => {
    const dropboxAuth = auth();
    const url = await dropboxAuth.getAuthenticationUrl(
      "",
      undefined,
      "code",
      "online",
      ["files.content.write"],
      undefined,
      true,
    );
    const { code } = await playBrowserConsent(
      url.replace(/^https:\/\/dropbox\.com/, emulator.url),
      "allow",
    );
    const { result } = await dropboxAuth.getAccessTokenFromCode("", code as string);
    const granted = result as { access_token: string; scope: string; refresh_token?: string };
    expect(granted.scope).toBe("account_info.read files.content.write");
    expect(granted.refresh_token).toBeUndefined();
    const denied = await failure(client(emulator, granted.access_token).sharingListSharedLinks({}));
    expect(denied.status).toBe(401);
    expect(denied.error).toEqual({
      error_summary: "missing_scope/",
      error: { ".tag": "missing_scope", required_scope: "sharing.read" },
    });
  });

  it("Deny redirects with access_denied and the state", async () => {
    const url = await authorizeUrl(auth(), REDIRECT, "s1");
    const { location } = await playBrowserConsent(url, "deny");
    const redirect = new URL(location as string);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      error: "access_denied",
      error_description: "The user chose not to give your app access to their Dropbox account.",
      state: "s1",
    });
  });

  it("without a redirect URI the page shows the code to paste", async () => {
    const dropboxAuth = auth();
    const url = await authorizeUrl(dropboxAuth, "");
    const { code, location } = await playBrowserConsent(url, "allow");
    expect(location).toBeUndefined();
    const { result } = await dropboxAuth.getAccessTokenFromCode("", code as string);
    expect(result).toMatchObject({ token_type: "bearer", refresh_token: expect.any(String) });
  });

  it("expired and unknown tokens get 401 JSON; no Authorization gets the 400 text", async () => {
    const { accessToken } = emulator.issueAccessToken({ expiresInSeconds: 0 });
    const expired = await failure(client(emulator, accessToken).usersGetCurrentAccount());
    expect(expired.status).toBe(401);
    expect(expired.error).toEqual({
      error_summary: "expired_access_token/",
      error: { ".tag": "expired_access_token" },
    });
    const fresh = emulator.issueAccessToken();
    await client(emulator, fresh.accessToken).usersGetCurrentAccount();
    emulator.expireAccessTokens();
    const nowExpired = await failure(client(emulator, fresh.accessToken).usersGetCurrentAccount());
    expect(apiError(nowExpired).error_summary).toBe("expired_access_token/");

    const revoking = emulator.issueAccessToken();
    await client(emulator, revoking.accessToken).authTokenRevoke();
    const revoked = await failure(client(emulator, revoking.accessToken).usersGetCurrentAccount());
    expect(apiError(revoked).error_summary).toBe("invalid_access_token/");

    const unknown = await failure(client(emulator, "not-a-token").usersGetCurrentAccount());
    expect(unknown.error).toEqual({
      error_summary: "invalid_access_token/",
      error: { ".tag": "invalid_access_token" },
    });
    const anonymous = await fetch(`${emulator.url}/2/users/get_current_account`, {
      method: "POST",
    });
    expect(anonymous.status).toBe(400);
    expect(await anonymous.text()).toBe(
      'Error in call to API function "users/get_current_account": Must provide HTTP header "Authorization" or URL parameter "authorization".',
    );
  });
});

describe("faults", () => {
  const sdk = useSdkClient({ staticTokens: [TOKEN] });

  it("latency delays the answer of matching requests only", async () => {
    sdk.emulator.inject({ route: "/2/users/get_current_account", kind: "latency", ms: 300 });
    const started = Date.now();
    await sdk.dbx.usersGetCurrentAccount();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sdk.emulator.requests.at(-1)?.faults).toEqual(["latency 300ms"]);
    const again = Date.now();
    await sdk.dbx.usersGetCurrentAccount();
    expect(Date.now() - again).toBeLessThan(250);
  });

  it("429 carries Retry-After and the rate-limit body; 5xx are plain text", async () => {
    sdk.emulator.inject({
      route: /^\/2\/files\//,
      kind: "status",
      status: 429,
      retryAfterSeconds: 3,
      reason: "too_many_write_operations",
    });
    const limited = await failure(
      sdk.dbx.filesUpload({ path: "/r.jpg", contents: Buffer.from("r") }),
    );
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.error).toEqual({
      error_summary: "too_many_write_operations/..",
      error: { reason: { ".tag": "too_many_write_operations" }, retry_after: 3 },
    });
    expect(sdk.emulator.readFile("/r.jpg")).toBeNull();

    sdk.emulator.inject({ kind: "status", status: 503, times: 2 });
    for (let attempt = 0; attempt < 2; attempt++) {
      const unavailable = await failure(sdk.dbx.usersGetCurrentAccount());
      expect(unavailable.status).toBe(503);
      expect(typeof unavailable.error).toBe("string");
    }
    expect((await sdk.dbx.usersGetCurrentAccount()).status).toBe(200);
  });

  it("cut mid-body drops the request; cut before answering loses only the reply", async () => {
    sdk.emulator.inject({ route: "/2/files/upload", kind: "cut", afterBodyBytes: 64 * 1024 });
    await expect(
      sdk.dbx.filesUpload({ path: "/cut.bin", contents: Buffer.alloc(1024 * 1024) }),
    ).rejects.toThrow(/fetch failed/);
    expect(sdk.emulator.readFile("/cut.bin")).toBeNull();
    const cut = sdk.emulator.requests.at(-1);
    expect(cut?.faults).toEqual(["cut"]);
    expect(cut?.status).toBeUndefined();

    sdk.emulator.inject({ route: "/2/files/create_folder_v2", kind: "cut" });
    await expect(sdk.dbx.filesCreateFolderV2({ path: "/made" })).rejects.toThrow(/fetch failed/);
    expect(sdk.emulator.listFolders().map((folder) => folder.pathDisplay)).toContain("/made");
    const retry = await failure(sdk.dbx.filesCreateFolderV2({ path: "/made" }));
    expect(apiError(retry).error_summary).toBe("path/conflict/folder/..");
  });

  it("bandwidth throttles request bodies; clearFaults drops pending faults", async () => {
    sdk.emulator.bandwidthBytesPerSecond = 100 * 1024;
    try {
      const started = Date.now();
      await sdk.dbx.filesUpload({ path: "/slow.bin", contents: Buffer.alloc(50 * 1024, 1) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      sdk.emulator.bandwidthBytesPerSecond = 0;
    }
    sdk.emulator.inject({ kind: "status", status: 500, times: 5 });
    sdk.emulator.clearFaults();
    expect((await sdk.dbx.usersGetCurrentAccount()).status).toBe(200);
  });
});

describe("command line", () => {
  it("prints its URL, serves, and stops on SIGTERM", async () => {
    const { firstLine: line, stop } = await runEmulatorCommand("dropbox", [
      "--port",
      "0",
      "--token",
      "cli-token",
    ]);
    const match = /^Dropbox emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const response = await fetch(`${match?.[1]}/2/users/get_current_account`, {
      method: "POST",
      headers: { Authorization: "Bearer cli-token" },
    });
    expect(response.status).toBe(200);
    expect(await stop()).toBe(0);
  });
});
