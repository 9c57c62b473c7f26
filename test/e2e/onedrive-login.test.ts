import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playBrowserConsent, playDeviceVerification } from "../emulators/browser.ts";
import { type MicrosoftEmulator, startMicrosoftEmulator } from "../emulators/microsoft.ts";
import { type MicrosoftIdentity, mountIdentity } from "../emulators/microsoft-identity.ts";
import { buildWithBuiltinApps } from "../helpers/builtin-build.ts";
import { type CliResult, collect, spawnCli, writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { expectNoSecrets, recorder } from "../helpers/secrets.ts";
import { useTestbed } from "../helpers/testbed.ts";
import { useTerminals } from "../helpers/tmux.ts";

// `dmshare login onedrive` through the built binary, against the Microsoft emulator with the
// identity platform mounted on its base URL: the browser login (the test browser presses
// Accept), the device login, refresh tokens that rotate, a revoked login, logout and status,
// and no token ever in what dmshare prints or writes outside the credential store.

const APP = "5d3c2b1a-0f9e-4d8c-b7a6-958473625140";
const NO_DEVICE_APP = "6e4d3c2b-1a0f-4e9d-8c7b-a69584736251";
let identity: MicrosoftIdentity | undefined;

const bed = useTestbed<MicrosoftEmulator>(
  () =>
    startMicrosoftEmulator({
      identity: mountIdentity(
        {
          apps: [
            { clientId: APP, displayName: "dmshare", publicClientFlows: true },
            { clientId: NO_DEVICE_APP, displayName: "dmshare" },
          ],
          // A 5 s interval would make every device test wait; slow_down still adds 5 s.
          deviceIntervalSeconds: 0.02,
        },
        (made) => {
          identity = made;
        },
      ),
    }),
  (emulator) => ({
    DMSHARE_ONEDRIVE_API_URL: emulator.url,
    DMSHARE_ONEDRIVE_TOKEN: undefined,
    DMSHARE_CREDENTIAL_STORE: "file",
  }),
);
const microsoft = () => {
  if (!identity) throw new Error("the emulator mounts the identity platform as it starts");
  return identity;
};

interface Started {
  done: Promise<CliResult>;
  stop: () => void;
  url?: string;
  device?: { url: string; code: string };
}

/** Starts `dmshare login onedrive …`; resolves once it shows where to log in. */
function startLogin(args: string[], bin?: string): Promise<Started> {
  const child = spawnCli(["login", "onedrive", ...args], { env: bed.env(), cwd: bed.dir, bin });
  const done = collect(child, 30_000);
  return new Promise<Started>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: string) => {
      seen += chunk;
      const page = /(http:\/\/127\.0\.0\.1:\d+\/common\/oauth2\/v2\.0\/authorize\?\S+)/.exec(seen);
      const stop = () => child.kill("SIGINT");
      if (page?.[1]) resolve({ done, stop, url: page[1] });
      const device = /open (http:\/\/\S+\/devicelogin) and enter the code:\n\s+([A-Z0-9]{9})/.exec(
        seen,
      );
      if (device?.[1] && device[2]) {
        resolve({ done, stop, device: { url: device[1], code: device[2] } });
      }
    });
    child.once("close", () => reject(new Error(`login ended before showing a page:\n${seen}`)));
  });
}

/** The person presses Accept and the browser follows the redirect to dmshare's listener. */
async function acceptInBrowser(url: string): Promise<void> {
  const { location } = await playBrowserConsent(url, "allow");
  if (!location) throw new Error("the consent page did not redirect");
  await (await fetch(location)).text();
}

interface StoredLogin {
  accessToken: string;
  refreshToken: string;
  clientId: string;
  expiresAt: string;
}

const stored = async (): Promise<StoredLogin> =>
  JSON.parse(await readFile(path.join(bed.configDir, "credentials.json"), "utf8")).onedrive;

async function browserLogin(): Promise<CliResult> {
  const { url, done } = await startLogin(["--client-id", APP, "--no-browser"]);
  await acceptInBrowser(url ?? "");
  return done;
}

async function send(): Promise<CliResult> {
  await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
  return bed.dmshare(["send", "beach.jpg", "--via", "onedrive", "--no-copy", "--quiet"]);
}

/** Every file dmshare wrote except the credential store. */
async function writtenText(): Promise<string> {
  let all = "";
  for (const entry of await readdir(bed.dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || entry.name === "credentials.json") continue;
    all += await readFile(path.join(entry.parentPath, entry.name), "latin1");
  }
  return all;
}

describe("dmshare login onedrive", () => {
  it("in the browser: PKCE, localhost redirect, the three scopes; then sends", async () => {
    const before = microsoft().requestedScopes.length;
    const login = await browserLogin();
    expect(login.code).toBe(0);
    expect(login.stderr).toMatch(/Logged in to OneDrive as Emma Ulator/);
    expect(microsoft().requestedScopes.slice(before)).toEqual([
      "Files.ReadWrite.AppFolder User.Read offline_access",
    ]);
    const saved = await stored();
    expect(saved.clientId).toBe(APP);
    expect(saved.refreshToken).toBeTruthy();
    for (const secret of [saved.accessToken, saved.refreshToken]) {
      expect(login.stdout + login.stderr).not.toContain(secret);
    }
    const sent = await send();
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/https:\/\/1drv\.ms\//);
  });

  it("with --device: a code entered on another device", async () => {
    const { device, done } = await startLogin(["--device", "--client-id", APP]);
    expect(device?.url).toBe(`${bed.emulator.url}/devicelogin`);
    const page = await playDeviceVerification(device?.url ?? "", device?.code ?? "", "allow");
    expect(page).toMatch(/You have signed in to the dmshare application/);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to OneDrive as Emma Ulator/);
    expect((await stored()).refreshToken).toBeTruthy();
  });

  it("--device with an app that does not allow public client flows → exit 2 naming the switch", async () => {
    const { device, done } = await startLogin(["--device", "--client-id", NO_DEVICE_APP]);
    await playDeviceVerification(device?.url ?? "", device?.code ?? "", "allow");
    const { code, stderr } = await done;
    expect(code).toBe(2);
    expect(stderr).toMatch(/AADSTS7000218/);
    expect(stderr).toMatch(/Allow public client flows/);
  });

  it("Ctrl-C while waiting for the browser or the device → exit 130, nothing stored", async () => {
    for (const args of [["--no-browser"], ["--device"]]) {
      const { stop, done } = await startLogin([...args, "--client-id", APP]);
      stop();
      const { code, stderr } = await done;
      expect(code).toBe(130);
      expect(stderr).toContain("Interrupted: the login was not finished.");
      await expect(stored()).rejects.toThrow(/ENOENT/);
    }
  });

  it("refresh tokens rotate: the old one is refused, dmshare goes on with the new one", async () => {
    expect((await browserLogin()).code).toBe(0);
    const first = await stored();
    microsoft().expireAccessTokens();
    expect((await send()).code).toBe(0);
    const second = await stored();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(microsoft().refreshTokenState(first.refreshToken)).toBe("used");
    // The spent refresh token is refused by the identity platform…
    const replay = await fetch(`${bed.emulator.url}/common/oauth2/v2.0/token`, {
      method: "POST",
      body: new URLSearchParams({
        client_id: APP,
        grant_type: "refresh_token",
        refresh_token: first.refreshToken,
        scope: "Files.ReadWrite.AppFolder User.Read offline_access",
      }),
    });
    expect(replay.status).toBe(400);
    await replay.body?.cancel();
    // …and the next run, once more past the access token's end, refreshes with the new one.
    microsoft().expireAccessTokens();
    const again = await send();
    expect(again.code).toBe(0);
    expect((await stored()).refreshToken).not.toBe(second.refreshToken);
    const tokens = [first, second, await stored()].flatMap((l) => [l.accessToken, l.refreshToken]);
    for (const token of tokens) {
      expect(again.stdout + again.stderr).not.toContain(token);
    }
  });

  it("a revoked login → exit 3 saying to run dmshare login onedrive; no token in output or files", async () => {
    expect((await browserLogin()).code).toBe(0);
    const login = await stored();
    microsoft().revokeRefreshTokens();
    microsoft().expireAccessTokens();
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    const sent = await bed.dmshare(
      ["send", "beach.jpg", "--via", "onedrive", "--no-copy", "--verbose"],
      { env: { DMSHARE_DEBUG: "1" } },
    );
    expect(sent.code).toBe(3);
    expect(sent.stderr).toMatch(/Microsoft no longer accepts dmshare's OneDrive login/);
    expect(sent.stderr).toMatch(/Run: dmshare login onedrive/);
    const written = await writtenText();
    for (const token of [login.accessToken, login.refreshToken]) {
      expect(sent.stdout + sent.stderr).not.toContain(token);
      expect(written).not.toContain(token);
    }
  });

  it("no token reaches stdout, stderr or any file but the credential store (--verbose, DMSHARE_DEBUG)", async () => {
    const login = await browserLogin();
    const seen = [await stored()];
    const { runs, run } = recorder(bed, {});
    runs.push(["login onedrive", login]);
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes(), "dune.jpg": jpegBytes() });
    expect((await run(["send", "beach.jpg", "--via", "onedrive", "--no-copy"])).code).toBe(0);
    microsoft().expireAccessTokens();
    expect((await run(["send", "dune.jpg", "--via", "onedrive", "--no-copy"])).code).toBe(0);
    seen.push(await stored());
    expect(seen[1]?.refreshToken).not.toBe(seen[0]?.refreshToken);
    await run(["status"]);
    await run(["list"]);
    await run(["sync", "--provider", "onedrive"]);
    microsoft().revokeRefreshTokens();
    microsoft().expireAccessTokens();
    expect((await run(["send", "beach.jpg", "--via", "onedrive", "--no-copy"])).code).toBe(3);
    await run(["logout", "onedrive"]);
    await expectNoSecrets(
      bed,
      { all: async () => seen.flatMap((l) => [l.accessToken, l.refreshToken]) },
      runs,
    );
  });

  it("status names the account and where its login is; logout forgets it", async () => {
    expect((await browserLogin()).code).toBe(0);
    const status = await bed.dmshare(["status"]);
    expect(status.code).toBe(0);
    expect(status.stdout + status.stderr).toMatch(/OneDrive[\s\S]*Emma Ulator/);
    expect(status.stdout + status.stderr).toContain("credentials.json");
    const logout = await bed.dmshare(["logout", "onedrive"]);
    expect(logout.code).toBe(0);
    expect((await stored()) ?? null).toBeNull();
    const after = await send();
    expect(after.code).toBe(3);
    expect(after.stderr).toMatch(/Not logged in to OneDrive/);
  });

  it("DMSHARE_ONEDRIVE_TOKEN that Graph rejects → exit 3 with the hint to unset it", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    const sent = await bed.dmshare(["send", "beach.jpg", "--via", "onedrive", "--no-copy"], {
      env: { DMSHARE_ONEDRIVE_TOKEN: "EwBnot-a-token-graph-knows" },
    });
    expect(sent.code).toBe(3);
    expect(sent.stderr).toMatch(/DMSHARE_ONEDRIVE_TOKEN/);
    expect(sent.stderr).toMatch(/unset it/);
    expect(sent.stderr).not.toContain("EwBnot-a-token-graph-knows");
  });
});

describe("dmshare login onedrive without a client id", () => {
  const openTerminal = useTerminals();

  it("at a terminal: asks for the Application (client) ID, refusing what is not a GUID", async () => {
    const terminal = await openTerminal(["login", "onedrive", "--no-browser"], {
      cwd: bed.dir,
      env: bed.env({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined }),
    });
    await terminal.waitFor(`Your Microsoft app's Application (client) ID`);
    await terminal.type("my-app");
    await terminal.press("Enter");
    await terminal.waitFor("The Application (client) ID is a GUID");
    await terminal.press(...Array<string>(6).fill("BSpace"));
    await terminal.type(APP);
    await terminal.press("Enter");
    const screen = await terminal.waitFor("Open this page to log in to OneDrive");
    expect(screen).toContain(`client_id=${APP}`);
    await terminal.press("C-c");
    expect(await terminal.exitCode()).toBe(130);
  });

  it("elsewhere: exit 2 saying how to register an app and give its id", async () => {
    const result = await bed.dmshare(["login", "onedrive"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/No Microsoft app given, and this build of dmshare carries none/);
    expect(result.stderr).toMatch(/Connect OneDrive/);
    expect(result.stderr).toMatch(/--client-id ID/);
  });
});

describe("a build that carries dmshare's own Microsoft app", () => {
  let build: Awaited<ReturnType<typeof buildWithBuiltinApps>>;
  beforeAll(async () => {
    build = await buildWithBuiltinApps({ DMSHARE_BUILTIN_ONEDRIVE_CLIENT_ID: APP });
  }, 60_000);
  afterAll(() => build?.remove());

  it("logs in with no client id of the user's and says so", async () => {
    const { url, done } = await startLogin(["--no-browser"], build.bin);
    expect(new URL(url ?? "").searchParams.get("client_id")).toBe(APP);
    await acceptInBrowser(url ?? "");
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logging in with dmshare's own Microsoft app/);
    expect((await stored()).clientId).toBe(APP);
  });
});
