import { readFile, stat } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { playBrowserConsent } from "../emulators/browser.ts";
import { buildWithBuiltinApps } from "../helpers/builtin-build.ts";
import { collect, freePort, runCli, spawnCli, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const APP_KEY = "e2e-app-key";

const bed = useDropboxTestbed();
let port: number;

beforeEach(async () => {
  port = await freePort();
  bed.emulator.registerApp(APP_KEY, [`http://127.0.0.1:${port}/`]);
});

const env = () => bed.env();

/** Starts `dmshare login` and resolves with the authorize URL it prints, as a person would read it. */
function startLogin(extraArgs: string[]) {
  return spawnLogin(["--app-key", APP_KEY, ...extraArgs]);
}

/** `dmshare login dropbox --no-browser ARGS` (of `bin`, with `env`): its URL, once printed. */
async function spawnLogin(
  args: string[],
  options: { env?: Record<string, string | undefined>; bin?: string } = {},
) {
  const child = spawnCli(["login", "dropbox", "--no-browser", ...args], {
    env: options.env ?? env(),
    bin: options.bin,
  });
  const done = collect(child, 30_000);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: string) => {
      seen += chunk;
      const match = /(http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?\S+)/.exec(seen);
      if (match?.[1]) resolve(match[1]);
    });
    child.once("close", () => reject(new Error(`login exited before printing a URL:\n${seen}`)));
  });
  return { child, url, done };
}

const credentials = async () =>
  JSON.parse(await readFile(path.join(bed.configDir, "credentials.json"), "utf8")).dropbox as {
    accessToken: string;
    refreshToken: string;
    expiresAt: string;
  };

async function sendPhoto() {
  await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
  return runCli(["send", "a.jpg", "--via", "dropbox", "--no-copy", "--quiet"], {
    cwd: bed.dir,
    env: env(),
  });
}

describe("dmshare login dropbox", () => {
  it("logs in through the browser and the loopback redirect, then sends with the stored token", async () => {
    const { url, done } = await startLogin(["--port", String(port)]);
    const authorize = new URL(url);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      client_id: APP_KEY,
      response_type: "code",
      token_access_type: "offline",
      code_challenge_method: "S256",
      redirect_uri: `http://127.0.0.1:${port}/`,
    });
    const { location } = await playBrowserConsent(url, "allow");
    expect(location).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?code=`));
    const landing = await fetch(location as string);
    expect(landing.status).toBe(200);
    expect(await landing.text()).toContain("dmshare is logged in");

    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to Dropbox as .+/);
    const stored = await credentials();
    expect(stored.refreshToken).toBeTruthy();
    expect((await stat(path.join(bed.configDir, "credentials.json"))).mode & 0o777).toBe(0o600);
    expect(stderr).not.toContain(stored.accessToken);
    expect(stderr).not.toContain(stored.refreshToken);

    const sent = await sendPhoto();
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\//);

    const status = await runCli(["status"], { env: env() });
    expect(status.stdout).toContain(
      `credentials in the file ${path.join(bed.configDir, "credentials.json")}`,
    );
  });

  it("refreshes an expired access token and keeps the new one", async () => {
    const { url, done } = await startLogin(["--port", String(port)]);
    await fetch((await playBrowserConsent(url, "allow")).location as string);
    expect((await done).code).toBe(0);
    const before = await credentials();
    bed.emulator.expireAccessTokens();

    const sent = await sendPhoto();
    expect(sent.stderr).toBe("");
    expect(sent.code).toBe(0);
    const after = await credentials();
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBe(before.refreshToken);
  });

  it("a revoked refresh token → exit 3 with the login command", async () => {
    const { url, done } = await startLogin(["--port", String(port)]);
    await fetch((await playBrowserConsent(url, "allow")).location as string);
    expect((await done).code).toBe(0);
    bed.emulator.expireAccessTokens();
    bed.emulator.revokeRefreshTokens();
    const sent = await sendPhoto();
    expect(sent.code).toBe(3);
    expect(sent.stderr).toContain("dmshare login dropbox");
  });

  it("pressing Deny fails the login with exit 3 and stores nothing", async () => {
    const { url, done } = await startLogin(["--port", String(port)]);
    const { location } = await playBrowserConsent(url, "deny");
    expect((await fetch(location as string)).status).toBe(400);
    const { code, stderr } = await done;
    expect(code).toBe(3);
    expect(stderr).toContain("login was not completed");
    await expect(stat(path.join(bed.configDir, "credentials.json"))).rejects.toThrow();
  });

  it("stray requests and a wrong state get an error page; the login waits for the real redirect", async () => {
    const requestsBefore = bed.emulator.requests.length;
    const { url, done } = await startLogin(["--port", String(port)]);
    const { location } = await playBrowserConsent(url, "allow");
    const forged = new URL(location as string);
    forged.searchParams.set("state", "forged");
    const root = `http://127.0.0.1:${port}/`;
    const strays: [string, RequestInit, number][] = [
      [forged.href, {}, 400],
      [root, { method: "HEAD" }, 404], // curl -I
      [`${root}favicon.ico`, {}, 404],
      [root, {}, 400], // no code, no state
      [`${root}?code=stolen`, {}, 400],
      [`${root}?state=${forged.searchParams.get("state")}&error=access_denied`, {}, 400],
    ];
    for (const [address, init, status] of strays) {
      const page = await fetch(address, init);
      expect(page.status, `${init.method ?? "GET"} ${address}`).toBe(status);
      await page.arrayBuffer();
    }
    const forgedPage = await fetch(forged);
    expect(await forgedPage.text()).toContain("This login link is not the one dmshare started.");
    // Only now does the browser come back with this login's state.
    const landing = await fetch(location as string);
    expect(landing.status).toBe(200);
    const { code, stderr } = await done;
    expect(stderr).not.toContain("wrong state");
    expect(code).toBe(0);
    const tokenRequests = bed.emulator.requests
      .slice(requestsBefore)
      .filter((request) => request.path === "/oauth2/token");
    // One code exchange: the real one (the stray "stolen" code was not exchanged).
    expect(tokenRequests).toHaveLength(1);
  });

  it("the redirect listener answers on 127.0.0.1 only, and only once", async () => {
    const { url, done } = await startLogin(["--port", String(port)]);
    // Another address of this machine (or IPv6 loopback) does not reach the listener.
    const elsewhere =
      Object.values(networkInterfaces())
        .flat()
        .find((address) => address && address.family === "IPv4" && !address.internal)?.address ??
      "[::1]";
    await expect(fetch(`http://${elsewhere}:${port}/`)).rejects.toThrow();
    const { location } = await playBrowserConsent(url, "allow");
    expect((await fetch(location as string)).status).toBe(200);
    expect((await done).code).toBe(0);
    // The one request was the login: the port is closed now.
    await expect(fetch(location as string)).rejects.toThrow();
  });

  it("gives up after --timeout when the browser never comes back (exit 3)", async () => {
    const requestsBefore = bed.emulator.requests.length;
    const { done } = await startLogin(["--port", String(port), "--timeout", "1"]);
    const { code, stderr } = await done;
    expect(code).toBe(3);
    expect(stderr).toContain("No answer from the Dropbox login page within 1 s.");
    expect(stderr).toContain("--timeout SECONDS waits longer");
    expect(
      bed.emulator.requests.slice(requestsBefore).filter((r) => r.path === "/oauth2/token"),
    ).toEqual([]);
  });

  it("Ctrl-C while waiting for the browser exits 130", async () => {
    const { child, done } = await startLogin(["--port", String(port)]);
    child.kill("SIGINT");
    const { code, stderr } = await done;
    expect(code).toBe(130);
    expect(stderr).toContain("Interrupted: the login was not finished.");
  });

  it("offers the paste-the-code flow with --no-redirect", async () => {
    const child = spawnCli(
      ["login", "dropbox", "--app-key", APP_KEY, "--no-browser", "--no-redirect"],
      {
        env: env(),
        openStdin: true,
      },
    );
    const done = collect(child, 30_000);
    const url = await new Promise<string>((resolve) => {
      let seen = "";
      child.stderr?.on("data", (chunk: string) => {
        seen += chunk;
        const match = /(http:\/\/127\.0\.0\.1:\d+\/oauth2\/authorize\?\S+)/.exec(seen);
        if (match?.[1] && seen.includes("Paste the code")) resolve(match[1]);
      });
    });
    expect(new URL(url).searchParams.has("redirect_uri")).toBe(false);
    const { code: shown } = await playBrowserConsent(url, "allow");
    expect(shown).toBeTruthy();
    child.stdin.end(`${shown}\n`);
    const { code, stderr } = await done;
    expect(stderr).toMatch(/Logged in to Dropbox as/);
    expect(code).toBe(0);
  });

  it("--token stores a token for scripts after checking it works", async () => {
    const { accessToken } = bed.emulator.issueAccessToken();
    const result = await runCli(["login", "dropbox", "--token", "-"], {
      env: env(),
      stdin: accessToken,
    });
    expect(result.code).toBe(0);
    expect((await credentials()).accessToken).toBe(accessToken);
    expect((await sendPhoto()).code).toBe(0);
    const logout = await runCli(["logout", "dropbox"], { env: env() });
    expect(logout.code).toBe(0);
    expect((await sendPhoto()).code).toBe(3);
  });

  it("without an app key → exit 2 saying where to get one", async () => {
    const { code, stderr } = await runCli(["login", "dropbox", "--no-browser"], { env: env() });
    expect(code).toBe(2);
    expect(stderr).toContain("this build of dmshare carries no app of its own");
    expect(stderr).toContain(
      'Create a Dropbox app in the Dropbox App Console (https://www.dropbox.com/developers/apps; README, "Connect Dropbox")',
    );
    expect(stderr).toContain("--app-key");
  });
});

describe("a build that carries dmshare's own Dropbox app", () => {
  const BUILTIN_KEY = "builtinappkey";
  let build: Awaited<ReturnType<typeof buildWithBuiltinApps>>;
  beforeAll(async () => {
    build = await buildWithBuiltinApps({ DMSHARE_BUILTIN_DROPBOX_APP_KEY: BUILTIN_KEY });
  }, 60_000);
  afterAll(() => build?.remove());
  beforeEach(() => {
    bed.emulator.registerApp(BUILTIN_KEY, [`http://127.0.0.1:${port}/`]);
  });

  /** Logs in with the built-in build; the app key the consent page was opened for. */
  async function login(args: string[], extraEnv: Record<string, string | undefined> = {}) {
    const { url, done } = await spawnLogin(["--port", String(port), ...args], {
      env: { ...env(), ...extraEnv },
      bin: build.bin,
    });
    await fetch((await playBrowserConsent(url, "allow")).location as string);
    return { appKey: new URL(url).searchParams.get("client_id"), result: await done };
  }

  it("logs in with the built-in app key when none is given, says so, and sends", async () => {
    const { appKey, result } = await login([]);
    expect(appKey).toBe(BUILTIN_KEY);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Logging in with dmshare's own Dropbox app/);
    expect(
      JSON.parse(await readFile(path.join(bed.configDir, "credentials.json"), "utf8")).dropbox,
    ).toMatchObject({ clientId: BUILTIN_KEY });
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const sent = await runCli(["send", "a.jpg", "--via", "dropbox", "--no-copy", "--quiet"], {
      cwd: bed.dir,
      env: env(),
      bin: build.bin,
    });
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\//);
  });

  it("a first send before any login asks only for the login, not for an app", async () => {
    await writeFiles(bed.dir, { "first.jpg": jpegBytes() });
    const { DMSHARE_DROPBOX_TOKEN: _token, ...loggedOut } = env();
    const sent = await runCli(["send", "first.jpg", "--no-copy"], {
      cwd: bed.dir,
      env: loggedOut,
      bin: build.bin,
    });
    expect(sent.code).toBe(3);
    expect(sent.stderr).toContain("dmshare is not logged in to any account yet.");
    expect(sent.stderr).toContain("It opens your browser");
    expect(sent.stderr).not.toContain("You bring your own app");
  });

  it("the user's app key wins: --app-key, DMSHARE_DROPBOX_APP_KEY", async () => {
    const flag = await login(["--app-key", APP_KEY]);
    expect(flag.appKey).toBe(APP_KEY);
    expect(flag.result.code).toBe(0);
    expect(flag.result.stderr).not.toMatch(/dmshare's own/);
    const variable = await login([], { DMSHARE_DROPBOX_APP_KEY: APP_KEY });
    expect(variable.appKey).toBe(APP_KEY);
    expect(variable.result.code).toBe(0);
  });
});
