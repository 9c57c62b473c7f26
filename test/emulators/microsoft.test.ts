import {
  Client,
  type Context,
  GraphError,
  HTTPMessageHandler,
  LargeFileUploadTask,
  type Middleware,
} from "@microsoft/microsoft-graph-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FRAGMENT_UNIT, type MicrosoftEmulator, startMicrosoftEmulator } from "./microsoft.ts";

const TOKEN = "static-graph-token";
const APP_ONLY_NO_USER = "app-folder-only";
const FULL_DRIVE = "full-drive-token";

/**
 * The official client's AuthenticationHandler adds the token only for https Graph hosts (and
 * strips it elsewhere, e.g. upload URLs). The emulator is plain http on 127.0.0.1, so the same
 * rule is given as a custom middleware (the client's public extension point): the token goes
 * to `<emulator>/v1.0/…` and nowhere else.
 */
class EmulatorAuth implements Middleware {
  private next: Middleware | undefined;
  private readonly graphBase: string;
  private readonly token: () => string | undefined;

  constructor(graphBase: string, token: () => string | undefined) {
    this.graphBase = graphBase;
    this.token = token;
  }

  async execute(context: Context): Promise<void> {
    const url = typeof context.request === "string" ? context.request : context.request.url;
    const headers = new Headers(
      context.options?.headers as ConstructorParameters<typeof Headers>[0],
    );
    const token = this.token();
    if (url.startsWith(this.graphBase) && token) headers.set("Authorization", `Bearer ${token}`);
    else headers.delete("Authorization");
    context.options = { ...context.options, headers: Object.fromEntries(headers) };
    await this.next?.execute(context);
  }

  setNext(next: Middleware): void {
    this.next = next;
  }
}

function graphClient(emulator: MicrosoftEmulator, token: string | null = TOKEN): Client {
  const auth = new EmulatorAuth(`${emulator.url}/v1.0/`, () => token ?? undefined);
  auth.setNext(new HTTPMessageHandler());
  return Client.initWithMiddleware({ middleware: auth, baseUrl: `${emulator.url}/` });
}

async function failure(call: Promise<unknown>): Promise<GraphError> {
  try {
    await call;
  } catch (error) {
    if (error instanceof GraphError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** A raw request, for what the client does not make (wrong headers, cancelled sessions…). */
async function raw(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, init);
  const text = await response.text();
  return {
    status: response.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

const bytes = (length: number, seed = 7) =>
  Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) % 251));

describe("Microsoft Graph emulator through the official client", () => {
  let emulator: MicrosoftEmulator;
  let client: Client;

  beforeAll(async () => {
    emulator = await startMicrosoftEmulator({
      staticTokens: [
        TOKEN,
        { token: APP_ONLY_NO_USER, scopes: ["Files.ReadWrite.AppFolder"] },
        { token: FULL_DRIVE, scopes: ["Files.ReadWrite", "User.Read"] },
      ],
      listPageSize: 3,
    });
    client = graphClient(emulator);
  });
  afterAll(() => emulator.close());

  it("tells who the user is and which drive", async () => {
    const me = await client.api("/me").get();
    expect(me).toMatchObject({
      displayName: "Emma Ulator",
      userPrincipalName: "emma.ulator@outlook.com",
    });
    const drive = await client.api("/me/drive").get();
    expect(drive).toMatchObject({
      driveType: "personal",
      id: emulator.account.driveId.toLowerCase(),
    });
    expect(drive.quota.total).toBe(5 * 1024 ** 3);
  });

  it("answers 401 in Graph's error shape without a valid token", async () => {
    const error = await failure(graphClient(emulator, null).api("/me/drive/special/approot").get());
    expect(error.statusCode).toBe(401);
    expect(error.code).toBe("InvalidAuthenticationToken");
    const body = await raw(`${emulator.url}/v1.0/me`, {
      headers: { Authorization: "Bearer nope" },
    });
    expect(body.status).toBe(401);
    const inner = (body.body.error as { innerError: Record<string, string> }).innerError;
    expect(Object.keys(inner).sort()).toEqual(["client-request-id", "date", "request-id"]);
  });

  it("keeps an app-folder token inside the app folder, and /me needs User.Read", async () => {
    const appOnly = graphClient(emulator, APP_ONLY_NO_USER);
    expect((await failure(appOnly.api("/me/drive/root/children").get())).code).toBe("accessDenied");
    expect((await failure(appOnly.api("/me").get())).statusCode).toBe(403);
    const folder = await appOnly.api("/me/drive/special/approot").get();
    expect(folder).toMatchObject({ name: "dmshare", specialFolder: { name: "approot" } });
    expect(folder.parentReference.path).toBe("/drive/root:/Apps");
    const full = graphClient(emulator, FULL_DRIVE);
    const root = await full.api("/me/drive/root/children").get();
    expect(root.value.map((item: { name: string }) => item.name)).toEqual(["Apps"]);
  });

  it("uploads a small file with conflictBehavior=fail, and refuses a second one of that name", async () => {
    const content = bytes(1000);
    const item = await client
      .api("/me/drive/special/approot:/small/beach.jpg:/content")
      .query({ "@microsoft.graph.conflictBehavior": "fail" })
      .header("Content-Type", "application/octet-stream")
      .put(content);
    expect(item).toMatchObject({ name: "beach.jpg", size: 1000, file: { mimeType: "image/jpeg" } });
    expect(item.parentReference.path).toBe("/drive/root:/Apps/dmshare/small");
    expect(emulator.item(item.id)?.content?.equals(content)).toBe(true);
    const again = await failure(
      client
        .api("/me/drive/special/approot:/small/beach.jpg:/content")
        .query({ "@microsoft.graph.conflictBehavior": "fail" })
        .put(content),
    );
    expect([again.statusCode, again.code]).toEqual([409, "nameAlreadyExists"]);
  });

  it("creates folders and pages their children with @odata.nextLink", async () => {
    const folder = await client
      .api("/me/drive/special/approot/children")
      .post({ name: "paged", folder: {}, "@microsoft.graph.conflictBehavior": "fail" });
    for (const name of ["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]) {
      await client.api(`/me/drive/items/${folder.id}:/${name}:/content`).put(bytes(10));
    }
    const first = await client.api(`/me/drive/items/${folder.id}/children`).get();
    expect(first.value).toHaveLength(3);
    expect(first["@odata.nextLink"]).toMatch(/\$skiptoken=/);
    // The client's PageIterator follows only https nextLinks (others it takes for Graph paths).
    const names: string[] = [];
    let page = first;
    for (;;) {
      names.push(...page.value.map((item: { name: string }) => item.name));
      const next = page["@odata.nextLink"] as string | undefined;
      if (!next) break;
      expect(next.startsWith(`${emulator.url}/v1.0/`)).toBe(true);
      page = await client.api(next.slice(`${emulator.url}/v1.0`.length)).get();
    }
    expect(names).toEqual(["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"]);
    const duplicate = await failure(
      client.api("/me/drive/special/approot/children").post({ name: "paged", folder: {} }),
    );
    expect(duplicate.code).toBe("nameAlreadyExists");
    const unknown = await failure(
      client
        .api("/me/drive/special/approot/children")
        .post({ name: "x", folder: {}, colour: "red" }),
    );
    expect([unknown.statusCode, unknown.code]).toEqual([400, "BadRequest"]);
  });

  it("uploads a large file through an upload session in 320 KiB fragments", async () => {
    const content = bytes(3 * FRAGMENT_UNIT + 1234);
    // The client makes the session; its LargeFileUploadTask only PUTs to https upload URLs
    // (it treats any other URL as a Graph path), so the fragments go out with fetch here.
    const session = await LargeFileUploadTask.createUploadSession(
      client,
      "/me/drive/special/approot:/big/video.mp4:/createUploadSession",
      { item: { "@microsoft.graph.conflictBehavior": "fail", name: "video.mp4" } },
    );
    const fragment = 2 * FRAGMENT_UNIT;
    let answer: { status: number; body: Record<string, unknown> } | undefined;
    for (let start = 0; start < content.length; start += fragment) {
      const end = Math.min(start + fragment, content.length) - 1;
      answer = await raw(session.url, {
        method: "PUT",
        headers: { "Content-Range": `bytes ${start}-${end}/${content.length}` },
        body: content.subarray(start, end + 1),
      });
    }
    const item = answer?.body as { id: string; size: number };
    expect(answer?.status).toBe(201);
    expect(item.size).toBe(content.length);
    expect(emulator.item(item.id)?.content?.equals(content)).toBe(true);
    const puts = emulator.requests.filter((r) => r.path.startsWith("/rup/"));
    expect(puts.map((r) => [r.headers["content-range"], r.status])).toEqual([
      [`bytes 0-${2 * FRAGMENT_UNIT - 1}/${content.length}`, 202],
      [`bytes ${2 * FRAGMENT_UNIT}-${content.length - 1}/${content.length}`, 201],
    ]);
    expect(session.expiry.getTime()).toBeGreaterThan(Date.now());
  });

  it("enforces the upload URL's rules: no Authorization, 320 KiB multiples, in order; GET and DELETE", async () => {
    const created = await client
      .api("/me/drive/special/approot:/rules/clip.mp4:/createUploadSession")
      .post({ item: { "@microsoft.graph.conflictBehavior": "fail" } });
    const url = created.uploadUrl as string;
    expect(created.nextExpectedRanges).toEqual(["0-"]);
    const total = 2 * FRAGMENT_UNIT + 5;
    const put = (start: number, length: number, headers: Record<string, string> = {}) =>
      raw(url, {
        method: "PUT",
        headers: { "Content-Range": `bytes ${start}-${start + length - 1}/${total}`, ...headers },
        body: bytes(length, start),
      });
    expect((await put(0, FRAGMENT_UNIT, { Authorization: `Bearer ${TOKEN}` })).status).toBe(401);
    expect((await put(0, 1000)).status).toBe(400);
    const accepted = await put(0, FRAGMENT_UNIT);
    expect(accepted.status).toBe(202);
    expect(accepted.body.nextExpectedRanges).toEqual([`${FRAGMENT_UNIT}-${total - 1}`]);
    expect((await put(0, FRAGMENT_UNIT)).status).toBe(416);
    const state = await raw(url);
    expect(state.body.nextExpectedRanges).toEqual([`${FRAGMENT_UNIT}-${total - 1}`]);
    expect(emulator.uploadSessions()).toHaveLength(1);
    expect((await raw(url, { method: "DELETE" })).status).toBe(204);
    expect(emulator.uploadSessions()).toHaveLength(0);
    expect((await put(FRAGMENT_UNIT, FRAGMENT_UNIT)).status).toBe(404);
    expect(emulator.items().some((item) => item.name === "clip.mp4")).toBe(false);
  });

  it("resumes a session after a dropped fragment from nextExpectedRanges", async () => {
    const total = 2 * FRAGMENT_UNIT;
    const created = await client
      .api("/me/drive/special/approot:/resume/a.mov:/createUploadSession")
      .post({ item: { "@microsoft.graph.conflictBehavior": "fail" } });
    const url = created.uploadUrl as string;
    const send = (start: number) =>
      fetch(url, {
        method: "PUT",
        headers: { "Content-Range": `bytes ${start}-${start + FRAGMENT_UNIT - 1}/${total}` },
        body: bytes(FRAGMENT_UNIT, start),
      });
    expect((await send(0)).status).toBe(202);
    emulator.inject({ kind: "cut", afterBodyBytes: 1000, route: /^\/rup\// });
    await expect(send(FRAGMENT_UNIT)).rejects.toThrow();
    const state = await raw(url);
    expect(state.body.nextExpectedRanges).toEqual([`${FRAGMENT_UNIT}-${total - 1}`]);
    const done = await send(FRAGMENT_UNIT);
    expect(done.status).toBe(201);
  });

  it("makes anonymous view links, returns the existing one, and resolves them for visitors", async () => {
    const photo = await client
      .api("/me/drive/special/approot:/links/p.jpg:/content")
      .put(bytes(50));
    const made = await client
      .api(`/me/drive/items/${photo.id}/createLink`)
      .post({ type: "view", scope: "anonymous" });
    expect(made).toMatchObject({ roles: ["read"], link: { type: "view", scope: "anonymous" } });
    expect(made.link.webUrl).toMatch(/^https:\/\/1drv\.ms\//);
    const again = await client.api(`/me/drive/items/${photo.id}/createLink`).post({ type: "view" });
    expect(again.id).toBe(made.id);
    expect(emulator.resolveLink(made.link.webUrl)).toMatchObject({ kind: "file", canEdit: false });
    const listed = await client.api(`/me/drive/items/${photo.id}/permissions`).get();
    expect(listed.value.map((p: { id: string }) => p.id)).toEqual([made.id]);
    await client.api(`/me/drive/items/${photo.id}/permissions/${made.id}`).delete();
    expect(emulator.resolveLink(made.link.webUrl)).toBeNull();
    const gone = await failure(
      client.api(`/me/drive/items/${photo.id}/permissions/${made.id}`).delete(),
    );
    expect([gone.statusCode, gone.code]).toEqual([404, "itemNotFound"]);
  });

  it("refuses what a personal account can't have: organization scope, and on a free plan expiry and passwords", async () => {
    const photo = await client.api("/me/drive/special/approot:/plan/p.jpg:/content").put(bytes(50));
    const link = `/me/drive/items/${photo.id}/createLink`;
    const organization = await failure(
      client.api(link).post({ type: "view", scope: "organization" }),
    );
    expect([organization.statusCode, organization.code]).toEqual([400, "invalidRequest"]);
    const expiry = new Date(Date.now() + 86_400_000).toISOString();
    const free = await failure(client.api(link).post({ type: "view", expirationDateTime: expiry }));
    expect([free.statusCode, free.code]).toEqual([403, "accessDenied"]);
    expect(
      (await failure(client.api(link).post({ type: "view", password: "pw" }))).statusCode,
    ).toBe(403);
    expect(
      (await failure(client.api(link).post({ type: "view", preventsDownload: true }))).code,
    ).toBe("BadRequest");
    emulator.plan = "premium";
    try {
      const made = await client
        .api(link)
        .post({ type: "view", expirationDateTime: expiry, password: "pw" });
      expect(made.expirationDateTime).toBe(expiry.replace(/\.\d+Z$/, "Z"));
      expect(made.hasPassword).toBe(true);
      expect(emulator.resolveLink(made.link.webUrl)?.passwordProtected).toBe(true);
    } finally {
      emulator.plan = "free";
    }
  });

  it("lets items inherit a folder's link, which only the folder can delete", async () => {
    const album = await client
      .api("/me/drive/special/approot/children")
      .post({ name: "album", folder: {} });
    const photo = await client.api(`/me/drive/items/${album.id}:/one.jpg:/content`).put(bytes(5));
    const link = await client.api(`/me/drive/items/${album.id}/createLink`).post({ type: "view" });
    expect(emulator.resolveLink(link.link.webUrl)).toMatchObject({
      kind: "folder",
      children: ["one.jpg"],
    });
    const inherited = await client.api(`/me/drive/items/${photo.id}/permissions`).get();
    expect(inherited.value[0]).toMatchObject({ id: link.id, inheritedFrom: { id: album.id } });
    const refused = await failure(
      client.api(`/me/drive/items/${photo.id}/permissions/${link.id}`).delete(),
    );
    expect(refused.statusCode).toBe(400);
    await client.api(`/me/drive/items/${album.id}`).delete();
    expect(emulator.resolveLink(link.link.webUrl)).toBeNull();
    expect((await failure(client.api(`/me/drive/items/${photo.id}`).get())).code).toBe(
      "itemNotFound",
    );
  });

  it("throttles in Graph's shape with Retry-After, and refuses unknown paths", async () => {
    emulator.inject({ kind: "status", status: 429, retryAfterSeconds: 3, route: "/v1.0/me/drive" });
    const response = await fetch(`${emulator.url}/v1.0/me/drive`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("3");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      "activityLimitReached",
    );
    const unknown = await failure(client.api("/me/drives-of-others").get());
    expect([unknown.statusCode, unknown.code]).toEqual([400, "BadRequest"]);
    const segment = await failure(client.api("/me/drive/special/approot/thumbnails-of").get());
    expect(segment.statusCode).toBe(400);
  });
});

describe("Microsoft Graph emulator's clock", () => {
  it("expires an upload session that gets no fragment for 15 minutes (each fragment extends it)", async () => {
    let now = Date.parse("2026-12-01T10:00:00Z");
    const emulator = await startMicrosoftEmulator({
      staticTokens: [TOKEN],
      now: () => new Date(now),
    });
    try {
      const client = graphClient(emulator);
      const created = await client
        .api("/me/drive/special/approot:/slow.mov:/createUploadSession")
        .post({ item: { "@microsoft.graph.conflictBehavior": "fail" } });
      expect(created.expirationDateTime).toBe("2026-12-01T10:15:00Z");
      const put = (start: number) =>
        raw(created.uploadUrl, {
          method: "PUT",
          headers: {
            "Content-Range": `bytes ${start}-${start + FRAGMENT_UNIT - 1}/${3 * FRAGMENT_UNIT}`,
          },
          body: bytes(FRAGMENT_UNIT, start),
        });
      now += 10 * 60_000;
      const first = await put(0);
      expect(first.body.expirationDateTime).toBe("2026-12-01T10:25:00Z");
      now += 14 * 60_000;
      expect((await put(FRAGMENT_UNIT)).status).toBe(202);
      now += 16 * 60_000;
      const late = await put(2 * FRAGMENT_UNIT);
      expect([late.status, (late.body.error as { code: string }).code]).toEqual([
        404,
        "itemNotFound",
      ]);
      expect(emulator.uploadSessions()).toEqual([]);
    } finally {
      await emulator.close();
    }
  });
});
