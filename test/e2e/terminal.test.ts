import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort, writeFiles } from "../helpers/cli.ts";
import { sentLinks, useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes, pngBytes } from "../helpers/media.ts";
import { useTerminals } from "../helpers/tmux.ts";

// A person at a real terminal: tmux runs the built binary in a pseudo-terminal of a fixed
// size, the test presses keys and reads the screen. CI installs tmux (.ci/run).
const TOKEN = "terminal-token";
const bed = useDropboxTestbed({ token: TOKEN });

const openTerminal = useTerminals();

async function open(args: string[], env: Record<string, string | undefined> = {}) {
  return openTerminal(args, {
    cwd: bed.dir,
    // No display: the clipboard warning path, as over SSH.
    env: bed.env({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined, ...env }),
  });
}

const readJson = async (file: string) =>
  JSON.parse(await readFile(path.join(bed.configDir, file), "utf8"));

describe("dmshare send with no files, at a terminal", () => {
  it("asks for the photos, the account, the album name and the expiry, confirms, then sends", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes(), "dog.png": pngBytes(), "notes.txt": "hi" });
    const term = await open(["send"]);

    const picker = await term.waitFor("Photos to send");
    expect(picker).toContain("cat.jpg (2.0 KB)");
    expect(picker).toContain("dog.png (1.0 KB)");
    expect(picker).not.toContain("notes.txt");
    await term.press("Space", "Down", "Space", "Enter");

    // Only accounts that are logged in are offered: here the token's Dropbox.
    const accounts = await term.waitFor("Send with");
    expect(accounts).toMatch(/❯ Dropbox/);
    expect(accounts).not.toContain("Google Drive");
    await term.press("Enter");

    await term.waitFor(/Album name \(dmshare \d{4}-\d\d-\d\d \d\d\.\d\d\)/);
    await term.type("Beach day");
    await term.press("Enter");

    const expiry = await term.waitFor("When should the link stop working?");
    expect(expiry).toContain("never (until you revoke it)");
    // Dropbox Basic has no link expiry: who ends the link, and how, is said before choosing.
    expect(expiry).toContain(
      "Dropbox can't expire links on this account: dmshare revokes it the first time you run dmshare after the time you pick",
    );
    expect(expiry).toContain("in 7 days");
    await term.press("Enter");

    await term.waitFor('Send 2 photos as the album "Beach day" with Dropbox? (Y/n)');
    await term.press("Enter");

    expect(await term.exitCode()).toBe(0);
    const screen = await term.screen();
    expect(screen).toContain("View-only link created");
    expect(screen).toMatch(/Could not copy to the clipboard/);
    const url = /Here are the photos \(2\): (https:\/\/www\.dropbox\.com\/scl\/fo\/\S+)/.exec(
      screen,
    )?.[1];
    expect(url).toBeDefined();

    expect(bed.emulator.resolveSharedLink(url as string)).toMatchObject({
      kind: "folder",
      access: "viewer",
      audience: "public",
    });
    const stored = bed.emulator.listFiles().map((file) => file.pathDisplay);
    expect(stored).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\/dmshare\/[0-9a-z]{8}\/Beach day\/cat\.jpg$/),
        expect.stringMatching(/^\/dmshare\/[0-9a-z]{8}\/Beach day\/dog\.png$/),
      ]),
    );
    const { entries } = await readLedger(bed.configDir);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: "album", name: "Beach day", status: "active", url });
    expect(entries[0]?.files.map((file: { path: string }) => path.basename(file.path))).toEqual([
      "cat.jpg",
      "dog.png",
    ]);
  });

  it("a photo is typed when the current folder has none, checked as the command line checks it (a folder is refused), and no sends nothing", async () => {
    await writeFiles(bed.dir, { "readme.txt": "no photos here" });
    const { mkdir } = await import("node:fs/promises");
    await mkdir(path.join(bed.dir, "trip"));
    await writeFiles(path.join(bed.dir, "trip"), { "sea.jpg": jpegBytes() });
    const term = await open(["send", "--via", "dropbox", "--expires", "7d"]);

    await term.waitFor("No photos here. Photo to send");
    // Each refused with the words of `dmshare send PATH`.
    for (const [typed, why] of [
      ["nowhere", "no such file"],
      ["trip", "it is a directory (name the photos inside it instead)"],
      ["readme.txt", "it is not a photo or video"],
    ] as const) {
      await term.type(typed);
      await term.press("Enter");
      await term.waitFor(`Can't send ${typed}: ${why}`);
      await term.press("C-u");
    }
    await term.type("trip/sea.jpg");
    await term.press("Enter");
    // --via and --expires were given: not asked again.
    // Who ends the link is part of the question (Dropbox Basic: dmshare does).
    await term.waitFor(
      "Send sea.jpg with Dropbox, link expires in 7 days, revoked by dmshare when it next runs after that",
    );
    await term.waitFor("(Y/n)");
    expect(await term.screen()).not.toContain("Send with");
    await term.type("n");
    await term.press("Enter");

    // No is not a success a script could go on from: exit 2, and nothing changed.
    expect(await term.exitCode()).toBe(2);
    expect(await term.screen()).toContain("Nothing was sent: you answered no.");
    expect(bed.emulator.listFiles().filter((file) => file.pathDisplay.includes("sea"))).toEqual([]);
  });

  it("Google Photos makes no link, so the expiry is not asked for", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const term = await open(["send", "--via", "gphotos"], {
      DMSHARE_DROPBOX_TOKEN: undefined,
      DMSHARE_GPHOTOS_TOKEN: "photos-token",
    });
    await term.waitFor("Photos to send");
    await term.press("Space", "Enter");
    await term.waitFor("Send cat.jpg with Google Photos? (Y/n)");
    expect(await term.screen()).not.toContain("When should the link stop working?");
    await term.type("n");
    await term.press("Enter");
    expect(await term.exitCode()).toBe(2);
    expect(await term.screen()).toContain("Nothing was sent: you answered no.");
  });

  it("files named without --via or a default provider: asks only for the account", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const term = await open(["send", "cat.jpg", "--quiet", "--no-copy"]);
    await term.waitFor("Send with");
    await term.press("Enter");
    expect(await term.exitCode()).toBe(0);
    const screen = await term.screen();
    expect(screen).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\/\S+$/m);
    expect(screen).not.toContain("Photos to send");
  });

  it("Ctrl-C at a question exits 130 and sends nothing", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const requestsBefore = bed.emulator.requests.length;
    const term = await open(["send"]);
    await term.waitFor("Photos to send");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: nothing was sent.");
    expect(bed.emulator.requests.length).toBe(requestsBefore);
  });

  it("with no account logged in, says how to log in instead of asking (exit 3)", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const term = await open(["send"], { DMSHARE_DROPBOX_TOKEN: undefined });
    expect(await term.exitCode()).toBe(3);
    const screen = await term.screen();
    expect(screen).toContain("dmshare is not logged in to any account yet.");
    expect(screen).toContain("dmshare login dropbox");
    expect(screen).not.toContain("Photos to send");
  });
});

describe("revoke's confirmation at a terminal", () => {
  it("asks (y/N) as send's questions do; no revokes nothing and exits 2", async () => {
    const urls = await sentLinks(bed, { "one.jpg": jpegBytes(), "two.jpg": jpegBytes(64) });
    const term = await open(["revoke", "--all"]);
    await term.waitFor("Revoke 2 links? (y/N)");
    await term.press("Enter");
    expect(await term.exitCode()).toBe(2);
    expect(await term.screen()).toContain("Nothing was revoked: you answered no.");
    for (const url of urls) expect(bed.emulator.resolveSharedLink(url)).not.toBeNull();
  });

  it("the expiry question, answered, reads as a sentence", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const term = await open(["send", "--via", "dropbox"]);
    await term.waitFor("Photos to send");
    await term.press("Space", "Enter");
    await term.waitFor("When should the link stop working?");
    await term.press("Enter");
    const screen = await term.waitFor("(Y/n)");
    expect(screen).toContain("When should the link stop working? never (until you revoke it)");
    expect(screen).not.toContain("stops working never");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
  });
});

describe("dmshare login at a terminal", () => {
  it("asks which provider, then logs in to the one picked", async () => {
    const term = await open(["login", "--token", TOKEN], { DMSHARE_DROPBOX_TOKEN: undefined });
    const question = await term.waitFor("Which account do you want to log in to?");
    expect(question).toMatch(/❯ Dropbox\n\s+Google Drive\n\s+Google Photos/);
    await term.press("Enter");
    expect(await term.exitCode()).toBe(0);
    expect(await term.screen()).toMatch(/✔ Logged in to Dropbox as \S+/);
    const credentials = await readJson("credentials.json");
    expect(credentials.dropbox.accessToken).toBe(TOKEN);
  });

  it("asks for the Dropbox app key when neither --app-key nor the environment gives it", async () => {
    // Any free port: the default one may be taken by another login test running alongside.
    const port = String(await freePort());
    const term = await open(["login", "dropbox", "--no-browser", "--port", port], {
      DMSHARE_DROPBOX_TOKEN: undefined,
      DMSHARE_DROPBOX_APP_KEY: undefined,
    });
    await term.waitFor(
      'Your Dropbox app key (README "Connect Dropbox"; https://www.dropbox.com/developers/apps)',
    );
    await term.type("myappkey123");
    await term.press("Enter");
    const screen = await term.waitFor("Open this page to log in to Dropbox");
    expect(screen).toContain("client_id=myappkey123");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: the login was not finished.");
  });
});

describe("a password at a terminal", () => {
  it("is asked twice without echo, protects the link, and is neither shown nor stored", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
    bed.emulator.setAccountType("pro");
    try {
      const term = await open(["send", "beach.jpg", "--via", "dropbox", "--password", "--no-copy"]);
      // "?" marks the question being asked; answered ones get a tick.
      await term.waitFor("? Password for the link:");
      await term.type("s3cret sauce");
      await term.press("Enter");
      await term.waitFor("? Password for the link again:");
      await term.type("typo");
      await term.press("Enter");
      await term.waitFor("The two didn't match; once more.");
      await term.waitFor("? Password for the link:");
      await term.type("s3cret sauce");
      await term.press("Enter");
      await term.waitFor("? Password for the link again:");
      await term.type("s3cret sauce");
      await term.press("Enter");
      expect(await term.exitCode()).toBe(0);

      const screen = await term.screen();
      expect(screen).not.toContain("s3cret");
      const url = /Here's the photo: (\S+)/.exec(screen)?.[1] as string;
      expect(bed.emulator.resolveSharedLink(url)).toMatchObject({
        audience: "password",
        passwordProtected: true,
        access: "viewer",
      });
      const ledger = JSON.stringify(await readLedger(bed.configDir));
      expect(ledger).not.toContain("s3cret");
      expect(JSON.parse(ledger).entries[0]).toMatchObject({ passwordProtected: true });
    } finally {
      bed.emulator.setAccountType("basic");
    }
  });
});

describe("colours", () => {
  it("are drawn on a terminal, and not with NO_COLOR", async () => {
    const coloured = await open(["status"]);
    expect(await coloured.exitCode()).toBe(0);
    expect(await coloured.screen(true)).toContain("\u001b[");
    await coloured.close();

    const plain = await open(["status"], { NO_COLOR: "1" });
    expect(await plain.exitCode()).toBe(0);
    const screen = await plain.screen(true);
    expect(screen).toContain("Dropbox: logged in");
    expect(screen).not.toContain("\u001b[");
  });

  it.each([
    ["NO_COLOR=1", { NO_COLOR: "1" }, []],
    ["--no-color", {}, ["--no-color"]],
  ])("the questions are drawn without colour with %s", async (_, env, flags) => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes() });
    const coloured = await open(["send"]);
    expect(await coloured.waitFor("Photos to send")).toContain("cat.jpg");
    expect(await coloured.screen(true)).toContain("\u001b[");
    await coloured.press("C-c");
    await coloured.close();

    const plain = await open(["send", ...flags], env);
    expect(await plain.waitFor("Photos to send")).toContain("❯◯ cat.jpg");
    expect(await plain.screen(true)).not.toContain("\u001b[");
    await plain.press("C-c");
    expect(await plain.exitCode()).toBe(130);
  });
});
