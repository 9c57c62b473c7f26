import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { drive, type drive_v3 } from "@googleapis/drive";
import { CodeChallengeMethod, type Credentials, OAuth2Client } from "google-auth-library";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEmulatorCommand } from "../helpers/emulator-process.ts";
import { playBrowserConsent, playDeviceVerification } from "./browser.ts";
import {
  DEFAULT_CLIENT,
  DEFAULT_DEVICE_CLIENT,
  DRIVE_FILE_SCOPE,
  type GoogleEmulator,
  PHOTOS_APPENDONLY_SCOPE,
  startGoogleEmulator,
} from "./google.ts";

const TOKEN = "static-google-token";
const PHOTOS_ONLY = "photos-only-token";
const PHOTOS_READ = "photos-read-token";
const OTHER_APP = "other-app-token";
const OTHER_CLIENT = { clientId: "other.apps.googleusercontent.com", clientSecret: "other-secret" };
const KiB = 1024;
const FOLDER = "application/vnd.google-apps.folder";
const READ_APP_CREATED = "https://www.googleapis.com/auth/photoslibrary.readonly.appcreateddata";
const REDIRECT = "http://127.0.0.1:9/callback";

/** An OAuth2Client pointed at the emulator as dmshare points it. */
function oauthClient(
  emulator: GoogleEmulator,
  client: { clientId?: string; clientSecret?: string } = DEFAULT_CLIENT,
  credentials: Credentials = { access_token: TOKEN },
): OAuth2Client {
  const auth = new OAuth2Client({
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    redirectUri: REDIRECT,
    endpoints: {
      oauth2TokenUrl: `${emulator.url}/token`,
      oauth2AuthBaseUrl: `${emulator.url}/o/oauth2/v2/auth`,
      tokenInfoUrl: `${emulator.url}/tokeninfo`,
      oauth2RevokeUrl: `${emulator.url}/revoke`,
    },
  });
  auth.setCredentials(credentials);
  return auth;
}

function driveClient(emulator: GoogleEmulator, auth: OAuth2Client): drive_v3.Drive {
  return drive({ version: "v3", auth, rootUrl: `${emulator.url}/`, retry: false });
}

interface HttpFailure {
  status: number;
  data: unknown;
  headers: Headers;
}

/** The HTTP error a client call fails with (gaxios' response). */
async function failure(call: Promise<unknown>): Promise<HttpFailure> {
  try {
    await call;
  } catch (error) {
    const response = (error as { response?: HttpFailure }).response;
    if (response) return response;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** A tiny JPEG header (SOI, SOF0 with the size, EOI): enough for Photos to sniff. */
function jpeg(width: number, height: number, padding = 0): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0, 11, 8, 0, 0, 0, 0, 1, 1, 0x11, 0]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    sof,
    Buffer.alloc(padding, 0x5a),
    Buffer.from([0xff, 0xd9]),
  ]);
}

const bytes = (length: number, seed = 1) =>
  Buffer.from(Array.from({ length }, (_, index) => (index * 31 + seed) % 251));

/** One emulator per describe block, with the official clients pointed at it. */
function useEmulator(options: Parameters<typeof startGoogleEmulator>[0] = {}) {
  let emulator: GoogleEmulator | undefined;
  let api: drive_v3.Drive | undefined;
  beforeAll(async () => {
    emulator = await startGoogleEmulator({
      clients: [DEFAULT_CLIENT, OTHER_CLIENT],
      staticTokens: [
        TOKEN,
        { token: PHOTOS_ONLY, scopes: [PHOTOS_APPENDONLY_SCOPE] },
        { token: PHOTOS_READ, scopes: [PHOTOS_APPENDONLY_SCOPE, READ_APP_CREATED] },
        { token: OTHER_APP, scopes: [DRIVE_FILE_SCOPE], clientId: OTHER_CLIENT.clientId },
      ],
      ...options,
    });
    api = driveClient(emulator, oauthClient(emulator));
  });
  afterAll(() => emulator?.close());
  return {
    get emulator(): GoogleEmulator {
      if (!emulator) throw new Error("the emulator starts in beforeAll");
      return emulator;
    },
    get api(): drive_v3.Drive {
      if (!api) throw new Error("the client is made in beforeAll");
      return api;
    },
    auth(credentials?: Credentials) {
      return oauthClient(this.emulator, DEFAULT_CLIENT, credentials);
    },
    /** Per-call options uploads need: the API-level rootUrl does not apply to them. */
    get upload() {
      return { rootUrl: `${this.emulator.url}/` };
    },
  };
}

const DRIVE_ID = /^1[A-Za-z0-9_-]{32}$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe("Drive files through @googleapis/drive", () => {
  const g = useEmulator();

  it("about needs fields, then answers the user", async () => {
    const missing = await failure(g.api.about.get());
    expect(missing.status).toBe(400);
    expect(missing.data).toEqual({
      error: {
        code: 400,
        message: "The 'fields' parameter is required for this method.",
        errors: [
          {
            message: "The 'fields' parameter is required for this method.",
            domain: "global",
            reason: "required",
            location: "fields",
            locationType: "parameter",
          },
        ],
      },
    });
    const { data } = await g.api.about.get({
      fields: "user(displayName,emailAddress,permissionId)",
    });
    expect(data).toEqual({
      user: {
        displayName: "Emma Ulator",
        emailAddress: "emma.ulator@example.com",
        permissionId: expect.stringMatching(/^\d{20}$/),
      },
    });
  });

  it("creates a folder in the root; default fields are kind,id,name,mimeType", async () => {
    const { data } = await g.api.files.create({
      requestBody: { name: "Trip", mimeType: FOLDER },
    });
    expect(data).toEqual({
      kind: "drive#file",
      id: expect.stringMatching(DRIVE_ID),
      name: "Trip",
      mimeType: FOLDER,
    });
    const { data: full } = await g.api.files.get({
      fileId: data.id as string,
      fields: "id,parents,webViewLink,webContentLink,size,createdTime,shared,trashed",
    });
    expect(full).toEqual({
      id: data.id,
      parents: [g.emulator.driveRootId],
      webViewLink: `https://drive.google.com/drive/folders/${data.id}?usp=drivesdk`,
      createdTime: expect.stringMatching(TIME),
      shared: false,
      trashed: false,
    });
    const { data: root } = await g.api.files.list({
      q: `'root' in parents and mimeType = '${FOLDER}' and name = 'Trip'`,
      fields: "files(id)",
    });
    expect(root.files).toEqual([{ id: data.id }]);
  });

  it("multipart upload with a streamed body through the per-call rootUrl", async () => {
    const { data: folder } = await g.api.files.create({
      requestBody: { name: "Uploads", mimeType: FOLDER },
    });
    const content = bytes(300 * KiB);
    const progress: number[] = [];
    const { data } = await g.api.files.create(
      {
        requestBody: {
          name: "beach.jpg",
          parents: [folder.id as string],
          appProperties: { k: "v" },
        },
        media: {
          mimeType: "image/jpeg",
          body: Readable.from([content.subarray(0, 1000), content.subarray(1000)]),
        },
        fields:
          "id,name,mimeType,size,md5Checksum,parents,webViewLink,webContentLink,appProperties",
      },
      {
        ...g.upload,
        onUploadProgress: (event: { bytesRead: number }) => progress.push(event.bytesRead),
      },
    );
    expect(data).toEqual({
      id: expect.stringMatching(DRIVE_ID),
      name: "beach.jpg",
      mimeType: "image/jpeg",
      size: String(content.length),
      md5Checksum: createHash("md5").update(content).digest("hex"),
      parents: [folder.id],
      appProperties: { k: "v" },
      webViewLink: `https://drive.google.com/file/d/${data.id}/view?usp=drivesdk`,
      webContentLink: `https://drive.google.com/uc?id=${data.id}&export=download`,
    });
    expect(progress.at(-1)).toBe(content.length);
    expect(g.emulator.readDriveFile(data.id as string)?.equals(content)).toBe(true);
    const upload = g.emulator.requests.find(
      (request) => request.path === "/upload/drive/v3/files" && request.method === "POST",
    );
    expect(upload?.query).toMatchObject({ uploadType: "multipart" });
    expect(upload?.headers["content-type"]).toMatch(/^multipart\/related; boundary=/);
    expect(upload?.headers.authorization).toBe("Bearer [redacted]");
    expect(JSON.stringify(g.emulator.requests)).not.toContain(TOKEN);

    const media = await g.api.files.create(
      { media: { mimeType: "text/plain", body: "just text" }, fields: "name,mimeType,size" },
      g.upload,
    );
    expect(media.data).toEqual({ name: "Untitled", mimeType: "text/plain", size: "9" });
    const download = await g.api.files.get(
      { fileId: data.id as string, alt: "media" },
      { responseType: "arraybuffer" },
    );
    expect(Buffer.from(download.data as unknown as ArrayBuffer).equals(content)).toBe(true);
  });

  it("list: q terms, fields, and pages with nextPageToken", async () => {
    const { data: folder } = await g.api.files.create({
      requestBody: { name: "List", mimeType: FOLDER },
    });
    const parent = folder.id as string;
    const names = ["a.jpg", "b.png", "it's.jpg", "d.jpg", "e.jpg"];
    for (const [index, name] of names.entries()) {
      await g.api.files.create({
        requestBody: {
          name,
          parents: [parent],
          mimeType: name.endsWith(".png") ? "image/png" : "image/jpeg",
          appProperties: { batch: index < 2 ? "one" : "two" },
        },
      });
    }
    const all: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const { data } = await g.api.files.list({
        q: `'${parent}' in parents and trashed = false`,
        fields: "nextPageToken,files(id,name)",
        pageSize: 2,
        pageToken,
      });
      pages += 1;
      for (const file of data.files ?? []) {
        expect(Object.keys(file).sort()).toEqual(["id", "name"]);
        all.push(file.name as string);
      }
      pageToken = data.nextPageToken ?? undefined;
    } while (pageToken);
    expect(pages).toBe(3);
    expect(all).toEqual(names);

    const query = async (q: string) =>
      (
        await g.api.files.list({ q: `'${parent}' in parents and (${q})`, orderBy: "name" })
      ).data.files?.map((file) => file.name);
    expect(await query("name = 'it\\'s.jpg'")).toEqual(["it's.jpg"]);
    expect(await query("mimeType != 'image/jpeg'")).toEqual(["b.png"]);
    expect(await query("appProperties has { key='batch' and value='one' }")).toEqual([
      "a.jpg",
      "b.png",
    ]);
    expect(
      await query("name = 'a.jpg' or (name contains 'd' and not mimeType = 'image/png')"),
    ).toEqual(["a.jpg", "d.jpg"]);
    expect(await query("trashed = true")).toEqual([]);

    const bad = await failure(g.api.files.list({ q: "name = 'unterminated" }));
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({
      error: { errors: [{ reason: "invalid", location: "q", locationType: "parameter" }] },
    });
    const tooBig = await failure(g.api.files.list({ pageSize: 1001 }));
    expect(tooBig.data).toMatchObject({
      error: { message: "Invalid value '1001'. Values must be within the range: [1, 1000]" },
    });
  });

  it("partial responses: *, nested selections, and unknown names refused", async () => {
    const { data } = await g.api.files.create({
      requestBody: { name: "fields.txt", mimeType: "text/plain" },
      fields: "*",
    });
    expect(data).toMatchObject({
      kind: "drive#file",
      name: "fields.txt",
      size: "0",
      modifiedTime: expect.stringMatching(TIME),
      owners: [expect.objectContaining({ me: true, kind: "drive#user" })],
      permissions: [expect.objectContaining({ role: "owner", type: "user" })],
      copyRequiresWriterPermission: false,
    });
    const nested = await g.api.files.get({
      fileId: data.id as string,
      fields: "permissions(role),owners/emailAddress,capabilities/canShare",
    });
    expect(nested.data).toEqual({
      permissions: [{ role: "owner" }],
      owners: [{ emailAddress: "emma.ulator@example.com" }],
      capabilities: { canShare: true },
    });
    const bad = await failure(g.api.files.get({ fileId: data.id as string, fields: "id,nme" }));
    expect(bad.data).toEqual({
      error: {
        code: 400,
        message: "Invalid field selection nme",
        errors: [
          {
            message: "Invalid field selection nme",
            domain: "global",
            reason: "invalidParameter",
            location: "fields",
            locationType: "parameter",
          },
        ],
      },
    });
  });

  it("update: rename, copyRequiresWriterPermission, move with add/removeParents", async () => {
    const folder = (await g.api.files.create({ requestBody: { name: "Dest", mimeType: FOLDER } }))
      .data.id as string;
    const file = (await g.api.files.create({ requestBody: { name: "old.jpg" } })).data.id as string;
    const { data } = await g.api.files.update({
      fileId: file,
      addParents: folder,
      removeParents: "root",
      requestBody: { name: "new.jpg", copyRequiresWriterPermission: true },
      fields: "name,parents,copyRequiresWriterPermission,viewersCanCopyContent",
    });
    expect(data).toEqual({
      name: "new.jpg",
      parents: [folder],
      copyRequiresWriterPermission: true,
      viewersCanCopyContent: false,
    });
    const parents = await failure(
      g.api.files.update({ fileId: file, requestBody: { parents: ["root"] } }),
    );
    expect(parents.status).toBe(403);
    expect(parents.data).toMatchObject({ error: { errors: [{ reason: "fieldNotWritable" }] } });
    const second = await failure(g.api.files.update({ fileId: file, addParents: "root" }));
    expect(second.data).toMatchObject({
      error: {
        code: 403,
        message: "Increasing the number of parents is not allowed.",
        errors: [{ reason: "cannotAddParent" }],
      },
    });
  });

  it("delete answers 204, takes a folder's contents, then get is 404 in Drive's shape", async () => {
    const folder = (await g.api.files.create({ requestBody: { name: "Gone", mimeType: FOLDER } }))
      .data.id as string;
    const inner = (await g.api.files.create({ requestBody: { name: "x", parents: [folder] } })).data
      .id as string;
    const deleted = await g.api.files.delete({ fileId: folder });
    expect(deleted.status).toBe(204);
    expect(g.emulator.driveFiles().map((file) => file.id)).not.toContain(inner);
    const missing = await failure(g.api.files.get({ fileId: inner }));
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({
      error: {
        code: 404,
        message: `File not found: ${inner}.`,
        errors: [
          {
            message: `File not found: ${inner}.`,
            domain: "global",
            reason: "notFound",
            location: "fileId",
            locationType: "parameter",
          },
        ],
      },
    });
  });

  it("drive.file: another OAuth client's token sees none of this app's files", async () => {
    const mine = (await g.api.files.create({ requestBody: { name: "mine" } })).data.id as string;
    const other = driveClient(g.emulator, g.auth({ access_token: OTHER_APP }));
    expect((await failure(other.files.get({ fileId: mine }))).status).toBe(404);
    const { data } = await other.files.list({ fields: "files(id)" });
    expect(data.files).toEqual([]);
    const theirs = (await other.files.create({ requestBody: { name: "theirs" } })).data.id;
    expect((await g.api.files.list({ q: "name = 'theirs'" })).data.files).toEqual([]);
    expect(theirs).toMatch(DRIVE_ID);
  });
});

describe("files.list defaults", () => {
  const g = useEmulator({ listPageSize: 2 });

  it("answers kind, incompleteSearch, nextPageToken and files(kind,id,name,mimeType); the page size option applies", async () => {
    for (const name of ["one", "two", "three"]) {
      await g.api.files.create({ requestBody: { name, mimeType: "text/plain" } });
    }
    const { data } = await g.api.files.list();
    expect(data).toEqual({
      kind: "drive#fileList",
      incompleteSearch: false,
      nextPageToken: expect.stringMatching(/^\S+$/),
      files: ["one", "two"].map((name) => ({
        kind: "drive#file",
        id: expect.stringMatching(DRIVE_ID),
        name,
        mimeType: "text/plain",
      })),
    });
    const rest = await g.api.files.list({ pageToken: data.nextPageToken as string });
    expect(rest.data.files?.map((file) => file.name)).toEqual(["three"]);
    expect(rest.data.nextPageToken).toBeUndefined();
    const foreign = await failure(g.api.files.list({ pageToken: "garbage" }));
    expect(foreign.data).toMatchObject({ error: { errors: [{ location: "pageToken" }] } });
  });
});

describe("Drive permissions and links", () => {
  const g = useEmulator();
  const anyoneReader = { type: "anyone", role: "reader", allowFileDiscovery: false };

  it("an anyone-with-the-link reader: create, list, get, and what a visitor gets", async () => {
    const file = (await g.api.files.create({ requestBody: { name: "p.jpg" } })).data.id as string;
    const link = `https://drive.google.com/file/d/${file}/view?usp=drivesdk`;
    expect(g.emulator.resolveDriveLink(link)).toEqual({
      fileId: file,
      kind: "file",
      access: null,
      canDownload: false,
    });
    const { data } = await g.api.permissions.create({
      fileId: file,
      requestBody: anyoneReader,
      sendNotificationEmail: false,
    });
    expect(data).toEqual({
      kind: "drive#permission",
      id: "anyoneWithLink",
      type: "anyone",
      role: "reader",
      allowFileDiscovery: false,
    });
    const again = await g.api.permissions.create({ fileId: file, requestBody: anyoneReader });
    expect(again.data.id).toBe("anyoneWithLink");
    expect(g.emulator.drivePermissions(file).map((each) => each.id)).toEqual([
      expect.stringMatching(/^\d{20}$/),
      "anyoneWithLink",
    ]);
    expect(g.emulator.resolveDriveLink(link)).toEqual({
      fileId: file,
      kind: "file",
      access: "reader",
      canDownload: true,
    });

    const first = await g.api.permissions.list({
      fileId: file,
      pageSize: 1,
      fields: "nextPageToken,permissions(id,role)",
    });
    expect(first.data.permissions).toEqual([{ id: expect.any(String), role: "owner" }]);
    const second = await g.api.permissions.list({
      fileId: file,
      pageSize: 1,
      pageToken: first.data.nextPageToken as string,
      fields: "nextPageToken,permissions(id,role)",
    });
    expect(second.data).toEqual({ permissions: [{ id: "anyoneWithLink", role: "reader" }] });
    const one = await g.api.permissions.get({ fileId: file, permissionId: "anyoneWithLink" });
    expect(one.data).toMatchObject({ type: "anyone", role: "reader" });
    const shared = await g.api.files.get({ fileId: file, fields: "shared,permissionIds" });
    expect(shared.data).toEqual({
      shared: true,
      permissionIds: [expect.any(String), "anyoneWithLink"],
    });
  });

  it("a folder's link opens what is inside; deleting the permission closes both", async () => {
    const folder = (await g.api.files.create({ requestBody: { name: "Album", mimeType: FOLDER } }))
      .data.id as string;
    const inside = (await g.api.files.create({ requestBody: { name: "1.jpg", parents: [folder] } }))
      .data.id as string;
    await g.api.permissions.create({ fileId: folder, requestBody: anyoneReader });
    const folderLink = `https://drive.google.com/drive/folders/${folder}?usp=drivesdk`;
    const fileLink = `https://drive.google.com/file/d/${inside}/view?usp=drivesdk`;
    expect(g.emulator.resolveDriveLink(folderLink)).toMatchObject({
      kind: "folder",
      access: "reader",
    });
    expect(g.emulator.resolveDriveLink(fileLink)).toMatchObject({ kind: "file", access: "reader" });
    const removed = await g.api.permissions.delete({
      fileId: folder,
      permissionId: "anyoneWithLink",
    });
    expect(removed.status).toBe(204);
    expect(g.emulator.resolveDriveLink(folderLink)?.access).toBeNull();
    expect(g.emulator.resolveDriveLink(fileLink)?.access).toBeNull();
    const again = await failure(
      g.api.permissions.delete({ fileId: folder, permissionId: "anyoneWithLink" }),
    );
    expect(again.status).toBe(404);
    expect(again.data).toMatchObject({
      error: {
        message: "Permission not found: anyoneWithLink.",
        errors: [{ reason: "notFound", location: "permissionId" }],
      },
    });
    const owner = g.emulator.drivePermissions(folder)[0]?.id as string;
    const ownerDelete = await failure(
      g.api.permissions.delete({ fileId: folder, permissionId: owner }),
    );
    expect(ownerDelete.status).toBe(403);
    expect(g.emulator.resolveDriveLink("https://drive.google.com/file/d/nope/view")).toBeNull();
    expect(g.emulator.resolveDriveLink("not a url")).toBeNull();
  });

  it("copyRequiresWriterPermission stops readers downloading, not writers", async () => {
    const file = (
      await g.api.files.create({
        requestBody: { name: "nodl.jpg", copyRequiresWriterPermission: true },
      })
    ).data.id as string;
    const link = `https://drive.google.com/file/d/${file}/view`;
    await g.api.permissions.create({ fileId: file, requestBody: anyoneReader });
    expect(g.emulator.resolveDriveLink(link)).toMatchObject({
      access: "reader",
      canDownload: false,
    });
    const discoverable = await g.api.permissions.create({
      fileId: file,
      requestBody: { type: "anyone", role: "writer", allowFileDiscovery: true },
    });
    expect(discoverable.data.id).toBe("anyone");
    expect(g.emulator.drivePermissions(file).filter((each) => each.type === "anyone")).toHaveLength(
      1,
    );
    expect(g.emulator.resolveDriveLink(link)).toMatchObject({
      access: "writer",
      canDownload: true,
    });
  });

  it("validates permissions and removes one behind the client's back", async () => {
    const file = (await g.api.files.create({ requestBody: { name: "v.jpg" } })).data.id as string;
    const noRole = await failure(
      g.api.permissions.create({ fileId: file, requestBody: { type: "anyone" } }),
    );
    expect(noRole.data).toMatchObject({
      error: { code: 400, errors: [{ reason: "required", location: "permission.role" }] },
    });
    const owner = await failure(
      g.api.permissions.create({
        fileId: file,
        requestBody: { type: "user", role: "owner", emailAddress: "x@example.com" },
      }),
    );
    expect(owner.status).toBe(403);
    const user = await g.api.permissions.create({
      fileId: file,
      requestBody: { type: "user", role: "writer", emailAddress: "Friend@Example.com" },
      fields: "id,emailAddress,role",
    });
    expect(user.data).toEqual({
      id: expect.stringMatching(/^\d+$/),
      emailAddress: "friend@example.com",
      role: "writer",
    });
    g.emulator.removeDrivePermission(file, user.data.id as string);
    expect(
      (await g.api.permissions.list({ fileId: file })).data.permissions?.map((each) => each.role),
    ).toEqual(["owner"]);
  });
});

describe("Drive resumable uploads", () => {
  const g = useEmulator();
  const total = 600 * KiB;
  const content = bytes(total, 7);

  async function initiate(name: string): Promise<string> {
    const response = await g.auth().request({
      url: `${g.emulator.url}/upload/drive/v3/files?uploadType=resumable&fields=id,name,size,md5Checksum`,
      method: "POST",
      headers: {
        "Content-Type": "application/json; charset=UTF-8",
        "X-Upload-Content-Type": "image/jpeg",
        "X-Upload-Content-Length": String(total),
      },
      data: JSON.stringify({ name }),
    });
    expect(response.status).toBe(200);
    const location = response.headers.get("location") as string;
    expect(location).toMatch(
      new RegExp(`^${g.emulator.url}/upload/drive/v3/files\\?uploadType=resumable&upload_id=\\S+$`),
    );
    return location;
  }

  const put = (session: string, range: string, body?: Buffer) =>
    fetch(session, { method: "PUT", headers: { "Content-Range": range }, body });

  it("initiate, status query, two chunks with 308s, then the File", async () => {
    const session = await initiate("big.jpg");
    const empty = await put(session, `bytes */${total}`);
    expect(empty.status).toBe(308);
    expect(empty.headers.get("range")).toBeNull();

    const auth = g.auth();
    const first = await auth.request({
      url: session,
      method: "PUT",
      headers: { "Content-Range": `bytes 0-${512 * KiB - 1}/${total}` },
      data: content.subarray(0, 512 * KiB),
      validateStatus: (status) => status === 308 || (status >= 200 && status < 300),
    });
    expect(first.status).toBe(308);
    expect(first.headers.get("range")).toBe(`bytes=0-${512 * KiB - 1}`);
    const status = await put(session, `bytes */${total}`);
    expect(status.status).toBe(308);
    expect(status.headers.get("range")).toBe(`bytes=0-${512 * KiB - 1}`);

    const last = await put(
      session,
      `bytes ${512 * KiB}-${total - 1}/${total}`,
      content.subarray(512 * KiB),
    );
    expect(last.status).toBe(200);
    const file = (await last.json()) as drive_v3.Schema$File;
    expect(file).toEqual({
      id: expect.stringMatching(DRIVE_ID),
      name: "big.jpg",
      size: String(total),
      md5Checksum: createHash("md5").update(content).digest("hex"),
    });
    expect(g.emulator.readDriveFile(file.id as string)?.equals(content)).toBe(true);
    const after = await put(session, `bytes */${total}`);
    expect(after.status).toBe(200);
    expect(((await after.json()) as drive_v3.Schema$File).id).toBe(file.id);
    const puts = g.emulator.requests.filter((request) => request.method === "PUT");
    expect(puts.map((request) => request.headers["content-range"])).toContain(
      `bytes 0-${512 * KiB - 1}/${total}`,
    );
  });

  it("chunk sizes: under 256 KiB is refused, a non-multiple keeps whole units; gaps and unknown sessions fail", async () => {
    const session = await initiate("sizes.jpg");
    const small = await put(
      session,
      `bytes 0-${100 * KiB - 1}/${total}`,
      content.subarray(0, 100 * KiB),
    );
    expect(small.status).toBe(400);
    expect(((await small.json()) as { error: { message: string } }).error.message).toMatch(
      /required to be equal or greater than 262144, except for the final request/,
    );
    const odd = await put(
      session,
      `bytes 0-${300 * KiB - 1}/${total}`,
      content.subarray(0, 300 * KiB),
    );
    expect(odd.status).toBe(308);
    expect(odd.headers.get("range")).toBe(`bytes=0-${256 * KiB - 1}`);
    const gap = await put(
      session,
      `bytes ${512 * KiB}-${total - 1}/${total}`,
      content.subarray(512 * KiB),
    );
    expect(gap.status).toBe(400);
    const rest = await put(
      session,
      `bytes ${256 * KiB}-${total - 1}/${total}`,
      content.subarray(256 * KiB),
    );
    expect(rest.status).toBe(200);
    const unknown = await put(
      `${g.emulator.url}/upload/drive/v3/files?uploadType=resumable&upload_id=nope`,
      `bytes */${total}`,
    );
    expect(unknown.status).toBe(404);
    const cancelled = await initiate("cancel.jpg");
    expect((await fetch(cancelled, { method: "DELETE" })).status).toBe(499);
    expect((await put(cancelled, `bytes */${total}`)).status).toBe(404);
  });

  it("a connection cut mid-chunk keeps what arrived in whole 256 KiB units; the upload resumes", async () => {
    const session = await initiate("resume.jpg");
    g.emulator.inject({
      kind: "cut",
      route: /^\/upload\/drive\/v3\/files$/,
      method: "PUT",
      afterBodyBytes: 300 * KiB,
    });
    await expect(put(session, `bytes 0-${total - 1}/${total}`, content)).rejects.toThrow();
    const status = await put(session, `bytes */${total}`);
    expect(status.status).toBe(308);
    expect(status.headers.get("range")).toBe(`bytes=0-${256 * KiB - 1}`);
    const rest = await put(
      session,
      `bytes ${256 * KiB}-${total - 1}/${total}`,
      content.subarray(256 * KiB),
    );
    expect(rest.status).toBe(200);
    const { id } = (await rest.json()) as { id: string };
    expect(g.emulator.readDriveFile(id)?.equals(content)).toBe(true);
    const cut = g.emulator.requests.find((request) => request.faults.includes("cut"));
    expect(cut?.method).toBe("PUT");
  });
});

describe("OAuth for installed apps", () => {
  const g = useEmulator();

  async function authorize(auth: OAuth2Client, state = "st4te") {
    const { codeVerifier, codeChallenge } = await auth.generateCodeVerifierAsync();
    const url = auth.generateAuthUrl({
      access_type: "offline",
      prompt: "consent",
      scope: [DRIVE_FILE_SCOPE],
      state,
      code_challenge: codeChallenge,
      code_challenge_method: CodeChallengeMethod.S256,
    });
    const { location } = await playBrowserConsent(url, "allow");
    const redirect = new URL(location as string);
    return { redirect, code: redirect.searchParams.get("code") as string, codeVerifier, url };
  }

  it("code + PKCE through the consent page; the tokens work on Drive", async () => {
    const auth = oauthClient(g.emulator, DEFAULT_CLIENT, {});
    const { redirect, code, codeVerifier, url } = await authorize(auth);
    expect(url.startsWith(`${g.emulator.url}/o/oauth2/v2/auth?`)).toBe(true);
    expect(`${redirect.origin}${redirect.pathname}`).toBe(REDIRECT);
    expect(Object.fromEntries(redirect.searchParams)).toEqual({
      state: "st4te",
      code: expect.stringMatching(/^4\/0A/),
      scope: DRIVE_FILE_SCOPE,
    });
    const { tokens } = await auth.getToken({ code, codeVerifier });
    expect(tokens).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      refresh_token: expect.stringMatching(/^1\/\/0/),
      scope: DRIVE_FILE_SCOPE,
      token_type: "Bearer",
      expiry_date: expect.any(Number),
    });
    auth.setCredentials(tokens);
    const about = await driveClient(g.emulator, auth).about.get({ fields: "user/emailAddress" });
    expect(about.data.user?.emailAddress).toBe("emma.ulator@example.com");
    const info = await auth.getTokenInfo(tokens.access_token as string);
    expect(info).toMatchObject({ scopes: [DRIVE_FILE_SCOPE], aud: DEFAULT_CLIENT.clientId });

    const reused = await failure(auth.getToken({ code, codeVerifier }));
    expect(reused.status).toBe(400);
    expect(reused.data).toEqual({ error: "invalid_grant", error_description: "Bad Request" });
    const token = g.emulator.requests.find((request) => request.path === "/token");
    expect(token?.arg).toMatchObject({
      client_secret: "[redacted]",
      grant_type: "authorization_code",
    });
  });

  it("the token endpoint wants the secret and the right verifier and redirect URI", async () => {
    const auth = oauthClient(g.emulator, DEFAULT_CLIENT, {});
    const { code, codeVerifier } = await authorize(auth);
    const noSecret = oauthClient(g.emulator, { clientId: DEFAULT_CLIENT.clientId }, {});
    const missing = await failure(noSecret.getToken({ code, codeVerifier }));
    expect(missing.status).toBe(400);
    expect(missing.data).toEqual({
      error: "invalid_request",
      error_description: "client_secret is missing.",
    });
    const wrongSecret = oauthClient(g.emulator, { ...DEFAULT_CLIENT, clientSecret: "nope" }, {});
    const unauthorized = await failure(wrongSecret.getToken({ code, codeVerifier }));
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.data).toMatchObject({ error: "invalid_client" });
    const verifier = await failure(auth.getToken({ code, codeVerifier: `${codeVerifier}x` }));
    expect(verifier.data).toEqual({
      error: "invalid_grant",
      error_description: "Invalid code verifier.",
    });
    const redirect = await failure(
      auth.getToken({ code, codeVerifier, redirect_uri: "http://127.0.0.1:9/other" }),
    );
    expect(redirect.data).toMatchObject({ error: "redirect_uri_mismatch" });
    const { tokens } = await auth.getToken({ code, codeVerifier });
    expect(tokens.access_token).toBeTruthy();
  });

  it("a refresh token comes with offline access on first consent or prompt=consent only", async () => {
    const auth = oauthClient(g.emulator, OTHER_CLIENT, {});
    const consent = async (options: { access_type?: string; prompt?: string }) => {
      const url = auth.generateAuthUrl({ scope: [PHOTOS_APPENDONLY_SCOPE], ...options });
      const { location } = await playBrowserConsent(url, "allow");
      const code = new URL(location as string).searchParams.get("code") as string;
      return (await auth.getToken(code)).tokens;
    };
    expect((await consent({ access_type: "offline" })).refresh_token).toBeTruthy();
    expect((await consent({ access_type: "offline" })).refresh_token).toBeUndefined();
    expect((await consent({})).refresh_token).toBeUndefined();
    const again = await consent({ access_type: "offline", prompt: "consent" });
    expect(again.refresh_token).toBeTruthy();
    const info = await auth.getTokenInfo(again.access_token as string);
    expect(info).toMatchObject({
      scopes: [PHOTOS_APPENDONLY_SCOPE],
      azp: OTHER_CLIENT.clientId,
      access_type: "offline",
    });
    expect(info.email).toBeUndefined();
  });

  it("the consent page: Deny, unknown clients, non-loopback redirects", async () => {
    const auth = oauthClient(g.emulator, DEFAULT_CLIENT, {});
    const url = auth.generateAuthUrl({ scope: [DRIVE_FILE_SCOPE], state: "s1" });
    const { location } = await playBrowserConsent(url, "deny");
    expect(location).toBe(`${REDIRECT}?error=access_denied&state=s1`);
    const stranger = oauthClient(g.emulator, { clientId: "stranger", clientSecret: "x" }, {});
    await expect(
      playBrowserConsent(stranger.generateAuthUrl({ scope: [DRIVE_FILE_SCOPE] }), "allow"),
    ).rejects.toThrow(/answered 401: Error 401: invalid_client The OAuth client was not found/);
    const web = auth.generateAuthUrl({
      scope: [DRIVE_FILE_SCOPE],
      redirect_uri: "https://example.com/callback",
    });
    await expect(playBrowserConsent(web, "allow")).rejects.toThrow(
      /Error 400: redirect_uri_mismatch/,
    );
    const badScope = auth.generateAuthUrl({
      scope: ["https://www.googleapis.com/auth/photoslibrary"],
    });
    await expect(playBrowserConsent(badScope, "allow")).rejects.toThrow(/invalid_scope/);
  });

  it("an expired token is refreshed by the client; a revoked refresh token is invalid_grant", async () => {
    const { accessToken, refreshToken } = g.emulator.issueAccessToken();
    const auth = g.auth({ access_token: accessToken, refresh_token: refreshToken });
    const refreshed: Credentials[] = [];
    auth.on("tokens", (tokens) => refreshed.push(tokens));
    const api = driveClient(g.emulator, auth);
    await api.about.get({ fields: "user" });
    g.emulator.expireAccessTokens();
    const after = await api.about.get({ fields: "user/displayName" });
    expect(after.data.user?.displayName).toBe("Emma Ulator");
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]?.access_token).not.toBe(accessToken);
    // On the wire a refresh answers no new refresh token.
    const raw = await fetch(`${g.emulator.url}/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: refreshToken,
        client_id: DEFAULT_CLIENT.clientId,
        client_secret: DEFAULT_CLIENT.clientSecret,
      }),
    });
    expect(await raw.json()).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: 3599,
      scope: `${DRIVE_FILE_SCOPE} ${PHOTOS_APPENDONLY_SCOPE}`,
      token_type: "Bearer",
    });

    g.emulator.revokeRefreshTokens();
    g.emulator.expireAccessTokens();
    // A client that knows no expiry refreshes on the 401, and the refresh is refused.
    const stale = driveClient(
      g.emulator,
      g.auth({ access_token: accessToken, refresh_token: refreshToken }),
    );
    const dead = await failure(stale.about.get({ fields: "user" }));
    expect(dead.status).toBe(400);
    expect(dead.data).toEqual({
      error: "invalid_grant",
      error_description: "Token has been expired or revoked.",
    });
  });

  it("revoke ends an access token and its refresh token", async () => {
    const { accessToken, refreshToken } = g.emulator.issueAccessToken();
    const auth = g.auth({ access_token: accessToken });
    const revoked = await auth.revokeToken(accessToken);
    expect(revoked.status).toBe(200);
    const rejected = await failure(driveClient(g.emulator, auth).about.get({ fields: "user" }));
    expect(rejected.status).toBe(401);
    const refresh = await failure(
      g.auth({ refresh_token: refreshToken, access_token: "x", expiry_date: 1 }).getAccessToken(),
    );
    expect(refresh.data).toMatchObject({ error: "invalid_grant" });
    const form = await fetch(`${g.emulator.url}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "token=unknown",
    });
    expect(form.status).toBe(400);
  });
});

describe("OAuth for TVs and limited-input devices", () => {
  // The emulator's clock, moved on by the test: polls "after the interval" without waiting.
  let clock = Date.parse("2026-12-01T10:00:00Z");
  const g = useEmulator({
    clients: [DEFAULT_CLIENT, DEFAULT_DEVICE_CLIENT],
    now: () => new Date(clock),
  });
  const TV = DEFAULT_DEVICE_CLIENT;

  async function post(path: string, form: Record<string, string>) {
    const response = await fetch(`${g.emulator.url}${path}`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  interface Started {
    device_code: string;
    user_code: string;
    verification_url: string;
    expires_in: number;
    interval: number;
  }

  async function start(scope = DRIVE_FILE_SCOPE): Promise<Started> {
    const { status, body } = await post("/device/code", { client_id: TV.clientId, scope });
    expect(status).toBe(200);
    return body as unknown as Started;
  }

  const poll = (deviceCode: string, client: { clientId: string; clientSecret: string } = TV) =>
    post("/token", {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      device_code: deviceCode,
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
    });

  /** Polls after the interval (plus what slow_down added), as a device that honours it does. */
  function politePoll(started: Started, extraSeconds = 0) {
    clock += (started.interval + extraSeconds) * 1000;
    return poll(started.device_code);
  }

  it("hands out a device code, a user code and the page, only to TV clients and allowed scopes", async () => {
    const started = await start(`${DRIVE_FILE_SCOPE} email`);
    expect(started).toMatchObject({ expires_in: 1800, interval: 5 });
    expect(started.user_code).toMatch(/^[B-Z]{4}-[B-Z]{4}$/);
    expect(started.verification_url).toBe(`${g.emulator.url}/device`);

    const desktop = await post("/device/code", {
      client_id: DEFAULT_CLIENT.clientId,
      scope: DRIVE_FILE_SCOPE,
    });
    expect(desktop.status).toBe(401);
    expect(desktop.body).toMatchObject({ error: "invalid_client" });
    expect(desktop.body.error_description).toMatch(/Only clients of type 'TVs and Limited Input/);
    const photos = await post("/device/code", {
      client_id: TV.clientId,
      scope: PHOTOS_APPENDONLY_SCOPE,
    });
    expect(photos).toEqual({
      status: 400,
      body: {
        error: "invalid_scope",
        error_description: `Invalid device flow scope: ${PHOTOS_APPENDONLY_SCOPE}`,
      },
    });
    const unknown = await post("/device/code", { client_id: "nobody", scope: DRIVE_FILE_SCOPE });
    expect(unknown.status).toBe(401);
  });

  it("pending until the person allows on the page, then tokens that work on Drive, once", async () => {
    const started = await start();
    expect(await politePoll(started)).toEqual({
      status: 428,
      body: { error: "authorization_pending", error_description: "Precondition Required" },
    });
    const page = await playDeviceVerification(
      started.verification_url,
      started.user_code.toLowerCase().replace("-", ""),
      "allow",
    );
    expect(page).toContain("Success!");
    const granted = await politePoll(started);
    expect(granted.status).toBe(200);
    expect(granted.body).toMatchObject({ token_type: "Bearer", scope: DRIVE_FILE_SCOPE });
    const auth = oauthClient(g.emulator, TV, {
      access_token: granted.body.access_token as string,
      refresh_token: granted.body.refresh_token as string,
    });
    const about = await driveClient(g.emulator, auth).about.get({ fields: "user(emailAddress)" });
    expect(about.data.user?.emailAddress).toBe("emma.ulator@example.com");
    expect((await politePoll(started)).body).toMatchObject({ error: "invalid_grant" });
  });

  it("slow_down for a poll sooner than the interval, or when asked, and the interval grows by 5 s", async () => {
    const started = await start();
    await politePoll(started);
    expect(await poll(started.device_code)).toEqual({
      status: 403,
      body: { error: "slow_down", error_description: "Forbidden" },
    });
    // The interval is now 10 s: after 5 s it is still too soon (and grows to 15 s); after
    // 15 s the poll is in time and pending.
    expect((await politePoll(started)).body).toMatchObject({ error: "slow_down" });
    expect((await politePoll(started, 10)).body).toMatchObject({ error: "authorization_pending" });

    const other = await start();
    g.emulator.slowDownDevicePolls(1);
    expect((await politePoll(other)).body).toMatchObject({ error: "slow_down" });
  });

  it("access_denied after Cancel; expired_token after 30 minutes; a wrong code on the page", async () => {
    const denied = await start();
    const page = await playDeviceVerification(denied.verification_url, denied.user_code, "deny");
    expect(page).toContain("You denied access");
    expect(await politePoll(denied)).toEqual({
      status: 403,
      body: { error: "access_denied", error_description: "Forbidden" },
    });

    const late = await start();
    g.emulator.expireDeviceCodes();
    expect(await politePoll(late)).toEqual({
      status: 400,
      body: { error: "expired_token", error_description: "Bad Request" },
    });
    await expect(
      playDeviceVerification(late.verification_url, late.user_code, "allow"),
    ).rejects.toThrow(/Invalid code/);
    const wrongClient = await poll(late.device_code, DEFAULT_CLIENT);
    expect(wrongClient.body).toMatchObject({ error: "invalid_grant" });
  });
});

describe("authentication and scopes on API calls", () => {
  const g = useEmulator();

  it("no token, a bad token, and a token without a Drive scope", async () => {
    const none = await fetch(`${g.emulator.url}/drive/v3/files`);
    expect(none.status).toBe(401);
    expect(
      ((await none.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason,
    ).toBe("required");
    const bad = await failure(
      driveClient(g.emulator, g.auth({ access_token: "nope" })).files.list(),
    );
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toBe(
      'Bearer realm="https://accounts.google.com/", error="invalid_token"',
    );
    expect(bad.data).toEqual({
      error: {
        code: 401,
        message:
          "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        errors: [
          {
            message: "Invalid Credentials",
            domain: "global",
            reason: "authError",
            location: "Authorization",
            locationType: "header",
          },
        ],
        status: "UNAUTHENTICATED",
      },
    });
    const photosOnly = await failure(
      driveClient(g.emulator, g.auth({ access_token: PHOTOS_ONLY })).files.list(),
    );
    expect(photosOnly.status).toBe(403);
    expect(photosOnly.data).toMatchObject({
      error: {
        code: 403,
        message: "Request had insufficient authentication scopes.",
        errors: [{ reason: "insufficientPermissions", message: "Insufficient Permission" }],
        status: "PERMISSION_DENIED",
        details: [{ reason: "ACCESS_TOKEN_SCOPE_INSUFFICIENT" }],
      },
    });
    expect(photosOnly.headers.get("www-authenticate")).toMatch(/error="insufficient_scope"/);

    g.emulator.expireAccessTokens();
    expect((await g.api.files.list()).status).toBe(200);
    g.emulator.expireAccessTokens({ includeStatic: true });
    expect((await failure(g.api.files.list())).status).toBe(401);
  });
});

describe("faults", () => {
  const g = useEmulator();

  it("403 userRateLimitExceeded in Google's shape, with Retry-After", async () => {
    g.emulator.inject({
      kind: "status",
      status: 403,
      reason: "userRateLimitExceeded",
      retryAfterSeconds: 7,
      route: /\/permissions$/,
    });
    const file = (await g.api.files.create({ requestBody: { name: "r.jpg" } })).data.id as string;
    const limited = await failure(
      g.api.permissions.create({ fileId: file, requestBody: { type: "anyone", role: "reader" } }),
    );
    expect(limited.status).toBe(403);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.data).toMatchObject({
      error: {
        code: 403,
        message: expect.stringMatching(/^User Rate Limit Exceeded/),
        errors: [
          {
            domain: "usageLimits",
            reason: "userRateLimitExceeded",
            message: expect.stringMatching(/^User Rate Limit Exceeded/),
          },
        ],
      },
    });
    const retried = await g.api.permissions.create({
      fileId: file,
      requestBody: { type: "anyone", role: "reader" },
    });
    expect(retried.status).toBe(200);
  });

  it("429 RESOURCE_EXHAUSTED and 500 backendError; a method filter spares other methods", async () => {
    g.emulator.inject({ kind: "status", status: 429, times: 1 });
    const busy = await failure(g.api.files.list());
    expect(busy.status).toBe(429);
    expect(busy.data).toMatchObject({
      error: {
        code: 429,
        errors: [{ domain: "usageLimits", reason: "rateLimitExceeded" }],
        status: "RESOURCE_EXHAUSTED",
      },
    });
    g.emulator.inject({ kind: "status", status: 500, route: "/drive/v3/files", method: "POST" });
    expect((await g.api.files.list()).status).toBe(200);
    const broken = await failure(g.api.files.create({ requestBody: { name: "x" } }));
    expect(broken.status).toBe(500);
    expect(broken.data).toMatchObject({
      error: { code: 500, message: "Backend Error", errors: [{ reason: "backendError" }] },
    });
    g.emulator.inject({ kind: "latency", ms: 150 });
    const started = Date.now();
    await g.api.files.list();
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    g.emulator.inject({ kind: "status", status: 503, times: 5 });
    g.emulator.clearFaults();
    expect((await g.api.files.list()).status).toBe(200);
  });
});

describe("bandwidth", () => {
  const g = useEmulator();

  it("paces request bodies like a slow uplink", async () => {
    g.emulator.bandwidthBytesPerSecond = 200 * KiB;
    const started = Date.now();
    await g.api.files.create(
      { requestBody: { name: "slow.bin" }, media: { body: Readable.from([bytes(100 * KiB)]) } },
      g.upload,
    );
    g.emulator.bandwidthBytesPerSecond = 0;
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
  });
});

describe("Photos Library", () => {
  const g = useEmulator();

  const upload = (auth: OAuth2Client, body: Buffer, name = "a.jpg") =>
    auth.request<string>({
      url: `${g.emulator.url}/v1/uploads`,
      method: "POST",
      headers: {
        "Content-Type": "application/octet-stream",
        "X-Goog-Upload-Content-Type": "image/jpeg",
        "X-Goog-Upload-Protocol": "raw",
        "X-Goog-Upload-File-Name": name,
      },
      data: body,
      responseType: "text",
    });

  const post = <T>(auth: OAuth2Client, path: string, body: unknown) =>
    auth.request<T>({
      url: `${g.emulator.url}${path}`,
      method: "POST",
      headers: { "Content-Type": "application/json" },
      data: JSON.stringify(body),
    });

  interface BatchResult {
    newMediaItemResults: {
      uploadToken: string;
      status: { code?: number; message: string };
      mediaItem?: Record<string, unknown>;
    }[];
  }

  it("upload bytes, create an album, batchCreate into it; only readers of app data may get it", async () => {
    const auth = g.auth({ access_token: PHOTOS_ONLY });
    const photo = jpeg(64, 48, 100);
    const { data: token } = await upload(auth, photo, "beach.jpg");
    expect(token).toMatch(/^\S{100,}$/);
    const { data: album } = await post<{ id: string }>(auth, "/v1/albums", {
      album: { title: "Trip" },
    });
    expect(album).toEqual({
      id: expect.any(String),
      title: "Trip",
      productUrl: `https://photos.google.com/lr/album/${album.id}`,
      isWriteable: true,
    });
    const { data, status } = await post<BatchResult>(auth, "/v1/mediaItems:batchCreate", {
      albumId: album.id,
      newMediaItems: [
        { description: "sea", simpleMediaItem: { uploadToken: token, fileName: "beach.jpg" } },
      ],
    });
    expect(status).toBe(200);
    const [result] = data.newMediaItemResults;
    expect(result).toEqual({
      uploadToken: token,
      status: { message: "Success" },
      mediaItem: {
        id: expect.any(String),
        description: "sea",
        productUrl: `https://photos.google.com/lr/photo/${result?.mediaItem?.id}`,
        mimeType: "image/jpeg",
        mediaMetadata: {
          creationTime: expect.stringMatching(TIME),
          width: "64",
          height: "48",
          photo: {},
        },
        filename: "beach.jpg",
      },
    });
    expect(g.emulator.photosAlbums()).toEqual([
      {
        id: album.id,
        title: "Trip",
        productUrl: album.id && expect.any(String),
        mediaItemIds: [result?.mediaItem?.id],
      },
    ]);
    expect(g.emulator.photosMediaItems()[0]?.bytes.equals(photo)).toBe(true);
    expect(g.emulator.photosMediaItems()[0]?.albumIds).toEqual([album.id]);

    const appendOnly = await failure(
      auth.request({ url: `${g.emulator.url}/v1/albums/${album.id}` }),
    );
    expect(appendOnly.status).toBe(403);
    expect(appendOnly.data).toEqual({
      error: {
        code: 403,
        message: "Request had insufficient authentication scopes.",
        status: "PERMISSION_DENIED",
      },
    });
    const reader = g.auth({ access_token: PHOTOS_READ });
    const got = await reader.request<{ mediaItemsCount: string }>({
      url: `${g.emulator.url}/v1/albums/${album.id}`,
    });
    expect(got.data).toMatchObject({ id: album.id, title: "Trip", mediaItemsCount: "1" });
    const log = g.emulator.requests.find((request) => request.path === "/v1/uploads");
    expect(log?.headers).toMatchObject({
      "x-goog-upload-protocol": "raw",
      "x-goog-upload-file-name": "beach.jpg",
      "x-goog-upload-content-type": "image/jpeg",
    });
  });

  it("batchCreate: at most 50 items; a bad, used or non-image upload fails only its item", async () => {
    const auth = g.auth({ access_token: PHOTOS_ONLY });
    const tooMany = await failure(
      post(auth, "/v1/mediaItems:batchCreate", {
        newMediaItems: Array.from({ length: 51 }, () => ({
          simpleMediaItem: { uploadToken: "t" },
        })),
      }),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.data).toEqual({
      error: {
        code: 400,
        message: "Request must have less than 50 items.",
        status: "INVALID_ARGUMENT",
      },
    });
    const good = (await upload(auth, jpeg(8, 8))).data;
    const text = (await upload(auth, Buffer.from("not a picture"))).data;
    const { data } = await post<BatchResult>(auth, "/v1/mediaItems:batchCreate", {
      newMediaItems: [good, "made-up-token", text, good].map((uploadToken) => ({
        simpleMediaItem: { uploadToken, fileName: "x.jpg" },
      })),
    });
    expect(data.newMediaItemResults.map((result) => result.status)).toEqual([
      { message: "Success" },
      { code: 3, message: expect.stringMatching(/error while trying to create this media item/) },
      { code: 3, message: expect.stringMatching(/^BAD_IMAGE: /) },
      { code: 3, message: expect.stringMatching(/error while trying to create this media item/) },
    ]);
    const unknown = await failure(
      post(auth, "/v1/albums", { album: { title: "x", color: "red" } }),
    );
    expect(unknown.status).toBe(400);
  });

  it("uploads bytes with Google's resumable protocol too", async () => {
    const photo = jpeg(10, 20, 300 * KiB);
    const start = await fetch(`${g.emulator.url}/v1/uploads`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${PHOTOS_ONLY}`,
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Content-Type": "image/jpeg",
        "X-Goog-Upload-Raw-Size": String(photo.length),
      },
    });
    expect(start.status).toBe(200);
    expect(start.headers.get("x-goog-upload-chunk-granularity")).toBe(String(256 * KiB));
    const uploadUrl = start.headers.get("x-goog-upload-url") as string;
    const send = (command: string, offset: number, body?: Buffer) =>
      fetch(uploadUrl, {
        method: "POST",
        headers: { "X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": String(offset) },
        body,
      });
    expect((await send("upload", 0, photo.subarray(0, 256 * KiB))).status).toBe(200);
    const query = await send("query", 0);
    expect(query.headers.get("x-goog-upload-size-received")).toBe(String(256 * KiB));
    const final = await send("upload, finalize", 256 * KiB, photo.subarray(256 * KiB));
    expect(final.headers.get("x-goog-upload-status")).toBe("final");
    const token = await final.text();
    const auth = g.auth({ access_token: PHOTOS_ONLY });
    const { data } = await post<BatchResult>(auth, "/v1/mediaItems:batchCreate", {
      newMediaItems: [{ simpleMediaItem: { uploadToken: token, fileName: "tall.jpg" } }],
    });
    expect(data.newMediaItemResults[0]?.mediaItem).toMatchObject({
      filename: "tall.jpg",
      mediaMetadata: { width: "10", height: "20" },
    });
  });

  it("sharing is gone: albums.share and sharedAlbums answer 403 PERMISSION_DENIED", async () => {
    const auth = g.auth({ access_token: PHOTOS_ONLY });
    const { data: album } = await post<{ id: string }>(auth, "/v1/albums", {
      album: { title: "S" },
    });
    const share = await failure(
      post(auth, `/v1/albums/${album.id}:share`, { sharedAlbumOptions: {} }),
    );
    expect(share.status).toBe(403);
    expect(share.data).toEqual({
      error: {
        code: 403,
        message: "Request had insufficient authentication scopes.",
        status: "PERMISSION_DENIED",
      },
    });
    expect((await failure(auth.request({ url: `${g.emulator.url}/v1/sharedAlbums` }))).status).toBe(
      403,
    );
    const noAuth = await fetch(`${g.emulator.url}/v1/albums`, { method: "POST", body: "{}" });
    expect(noAuth.status).toBe(401);
    expect(((await noAuth.json()) as { error: { status: string } }).error.status).toBe(
      "UNAUTHENTICATED",
    );
  });
});

describe("command line", () => {
  it("prints its URL, serves, and stops on SIGTERM", async () => {
    const { firstLine: line, stop } = await runEmulatorCommand("google", [
      "--port",
      "0",
      "--token",
      "cli-token",
    ]);
    const match = /^Google emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(line);
    expect(match).not.toBeNull();
    const response = await fetch(`${match?.[1]}/drive/v3/about?fields=user(emailAddress)`, {
      headers: { Authorization: "Bearer cli-token" },
    });
    expect(response.status).toBe(200);
    expect(await stop()).not.toBeNull();
  });
});
