import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  DEFAULT_CLIENT_ID,
  type DropboxEmulator,
  startDropboxEmulator,
} from "../emulators/dropbox.ts";
import { DEFAULT_CLIENT, type GoogleEmulator, startGoogleEmulator } from "../emulators/google.ts";
import { runCli, tempDir, writeFiles } from "../helpers/cli.ts";
import { type HostileServer, startHostileProxy } from "../helpers/hostile-proxy.ts";
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
  runCli(args, {
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
