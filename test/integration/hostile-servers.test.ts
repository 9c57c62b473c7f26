import { mkdir, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_CLIENT_ID,
  type DropboxEmulator,
  startDropboxEmulator,
} from "../emulators/dropbox.ts";
import { DEFAULT_CLIENT, type GoogleEmulator, startGoogleEmulator } from "../emulators/google.ts";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import {
  type HostileServer,
  rewriteJson,
  startHostileProxy,
  startRecordingServer,
} from "../helpers/hostile-proxy.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { jpegBytes } from "../helpers/media.ts";

// Servers that answer what they should not, through a proxy in front of the emulators: what
// they say is checked before it is trusted, no credential reaches the screen, and none goes
// to a host that is not the provider's own.

let dropbox: DropboxEmulator;
let google: GoogleEmulator;
let dropboxProxy: HostileServer;
let googleProxy: HostileServer;
let dir = "";

beforeAll(async () => {
  dropbox = await startDropboxEmulator();
  google = await startGoogleEmulator();
  dropboxProxy = await startHostileProxy(dropbox.url);
  googleProxy = await startHostileProxy(google.url);
});
afterAll(async () => {
  await Promise.all([dropboxProxy.close(), googleProxy.close()]);
  await Promise.all([dropbox.close(), google.close()]);
});
beforeEach(async () => {
  const work = await tempDir();
  dir = work.dir;
  dropboxProxy.clear();
  googleProxy.clear();
  return () => work.cleanup();
});

const configDir = () => path.join(dir, "config");

const dmshare = (args: string[], env: Record<string, string | undefined> = {}) =>
  runInProcess(args, {
    cwd: dir,
    env: {
      DMSHARE_CONFIG_DIR: configDir(),
      DMSHARE_DROPBOX_API_URL: dropboxProxy.url,
      DMSHARE_GOOGLE_API_URL: googleProxy.url,
      DMSHARE_CREDENTIAL_STORE: "file",
      ...env,
    },
  });

async function storeCredentials(credentials: Record<string, unknown>) {
  await mkdir(configDir(), { recursive: true });
  await writeFile(path.join(configDir(), "credentials.json"), JSON.stringify(credentials), {
    mode: 0o600,
  });
}

const sendArgs = (via: string) => ["send", "a.jpg", "--via", via, "--no-copy"];

describe("no stored credential is ever printed", () => {
  it("a stored Dropbox token with a line break in it: a login error, not the token", async () => {
    const { accessToken, refreshToken } = dropbox.issueAccessToken();
    const broken = `${accessToken.slice(0, 10)}\n${accessToken.slice(10)}`;
    await storeCredentials({
      dropbox: { accessToken: broken, refreshToken, clientId: DEFAULT_CLIENT_ID },
    });
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    const { code, stdout, stderr } = await dmshare([...sendArgs("dropbox"), "--verbose"]);
    expect(code).toBe(3);
    expect(stderr).toContain("dmshare login dropbox");
    for (const part of [broken, accessToken.slice(10), refreshToken]) {
      expect(stdout + stderr).not.toContain(part);
    }
  });

  it("a Drive error that echoes the stored access token", async () => {
    const { accessToken, refreshToken } = google.issueAccessToken();
    await storeCredentials({ gdrive: { accessToken, refreshToken, ...DEFAULT_CLIENT } });
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    googleProxy.tamper({
      route: "/drive/v3/files",
      rewrite: (_upstream, request) => ({
        status: 400,
        headers: { "content-type": "application/json" },
        body: Buffer.from(
          JSON.stringify({
            error: {
              code: 400,
              message: `Invalid credential ${String(request.headers.authorization).replace(/^Bearer /, "")}`,
              errors: [{ reason: "badRequest" }],
            },
          }),
        ),
      }),
    });
    const { code, stdout, stderr } = await dmshare(sendArgs("gdrive"));
    expect(code).toBe(4);
    expect(stderr).toContain("Invalid credential [redacted]");
    expect(stdout + stderr).not.toContain(accessToken);
  });

  it("a token endpoint error that echoes the refresh request (refresh_token=…&client_secret=…)", async () => {
    const { accessToken, refreshToken } = google.issueAccessToken();
    await storeCredentials({ gdrive: { accessToken, refreshToken, ...DEFAULT_CLIENT } });
    google.expireAccessTokens();
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    googleProxy.tamper({
      route: "/token",
      rewrite: (_upstream, request) => ({
        status: 400,
        headers: { "content-type": "application/json" },
        body: Buffer.from(
          JSON.stringify({
            error: "server_error",
            error_description: `could not handle ${request.body.toString("utf8")}`,
          }),
        ),
      }),
    });
    const { code, stdout, stderr } = await dmshare(sendArgs("gdrive"));
    expect(code).toBe(4);
    expect(stderr).toContain("could not handle");
    for (const secret of [
      refreshToken,
      encodeURIComponent(refreshToken),
      DEFAULT_CLIENT.clientSecret,
    ]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  });
});

describe("credentials go only to the provider's own hosts", () => {
  let elsewhere: HostileServer;
  beforeAll(async () => {
    elsewhere = await startRecordingServer();
  });
  afterAll(() => elsewhere.close());

  it("a 307 from the token endpoint to another host: refused, the refresh token is not posted there", async () => {
    const { accessToken, refreshToken } = dropbox.issueAccessToken();
    await storeCredentials({ dropbox: { accessToken, refreshToken, clientId: DEFAULT_CLIENT_ID } });
    dropbox.expireAccessTokens();
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    const before = elsewhere.requests.length;
    dropboxProxy.tamper({
      route: "/oauth2/token",
      respond: (_request, response) => {
        response.writeHead(307, { location: `${elsewhere.url}/oauth2/token` });
        response.end();
      },
    });
    const { code, stderr } = await dmshare(sendArgs("dropbox"));
    expect(elsewhere.requests.slice(before)).toEqual([]);
    expect(code).toBe(4);
    expect(stderr).toContain("no credential went there");
  });

  it("a 307 from the token endpoint during a device login: refused, the client secret is not posted there", async () => {
    google.registerClient("hostile-tv.apps.googleusercontent.com", "hostile-tv-secret", "tv");
    const before = elsewhere.requests.length;
    googleProxy.tamper({
      route: "/token",
      respond: (_request, response) => {
        response.writeHead(307, { location: `${elsewhere.url}/token` });
        response.end();
      },
    });
    const { code, stderr } = await dmshare([
      "login",
      "gdrive",
      "--device",
      "--client-id",
      "hostile-tv.apps.googleusercontent.com",
      "--client-secret",
      "hostile-tv-secret",
    ]);
    expect(elsewhere.requests.slice(before)).toEqual([]);
    expect(code).toBe(4);
    expect(stderr).toContain("no credential went there");
    expect(stderr).not.toContain("hostile-tv-secret");
  });

  it("a Drive resumable upload URL on another host: refused, the bearer token is not sent there", async () => {
    const { accessToken, refreshToken } = google.issueAccessToken();
    await storeCredentials({ gdrive: { accessToken, refreshToken, ...DEFAULT_CLIENT } });
    const file = path.join(dir, "a.jpg");
    await writeFile(file, jpegBytes(4096));
    await truncate(file, 6 * 1024 * 1024);
    const before = elsewhere.requests.length;
    googleProxy.tamper({
      route: "/upload/drive/v3/files",
      rewrite: (upstream) =>
        upstream.headers.location
          ? {
              ...upstream,
              headers: {
                ...upstream.headers,
                location: upstream.headers.location.replace(googleProxy.url, elsewhere.url),
              },
            }
          : upstream,
    });
    const { code, stderr } = await dmshare([...sendArgs("gdrive"), "--keep-metadata"]);
    expect(elsewhere.requests.slice(before)).toEqual([]);
    expect(code).toBe(4);
    expect(stderr).toContain("no credential went there");
  });
});

describe("every call has bounds", () => {
  // A token of its own: other tests expire the emulator's tokens.
  const env = () => ({
    DMSHARE_DROPBOX_TOKEN: dropbox.issueAccessToken().accessToken,
    DMSHARE_STALL_TIMEOUT: "1",
    DMSHARE_CALL_TIMEOUT: "2",
  });
  const LINK_ROUTE = "/2/sharing/create_shared_link_with_settings";
  const linkRequests = () => dropboxProxy.requests.filter((request) => request.path === LINK_ROUTE);

  it("a link request that never answers is given up after the stall timeout and retried", async () => {
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    const before = linkRequests().length;
    dropboxProxy.tamper({ route: LINK_ROUTE, times: 1, respond: () => {} });
    const { code, stdout, stderr } = await dmshare([...sendArgs("dropbox"), "--quiet"], env());
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\//);
    expect(linkRequests().length - before).toBe(2);
  });

  it("a server dripping a byte at a time is given up after the call's total bound and retried", async () => {
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    const before = linkRequests().length;
    dropboxProxy.tamper({
      route: LINK_ROUTE,
      times: 1,
      respond: (_request, response) => {
        response.writeHead(200, { "content-type": "application/json" });
        const drip = setInterval(() => response.write(" "), 300);
        response.on("close", () => clearInterval(drip));
      },
    });
    const { code, stdout, stderr } = await dmshare([...sendArgs("dropbox"), "--quiet"], env());
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\//);
    expect(linkRequests().length - before).toBe(2);
  });

  it("a 100 MB error body is not read: exit 4 after 1 MiB", async () => {
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    let sent = 0;
    dropboxProxy.tamper({
      route: LINK_ROUTE,
      respond: (_request, response) => {
        response.writeHead(500, {
          "content-type": "text/plain",
          "content-length": 100 * 1024 * 1024,
        });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const pump = () => {
          while (sent < 100 * 1024 * 1024 && !response.destroyed) {
            sent += chunk.length;
            if (!response.write(chunk)) return void response.once("drain", pump);
          }
          response.end();
        };
        pump();
      },
    });
    const { code, stderr } = await dmshare(sendArgs("dropbox"), env());
    expect(code).toBe(4);
    expect(stderr).toContain("more than 1 MiB");
    expect(sent).toBeLessThan(20 * 1024 * 1024);
  });
});

describe("Retry-After", () => {
  it("longer than 5 minutes: exit 4 at once, saying when to try again", async () => {
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    dropbox.inject({
      route: "/2/files/upload",
      kind: "status",
      status: 429,
      reason: "too_many_write_operations",
      retryAfterSeconds: 3600,
    });
    const { code, stdout, stderr } = await dmshare(sendArgs("dropbox"), {
      DMSHARE_DROPBOX_TOKEN: dropbox.issueAccessToken().accessToken,
    });
    dropbox.clearFaults();
    expect(code).toBe(4);
    expect(stdout).toBe("");
    expect(stderr).toContain("wait 60 min");
    expect(stderr).toMatch(/Try again after \d\d:\d\d/);
  });
});

describe("what servers say is printed without control characters", () => {
  it("an error summary with ESC sequences and a line break", async () => {
    await writeFiles(dir, { "a.jpg": jpegBytes() });
    const hostile = "path/\u001b]0;owned\u0007\u001b[2J\rnot_found/";
    dropboxProxy.tamper({
      route: "/2/sharing/create_shared_link_with_settings",
      times: 1,
      respond: (_request, response) => {
        response.writeHead(409, { "content-type": "application/json" });
        response.end(JSON.stringify({ error_summary: hostile, error: { ".tag": "path" } }));
      },
    });
    const { code, stderr } = await dmshare(sendArgs("dropbox"), {
      DMSHARE_DROPBOX_TOKEN: dropbox.issueAccessToken().accessToken,
    });
    expect(code).toBe(4);
    expect(stderr).toContain("not_found");
    for (const control of [7, 13, 27]) {
      expect(stderr).not.toContain(String.fromCharCode(control));
    }
  });
});

describe("a Drive link is checked before it is trusted", () => {
  it("webViewLink javascript:…: exit 4, the file is deleted (and with it its link), nothing recorded", async () => {
    await writeFiles(dir, { "trap.jpg": jpegBytes() });
    googleProxy.tamper({
      route: "/upload/drive/v3/files",
      rewrite: rewriteJson((body) => ({ ...body, webViewLink: "javascript:alert(1)" })),
    });
    const { code, stdout, stderr } = await dmshare(
      ["send", "trap.jpg", "--via", "gdrive", "--no-copy"],
      { DMSHARE_GDRIVE_TOKEN: google.issueAccessToken().accessToken },
    );
    expect(code).toBe(4);
    expect(stdout).toBe("");
    expect(stderr).toContain("does not trust it");
    expect(stderr).not.toContain("javascript:");
    expect(google.driveFiles().filter((file) => file.name === "trap.jpg" && !file.trashed)).toEqual(
      [],
    );
    const listed = await dmshare(["list", "--all", "--json"]);
    expect(JSON.parse(listed.stdout)).toEqual([]);
  });
});

describe("an entry is marked revoked only when the provider confirms it", () => {
  it("a Drive entry whose file can't be told from its URL: exit 4, still active, not 'already revoked'", async () => {
    await mkdir(configDir(), { recursive: true });
    const entry = {
      id: "k3x9m2qa",
      provider: "gdrive",
      kind: "photo",
      name: "old.jpg",
      url: "https://drive.google.com/somewhere-else",
      message: null,
      target: null,
      files: [],
      createdAt: "2026-11-01T10:00:00.000Z",
      expiresAt: null,
      revokedAt: null,
      status: "active",
    };
    await writeFile(
      path.join(configDir(), "ledger.json"),
      JSON.stringify({ version: 1, entries: [entry] }),
      { mode: 0o600 },
    );
    const env = { DMSHARE_GDRIVE_TOKEN: google.issueAccessToken().accessToken };
    const { code, stderr } = await dmshare(["revoke", entry.id], env);
    expect(code).toBe(4);
    expect(stderr).toContain("can't tell which Google Drive file");
    const listed = await dmshare(["list", "--all", "--json"], env);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ status: "active" })]);
  });
});
