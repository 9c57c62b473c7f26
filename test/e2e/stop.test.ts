import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor, writeFiles } from "../helpers/cli.ts";
import { sentLinks, useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";
import { COLOUR_TERMINAL, colouredScreen, useTerminals } from "../helpers/tmux.ts";

// Ctrl-C pressed by a person at a real colour terminal (tmux), with the spinner and the
// questions drawn: one press stops the send, removes what was uploaded, makes no link, exit 130.
const TOKEN = "stop-token";
const bed = useDropboxTestbed({ token: TOKEN });

const openTerminal = useTerminals();
afterEach(() => {
  bed.emulator.bandwidthBytesPerSecond = 0;
  bed.emulator.clearFaults();
});

/** Where dmshare keeps its prepared copies in these tests: they must be gone afterwards. */
const privateTmp = () => path.join(bed.dir, "tmp");

async function open(args: string[], env: Record<string, string | undefined> = {}) {
  await mkdir(privateTmp(), { recursive: true });
  return openTerminal(args, {
    cwd: bed.dir,
    // Colour on, as in most people's terminals; no display, so no clipboard either.
    env: bed.env({
      ...COLOUR_TERMINAL,
      TMPDIR: privateTmp(),
      ...env,
    }),
  });
}

const requestedSince = (before: number) => () =>
  bed.emulator.requests.slice(before).map((request) => request.path);

/** Nothing of the send stays: no link, no file or folder, no ledger entry, no private copy. */
async function expectNothingLeft(name: RegExp) {
  const live = bed.emulator.sharedLinks().filter((link) => link.status === "active");
  expect(live.filter((link) => name.test(link.pathLower))).toEqual([]);
  expect(bed.emulator.listFiles().filter((file) => name.test(file.pathLower))).toEqual([]);
  expect((await readLedger(bed.configDir)).entries).toEqual([]);
  expect((await readdir(privateTmp())).filter((entry) => entry.startsWith("dmshare-"))).toEqual([]);
}

describe("Ctrl-C at a colour terminal", () => {
  it("during an upload with the spinner drawn: exit 130, upload removed, no link", async () => {
    await writeFiles(bed.dir, { "wrong.jpg": jpegBytes(3_000_000) });
    const requested = requestedSince(bed.emulator.requests.length);
    bed.emulator.bandwidthBytesPerSecond = 200_000;
    const term = await open(["send", "wrong.jpg", "--via", "dropbox", "--no-copy"]);
    // The spinner is drawn, in colour, while the bytes go up.
    await term.waitFor(/Uploading/);
    await waitFor(async () => (requested().includes("/2/files/upload") ? true : undefined));
    expect(await colouredScreen(term)).toContain("\u001b[");
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted");
    expect(requested()).not.toContain("/2/sharing/create_shared_link_with_settings");
    await expectNothingLeft(/wrong/);
  });
});

describe("Ctrl-C at a colour terminal, at the other steps", () => {
  it("while the link is being made: the link is revoked at once, the upload removed, exit 130", async () => {
    await writeFiles(bed.dir, { "late.jpg": jpegBytes() });
    const requested = requestedSince(bed.emulator.requests.length);
    const createLink = "/2/sharing/create_shared_link_with_settings";
    // The link exists at Dropbox as soon as the request arrives; its answer is held until the
    // send has exited, so Ctrl-C lands while the link is being made however slow the machine.
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({ route: createLink, kind: "hold", until });
    const term = await open(["send", "late.jpg", "--via", "dropbox", "--no-copy"]);
    try {
      await waitFor(async () => (requested().includes(createLink) ? true : undefined));
      await term.press("C-c");
      expect(await term.exitCode()).toBe(130);
    } finally {
      release();
    }
    const screen = await term.screen();
    expect(screen).toContain("Interrupted: nothing was shared: the link request was stopped");
    expect(screen).not.toMatch(/https:\/\/www\.dropbox\.com\/scl/);
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("late"))).toEqual([
      expect.objectContaining({ status: "revoked" }),
    ]);
    await expectNothingLeft(/late/);
  });

  it("after the questions, during the upload: the questions left Ctrl-C working", async () => {
    await writeFiles(bed.dir, { "asked.jpg": jpegBytes(3_000_000) });
    const requested = requestedSince(bed.emulator.requests.length);
    bed.emulator.bandwidthBytesPerSecond = 200_000;
    const term = await open(["send", "--no-copy"]);
    await term.waitFor("Photos to send");
    await term.press("Space", "Enter");
    await term.waitFor("Send with");
    await term.press("Enter");
    await term.waitFor("When should the link stop working?");
    await term.press("Enter");
    await term.waitFor("Send asked.jpg with Dropbox? (Y/n)");
    await term.press("Enter");
    await term.waitFor(/Uploading/);
    await waitFor(async () => (requested().includes("/2/files/upload") ? true : undefined));
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    expect(requested()).not.toContain("/2/sharing/create_shared_link_with_settings");
    await expectNothingLeft(/asked/);
  });
});

describe("Ctrl-C at revoke's confirmation", () => {
  it("exits 130 and revokes nothing", async () => {
    const urls = await sentLinks(bed, { "one.jpg": jpegBytes(), "two.jpg": jpegBytes(64) });
    const term = await open(["revoke", "--all"]);
    await term.waitFor("Revoke 2 links? (y/N)");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: nothing was revoked.");
    for (const url of urls) expect(bed.emulator.resolveSharedLink(url)).not.toBeNull();
  });
});

describe("Ctrl-C at login's paste-the-code question", () => {
  it("exits 130 and changes nothing", async () => {
    const term = await open(
      ["login", "dropbox", "--app-key", "key123", "--no-browser", "--no-redirect"],
      {
        DMSHARE_DROPBOX_TOKEN: undefined,
      },
    );
    await term.waitFor("Paste the code Dropbox shows after you press Allow:");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: nothing was changed.");
  });
});

describe("dmshare send - at a terminal", () => {
  it("says it reads paths, one per line, and how to end; Ctrl-C exits 130 at once", async () => {
    const before = bed.emulator.requests.length;
    const term = await open(["send", "-", "--via", "dropbox"]);
    const screen = await term.waitFor("Ctrl-C");
    expect(screen).toMatch(/paths .* from the terminal, one per line/);
    expect(screen).toContain("Ctrl-D");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: nothing was sent.");
    expect(bed.emulator.requests.length).toBe(before);
  });

  it("sends the paths typed, once Ctrl-D ends them", async () => {
    await writeFiles(bed.dir, { "typed.jpg": jpegBytes() });
    const term = await open(["send", "-", "--via", "dropbox", "--no-copy", "--quiet"]);
    await term.waitFor("Ctrl-D");
    await term.type("typed.jpg");
    await term.press("Enter", "C-d");
    expect(await term.exitCode()).toBe(0);
    expect(await term.screen()).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\/\S+typed\.jpg/m);
  });
});
