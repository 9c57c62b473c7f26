import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { playBrowserConsent, playDeviceVerification } from "../emulators/browser.ts";
import { DEFAULT_CLIENT, DEFAULT_DEVICE_CLIENT } from "../emulators/google.ts";
import { buildWithBuiltinApps } from "../helpers/builtin-build.ts";
import { type CliResult, collect, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// Two more clients, as a user who made their own would have: a Desktop one and a TV one.
const YOURS = { clientId: "yours.apps.googleusercontent.com", clientSecret: "your-secret" };
const YOUR_TV = {
  clientId: "your-tv.apps.googleusercontent.com",
  clientSecret: "your-tv-secret",
  type: "tv" as const,
};

const bed = useGoogleTestbed({
  emulator: {
    clients: [DEFAULT_CLIENT, DEFAULT_DEVICE_CLIENT, YOURS, YOUR_TV],
    // A device that honours a 5 s interval would make every test wait; the emulator hands
    // out 20 ms instead (slow_down still adds Google's 5 s).
    deviceIntervalSeconds: 0.02,
  },
});
const loginEnv = (extra: Record<string, string | undefined> = {}) =>
  bed.env({ DMSHARE_GDRIVE_TOKEN: undefined, DMSHARE_GPHOTOS_TOKEN: undefined, ...extra });

interface Started {
  done: Promise<CliResult>;
  /** The loopback login's consent page URL. */
  url?: string;
  /** The device login's page and the code it shows. */
  device?: { url: string; code: string };
}

/** Starts `dmshare login …` and resolves once it shows a URL, as a person would read it. */
async function startLogin(
  args: string[],
  options: { bin?: string; env?: Record<string, string | undefined> } = {},
): Promise<Started> {
  const child = spawnCli(["login", ...args], {
    env: loginEnv(options.env),
    cwd: bed.dir,
    bin: options.bin,
  });
  const done = collect(child, 30_000);
  return new Promise<Started>((resolve, reject) => {
    let seen = "";
    child.stderr?.on("data", (chunk: string) => {
      seen += chunk;
      const loopback = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/.exec(seen);
      if (loopback?.[1]) resolve({ done, url: loopback[1] });
      const device = /open (http:\/\/\S+\/device) and enter the code:\n\s+([A-Z]{4}-[A-Z]{4})/.exec(
        seen,
      );
      if (device?.[1] && device[2]) resolve({ done, device: { url: device[1], code: device[2] } });
    });
    child.once("close", () => reject(new Error(`login exited before showing a URL:\n${seen}`)));
  });
}

const stored = async () =>
  JSON.parse(await readFile(path.join(bed.configDir, "credentials.json"), "utf8")).gdrive as {
    accessToken: string;
    refreshToken: string;
    clientId: string;
    clientSecret: string;
  };

const tokenAnswers = () =>
  bed.emulator.requests
    .filter((request) => request.path === "/token")
    .map((request) => request.errorSummary?.split(":")[0] ?? request.status);

async function sendWithStoredLogin(bin?: string) {
  await writeFiles(bed.dir, { "photo.jpg": jpegBytes() });
  const child = spawnCli(["send", "photo.jpg", "--via", "gdrive", "--no-copy", "--quiet"], {
    env: loginEnv(),
    cwd: bed.dir,
    bin,
  });
  return collect(child, 30_000);
}

describe("dmshare login gdrive --device", () => {
  const yourTv = ["--client-id", YOUR_TV.clientId, "--client-secret", YOUR_TV.clientSecret];

  it("shows a code; polls while it is pending; logged in once allowed on another device", async () => {
    const before = bed.emulator.requests.length;
    const { device, done } = await startLogin(["gdrive", "--device", ...yourTv]);
    expect(device?.url).toBe(`${bed.emulator.url}/device`);
    // The person is still finding the page: dmshare keeps asking and is told to wait.
    await waitFor(async () =>
      tokenAnswers().includes("authorization_pending") ? true : undefined,
    );
    const page = await playDeviceVerification(device?.url ?? "", device?.code ?? "", "allow");
    expect(page).toContain("Success!");
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logged in to Google Drive as Emma Ulator/);
    const deviceCode = bed.emulator.requests
      .slice(before)
      .find((request) => request.path === "/device/code");
    expect(deviceCode?.arg).toEqual({
      client_id: YOUR_TV.clientId,
      scope: "https://www.googleapis.com/auth/drive.file",
    });
    const login = await stored();
    expect(login).toMatchObject({ clientId: YOUR_TV.clientId, clientSecret: YOUR_TV.clientSecret });
    expect(login.refreshToken).toBeTruthy();
    for (const secret of [login.accessToken, login.refreshToken, YOUR_TV.clientSecret]) {
      expect(stderr).not.toContain(secret);
    }

    // The stored login sends, and refreshes with the TV client when the access token ends.
    bed.emulator.expireAccessTokens();
    const sent = await sendWithStoredLogin();
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/drive\.google\.com/);
  });

  it("slow_down: the next poll comes 5 s later, and the login still succeeds", async () => {
    const { device, done } = await startLogin(["gdrive", "--device", ...yourTv]);
    const before = tokenAnswers().length;
    bed.emulator.slowDownDevicePolls(1);
    await waitFor(async () =>
      tokenAnswers().slice(before).includes("slow_down") ? true : undefined,
    );
    await playDeviceVerification(device?.url ?? "", device?.code ?? "", "allow");
    const { code } = await done;
    expect(code).toBe(0);
    // The emulator answers slow_down again to a poll sooner than the interval plus 5 s.
    expect(
      tokenAnswers()
        .slice(before)
        .filter((answer) => answer === "slow_down"),
    ).toHaveLength(1);
  }, 20_000);

  it("access denied on the page → exit 3, nothing stored", async () => {
    const { device, done } = await startLogin(["gdrive", "--device", ...yourTv]);
    await playDeviceVerification(device?.url ?? "", device?.code ?? "", "deny");
    const { code, stderr } = await done;
    expect(code).toBe(3);
    expect(stderr).toMatch(/access was denied on Google's page/);
    expect(stderr).toMatch(/dmshare login gdrive --device again and press Allow/);
    await expect(stored()).rejects.toThrow(/ENOENT/);
  });

  it("a code that expires before it is entered → exit 3, saying to start again", async () => {
    const { device, done } = await startLogin(["gdrive", "--device", ...yourTv]);
    bed.emulator.expireDeviceCodes();
    const { code, stderr } = await done;
    expect(code).toBe(3);
    expect(stderr).toContain(`The code ${device?.code} expired before it was entered`);
    expect(stderr).toMatch(/Run dmshare login gdrive --device again and enter the new code/);
  });

  it("refuses what Google refuses: gphotos, a Desktop client, Dropbox", async () => {
    const photos = await bed.dmshare(["login", "gphotos", "--device", ...yourTv], {
      env: loginEnv(),
    });
    expect(photos.code).toBe(2);
    expect(photos.stderr).toMatch(/Google Photos can't be logged in to with --device/);
    expect(photos.stderr).toContain("photoslibrary.appendonly");

    const desktop = await bed.dmshare(
      ["login", "gdrive", "--device", "--client-id", YOURS.clientId, "--client-secret", "x"],
      { env: loginEnv() },
    );
    expect(desktop.code).toBe(2);
    expect(desktop.stderr).toMatch(/Only clients of type 'TVs and Limited Input devices'/);
    expect(desktop.stderr).toMatch(/"TVs and Limited Input devices"/);

    const none = await bed.dmshare(["login", "gdrive", "--device"], { env: loginEnv() });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(
      /No Google OAuth client for the device login given, and this build of dmshare carries none/,
    );
    const dropbox = await bed.dmshare(["login", "dropbox", "--device"], { env: loginEnv() });
    expect(dropbox.code).toBe(2);
    expect(dropbox.stderr).toMatch(/Dropbox has no device login/);
  });

  it("refuses options that can't apply to a device login instead of ignoring them", async () => {
    for (const extra of [["--port", "53999"], ["--no-browser"], ["--no-redirect"]]) {
      const result = await bed.dmshare(["login", "gdrive", "--device", ...yourTv, ...extra], {
        env: loginEnv(),
      });
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(`--device can't be combined with ${extra[0]}.`);
    }
  });

  it("the browser login suggests --device when it could not open a page", async () => {
    const { url, done } = await startLogin([
      "gdrive",
      "--no-browser",
      "--client-id",
      YOURS.clientId,
      "--client-secret",
      YOURS.clientSecret,
    ]);
    const { location } = await playBrowserConsent(url ?? "", "allow");
    await fetch(location as string);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/No browser on this machine\? dmshare login gdrive --device/);
  });
});

describe("a build that carries dmshare's own Google clients", () => {
  let build: Awaited<ReturnType<typeof buildWithBuiltinApps>>;
  beforeAll(async () => {
    build = await buildWithBuiltinApps({
      DMSHARE_BUILTIN_GOOGLE_CLIENT_ID: DEFAULT_CLIENT.clientId,
      DMSHARE_BUILTIN_GOOGLE_CLIENT_SECRET: DEFAULT_CLIENT.clientSecret,
      DMSHARE_BUILTIN_GOOGLE_DEVICE_CLIENT_ID: DEFAULT_DEVICE_CLIENT.clientId,
      DMSHARE_BUILTIN_GOOGLE_DEVICE_CLIENT_SECRET: DEFAULT_DEVICE_CLIENT.clientSecret,
    });
  }, 60_000);
  afterAll(() => build?.remove());

  async function browserLogin(args: string[], env?: Record<string, string | undefined>) {
    const { url, done } = await startLogin(["gdrive", "--no-browser", ...args], {
      bin: build.bin,
      env,
    });
    const clientId = new URL(url ?? "").searchParams.get("client_id");
    const { location } = await playBrowserConsent(url ?? "", "allow");
    await fetch(location as string);
    return { clientId, result: await done };
  }

  it("logs in with no client of the user's, says so, and sends", async () => {
    const { clientId, result } = await browserLogin([]);
    expect(clientId).toBe(DEFAULT_CLIENT.clientId);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Logging in with dmshare's own Google OAuth client/);
    expect(result.stderr).not.toContain(DEFAULT_CLIENT.clientSecret);
    expect(await stored()).toMatchObject({ clientId: DEFAULT_CLIENT.clientId });
    expect((await sendWithStoredLogin(build.bin)).code).toBe(0);
  });

  it("the user's client wins: flags, the environment, client_secret.json", async () => {
    const flags = await browserLogin([
      "--client-id",
      YOURS.clientId,
      "--client-secret",
      YOURS.clientSecret,
    ]);
    expect(flags.clientId).toBe(YOURS.clientId);
    expect(flags.result.code).toBe(0);
    expect(flags.result.stderr).not.toMatch(/dmshare's own/);
    expect(await stored()).toMatchObject(YOURS);

    const env = await browserLogin([], {
      DMSHARE_GOOGLE_CLIENT_ID: YOURS.clientId,
      DMSHARE_GOOGLE_CLIENT_SECRET: YOURS.clientSecret,
    });
    expect(env.clientId).toBe(YOURS.clientId);

    const file = path.join(bed.dir, "client_secret.json");
    await writeFile(
      file,
      JSON.stringify({
        installed: { client_id: YOURS.clientId, client_secret: YOURS.clientSecret },
      }),
    );
    const fromFile = await browserLogin(["--credentials", file]);
    expect(fromFile.clientId).toBe(YOURS.clientId);
    expect(fromFile.result.code).toBe(0);
  });

  it("half a client of the user's is an error, not mixed with the built-in one", async () => {
    const child = spawnCli(["login", "gdrive", "--no-browser", "--client-id", YOURS.clientId], {
      env: loginEnv(),
      cwd: bed.dir,
      bin: build.bin,
    });
    const { code, stderr } = await collect(child, 30_000);
    expect(code).toBe(2);
    expect(stderr).toMatch(/No Google OAuth client secret given\./);
  });

  it("--device uses the built-in TV client", async () => {
    const { device, done } = await startLogin(["gdrive", "--device"], { bin: build.bin });
    await playDeviceVerification(device?.url ?? "", device?.code ?? "", "allow");
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toMatch(/Logging in with dmshare's own Google OAuth client/);
    expect(await stored()).toMatchObject({ clientId: DEFAULT_DEVICE_CLIENT.clientId });
  });
});
