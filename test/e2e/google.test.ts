import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { playBrowserConsent } from "../emulators/browser.ts";
import { DEFAULT_CLIENT } from "../emulators/google.ts";
import { collect, spawnCli, writeFiles } from "../helpers/cli.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const TOKEN = "e2e-google-token";
// Logging in to Google through the built binary: the loopback redirect, the browser, the
// stored refresh token. What send, list and revoke print for Drive and Photos runs in-process:
// test/integration/google.test.ts.
const bed = useGoogleTestbed({ token: TOKEN });

describe("dmshare login gdrive / gphotos", () => {
  const loginEnv = () =>
    bed.env({ DMSHARE_GDRIVE_TOKEN: undefined, DMSHARE_GPHOTOS_TOKEN: undefined });

  async function clientFile(contents: object) {
    const file = path.join(bed.dir, "client_secret.json");
    await writeFile(file, JSON.stringify(contents));
    return file;
  }

  async function startLogin(provider: string, args: string[]) {
    const child = spawnCli(["login", provider, "--no-browser", ...args], {
      env: loginEnv(),
      cwd: bed.dir,
    });
    const done = collect(child, 30_000);
    const url = await new Promise<string>((resolve, reject) => {
      let seen = "";
      child.stderr?.on("data", (chunk: string) => {
        seen += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/.exec(seen);
        if (match?.[1]) resolve(match[1]);
      });
      child.once("close", () => reject(new Error(`login exited before printing a URL:\n${seen}`)));
    });
    return { url, done };
  }

  const installed = {
    installed: {
      client_id: DEFAULT_CLIENT.clientId,
      client_secret: DEFAULT_CLIENT.clientSecret,
      redirect_uris: ["http://localhost"],
    },
  };

  it("logs in with the client_secret.json, stores a refresh token, sends, and refreshes", async () => {
    const file = await clientFile(installed);
    const { url, done } = await startLogin("gdrive", ["--credentials", file]);
    const params = Object.fromEntries(new URL(url).searchParams);
    expect(params).toMatchObject({
      client_id: DEFAULT_CLIENT.clientId,
      response_type: "code",
      access_type: "offline",
      scope: "https://www.googleapis.com/auth/drive.file",
      code_challenge_method: "S256",
    });
    expect(params.redirect_uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { location } = await playBrowserConsent(url, "allow");
    await fetch(location as string);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to Google Drive as /);
    const stored = JSON.parse(await readFile(path.join(bed.configDir, "credentials.json"), "utf8"))
      .gdrive as { accessToken: string; refreshToken: string; clientSecret: string };
    expect(stored.refreshToken).toBeTruthy();
    expect(stderr).not.toContain(stored.accessToken);
    expect(stderr).not.toContain(stored.refreshToken);

    bed.emulator.expireAccessTokens();
    await writeFiles(bed.dir, { "after.jpg": jpegBytes() });
    const sent = await bed.dmshare(
      ["send", "after.jpg", "--via", "gdrive", "--no-copy", "--quiet"],
      {
        env: { DMSHARE_GDRIVE_TOKEN: undefined },
      },
    );
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/drive\.google\.com/);
    const refreshed = JSON.parse(
      await readFile(path.join(bed.configDir, "credentials.json"), "utf8"),
    ).gdrive as { accessToken: string };
    expect(refreshed.accessToken).not.toBe(stored.accessToken);

    bed.emulator.revokeRefreshTokens();
    bed.emulator.expireAccessTokens();
    const rejected = await bed.dmshare(["send", "after.jpg", "--via", "gdrive", "--new-link"], {
      env: { DMSHARE_GDRIVE_TOKEN: undefined },
    });
    expect(rejected.code).toBe(3);
    expect(rejected.stderr).toMatch(/dmshare login gdrive/);
  });

  it("a wrong state or a stray request gets an error page; the login waits for the real redirect", async () => {
    const before = bed.emulator.requests.length;
    const { url, done } = await startLogin("gdrive", [
      "--client-id",
      DEFAULT_CLIENT.clientId,
      "--client-secret",
      DEFAULT_CLIENT.clientSecret,
    ]);
    const { location } = await playBrowserConsent(url, "allow");
    const forged = new URL(location as string);
    forged.searchParams.set("state", "forged");
    const page = await fetch(forged);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain("This login link is not the one dmshare started.");
    const probe = await fetch(new URL("/", forged), { method: "HEAD" });
    expect(probe.status).toBe(404);
    const favicon = await fetch(new URL("/favicon.ico", forged));
    expect(favicon.status).toBe(404);
    await favicon.arrayBuffer();
    expect((await fetch(location as string)).status).toBe(200);
    const { code, stderr } = await done;
    expect(stderr).not.toContain("wrong state");
    expect(code).toBe(0);
    expect(bed.emulator.requests.slice(before).filter((r) => r.path === "/token")).toHaveLength(1);
  });

  it("logs in to Google Photos with the append-only scope from flags", async () => {
    const { url, done } = await startLogin("gphotos", [
      "--client-id",
      DEFAULT_CLIENT.clientId,
      "--client-secret",
      DEFAULT_CLIENT.clientSecret,
    ]);
    expect(new URL(url).searchParams.get("scope")).toBe(
      "https://www.googleapis.com/auth/photoslibrary.appendonly",
    );
    const { location } = await playBrowserConsent(url, "allow");
    await fetch(location as string);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to Google Photos/);
  });

  it("a denied consent exits 3 and stores nothing", async () => {
    const { url, done } = await startLogin("gdrive", [
      "--credentials",
      await clientFile(installed),
    ]);
    const { location } = await playBrowserConsent(url, "deny");
    await fetch(location as string);
    const { code, stderr } = await done;
    expect(code).toBe(3);
    expect(stderr).toMatch(/press Allow/);
  });

  it("explains what is missing: no client, a Web client, the paste-code flow", async () => {
    const none = await bed.dmshare(["login", "gdrive", "--no-browser"], { env: loginEnv() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Desktop app OAuth client/);
    const web = await bed.dmshare(
      ["login", "gdrive", "--credentials", await clientFile({ web: { client_id: "x" } })],
      { env: loginEnv() },
    );
    expect(web.code).toBe(2);
    expect(web.stderr).toMatch(/"Web application" OAuth client/);
    const paste = await bed.dmshare(["login", "gdrive", "--no-redirect"], { env: loginEnv() });
    expect(paste.code).toBe(2);
    expect(paste.stderr).toMatch(/no paste-the-code login/);
  });

  it("status names each Google account and where its credentials come from", async () => {
    const { code, stdout } = await bed.dmshare(["status", "--json"]);
    expect(code).toBe(0);
    const statuses = JSON.parse(stdout) as { provider: string; state: string; source: string }[];
    expect(statuses.filter((status) => status.provider.startsWith("g"))).toEqual([
      expect.objectContaining({ provider: "gdrive", state: "logged-in", source: "env" }),
      expect.objectContaining({ provider: "gphotos", state: "logged-in", source: "env" }),
    ]);
  });
});
