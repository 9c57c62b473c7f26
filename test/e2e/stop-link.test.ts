import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";
import {
  COLOUR_TERMINAL,
  colouredScreen,
  hasTmux,
  startTerminal,
  type Terminal,
} from "../helpers/tmux.ts";

// Ctrl-C at a colour terminal while the link request is in flight, at a provider that does
// not answer it: the request is dropped at once (the held answer is released only when the
// test ends, so a send that waited for it could not exit at all), then a short clean-up of
// its own asks the provider for the link it made and removes it, and the upload.
const TOKEN = "stop-link-token";
const dropbox = useDropboxTestbed({ token: TOKEN });
const google = useGoogleTestbed({ token: TOKEN });

const CREATE_LINK = "/2/sharing/create_shared_link_with_settings";
const DRIVE_PERMISSIONS = /^\/drive\/v3\/files\/[^/]+\/permissions$/;

let terminal: Terminal | undefined;
/** Releases the held answers, once dmshare has exited. */
let releases: (() => void)[] = [];
/** A promise that keeps an answer held until the test is over. */
function untilTestEnds(): Promise<void> {
  return new Promise<void>((resolve) => {
    releases.push(resolve);
  });
}

afterEach(async () => {
  await terminal?.close();
  terminal = undefined;
  for (const release of releases) release();
  releases = [];
  dropbox.emulator.clearFaults();
  google.emulator.clearFaults();
});

type Bed = typeof dropbox | typeof google;

async function open(bed: Bed, args: string[], env: Record<string, string | undefined> = {}) {
  expect(hasTmux(), "tmux is needed for this test: apt-get install tmux").toBe(true);
  const tmp = path.join(bed.dir, "tmp");
  await mkdir(tmp, { recursive: true });
  terminal = await startTerminal(args, {
    cwd: bed.dir,
    // Colour on, as in most people's terminals; no display, so no clipboard either.
    env: bed.env({
      ...COLOUR_TERMINAL,
      TMPDIR: tmp,
      ...env,
    }),
  });
  return terminal;
}

async function ledgerEntries(bed: Bed): Promise<Record<string, unknown>[]> {
  return (await readLedger(bed.configDir)).entries as unknown as Record<string, unknown>[];
}

/** Waits until the emulator got a request matching `route` after `before`. */
async function requested(bed: Bed, before: number, route: string | RegExp, method = "POST") {
  await waitFor(async () =>
    bed.emulator.requests
      .slice(before)
      .some(
        (request) =>
          request.method === method &&
          (typeof route === "string" ? request.path === route : route.test(request.path)),
      )
      ? true
      : undefined,
  );
}

describe("Ctrl-C while Dropbox holds the answer to the link request", () => {
  it("exits 130 without the answer; the link it made is found and revoked, the upload removed", async () => {
    const bed = dropbox;
    await writeFiles(bed.dir, { "held.jpg": jpegBytes() });
    const before = bed.emulator.requests.length;
    // Dropbox makes the link when the request arrives; its answer never comes.
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), route: CREATE_LINK });
    const term = await open(bed, ["send", "held.jpg", "--via", "dropbox", "--no-copy"]);
    await requested(bed, before, CREATE_LINK);
    expect(await colouredScreen(term)).toContain("\u001b[");
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("held"))).toEqual([
      expect.objectContaining({ status: "active" }),
    ]);
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    const screen = await term.screen();
    expect(screen).toContain("Interrupted: nothing was shared");
    expect(screen).not.toMatch(/https:\/\/www\.dropbox\.com\/scl/);
    // The clean-up asked Dropbox which links the file has, and revoked the one it made.
    const paths = bed.emulator.requests.slice(before).map((request) => request.path);
    expect(paths).toContain("/2/sharing/list_shared_links");
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("held"))).toEqual([
      expect.objectContaining({ status: "revoked" }),
    ]);
    expect(bed.emulator.listFiles().filter((file) => file.pathLower.includes("held"))).toEqual([]);
    expect(await ledgerEntries(bed)).toEqual([]);
  });

  it("when Dropbox answers nothing more: exit 130, the entry stays pending and says how to finish; revoke finishes it", async () => {
    const bed = dropbox;
    await writeFiles(bed.dir, { "silent.jpg": jpegBytes() });
    const before = bed.emulator.requests.length;
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), route: CREATE_LINK });
    const term = await open(bed, ["send", "silent.jpg", "--via", "dropbox", "--no-copy"]);
    await requested(bed, before, CREATE_LINK);
    // From now on every answer is held: the clean-up can't learn anything.
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), times: 1_000 });
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    const [entry] = await ledgerEntries(bed);
    expect(entry).toMatchObject({ status: "pending", target: expect.anything() });
    const id = String(entry?.id);
    const screen = (await term.screen()).replace(/\s+/g, " ");
    expect(screen).toContain("may exist at Dropbox");
    expect(screen).toContain(`dmshare revoke ${id} --delete-files`);
    // The ledger claims no less than what exists: the link is live at Dropbox.
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("silent"))).toEqual([
      expect.objectContaining({ status: "active" }),
    ]);

    bed.emulator.clearFaults();
    const revoked = await bed.dmshare(["revoke", id, "--delete-files"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("silent"))).toEqual([
      expect.objectContaining({ status: "revoked" }),
    ]);
    expect(bed.emulator.listFiles().filter((file) => file.pathLower.includes("silent"))).toEqual(
      [],
    );
    expect((await ledgerEntries(bed)).map((each) => each.status)).toEqual(["revoked"]);
  });

  it("a second Ctrl-C during the clean-up quits at once, leaving the entry pending, and says so", async () => {
    const bed = dropbox;
    await writeFiles(bed.dir, { "twice.jpg": jpegBytes() });
    const before = bed.emulator.requests.length;
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), route: CREATE_LINK });
    // A clean-up bound far longer than the test: only the second Ctrl-C can end it.
    const term = await open(bed, ["send", "twice.jpg", "--via", "dropbox", "--no-copy"], {
      DMSHARE_CLEANUP_TIMEOUT: "3600",
    });
    await requested(bed, before, CREATE_LINK);
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), times: 1_000 });
    await term.press("C-c");
    await term.waitFor("Ctrl-C again quits at once");
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    const [entry] = await ledgerEntries(bed);
    expect(entry).toMatchObject({ status: "pending" });
    const screen = (await term.screen()).replace(/\s+/g, " ");
    expect(screen).toContain("Quit at once: A link to");
    expect(screen).toContain(`dmshare revoke ${String(entry?.id)} --delete-files`);
  });
});

describe("Ctrl-C while Dropbox holds the link answer of a batch's second share", () => {
  it("keeps the first link, and names the second as pending with how to finish it", async () => {
    const bed = dropbox;
    await writeFiles(bed.dir, { "first.jpg": jpegBytes(), "second.jpg": jpegBytes(64) });
    const before = bed.emulator.requests.length;
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), route: CREATE_LINK, skip: 1 });
    const term = await open(bed, [
      "send",
      "first.jpg",
      "second.jpg",
      "--each",
      "--via",
      "dropbox",
      "--no-copy",
    ]);
    await waitFor(async () =>
      bed.emulator.requests.slice(before).filter((request) => request.path === CREATE_LINK)
        .length === 2
        ? true
        : undefined,
    );
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), times: 1_000 });
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    const entries = await ledgerEntries(bed);
    const pending = entries.find((entry) => entry.name === "second.jpg");
    expect(entries.map((entry) => [entry.name, entry.status]).sort()).toEqual([
      ["first.jpg", "active"],
      ["second.jpg", "pending"],
    ]);
    const screen = (await term.screen()).replace(/\s+/g, " ");
    expect(screen).toMatch(/https:\/\/www\.dropbox\.com\/scl\/fi\/\S+first\.jpg/);
    expect(screen).toContain("Could not send second.jpg");
    expect(screen).toContain(`dmshare revoke ${String(pending?.id)} --delete-files`);
  });
});

describe("Ctrl-C while Google Drive holds the answer to the link request", () => {
  it("exits 130 without the answer; the anyone permission it made is deleted, the upload removed", async () => {
    const bed = google;
    await writeFiles(bed.dir, { "held.jpg": jpegBytes() });
    const before = bed.emulator.requests.length;
    // Drive adds the "anyone with the link" permission when the request arrives.
    bed.emulator.inject({
      kind: "hold",
      until: untilTestEnds(),
      route: DRIVE_PERMISSIONS,
      method: "POST",
    });
    const term = await open(bed, ["send", "held.jpg", "--via", "gdrive", "--no-copy"]);
    await requested(bed, before, DRIVE_PERMISSIONS);
    const file = bed.emulator.driveFiles().find((each) => each.name === "held.jpg");
    expect(file).toBeDefined();
    const fileId = String(file?.id);
    const anyone = bed.emulator.drivePermissions(fileId).find((each) => each.type === "anyone");
    expect(anyone).toBeDefined();
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("Interrupted: nothing was shared");
    // The clean-up asked Drive for the file's permissions and deleted the anyone one.
    const asked = bed.emulator.requests.slice(before);
    expect(asked).toContainEqual(
      expect.objectContaining({
        method: "DELETE",
        path: `/drive/v3/files/${fileId}/permissions/${anyone?.id}`,
      }),
    );
    expect(bed.emulator.driveFiles().filter((each) => each.id === fileId)).toEqual([]);
    expect(await ledgerEntries(bed)).toEqual([]);
  });
});

describe("Ctrl-C while Google Drive answers nothing more after the link request", () => {
  it("exits 130, leaves the entry pending with how to finish; revoke then finishes it", async () => {
    const bed = google;
    await writeFiles(bed.dir, { "silent.jpg": jpegBytes() });
    const before = bed.emulator.requests.length;
    bed.emulator.inject({
      kind: "hold",
      until: untilTestEnds(),
      route: DRIVE_PERMISSIONS,
      method: "POST",
    });
    const term = await open(bed, ["send", "silent.jpg", "--via", "gdrive", "--no-copy"]);
    await requested(bed, before, DRIVE_PERMISSIONS);
    bed.emulator.inject({ kind: "hold", until: untilTestEnds(), times: 1_000 });
    await term.press("C-c");

    expect(await term.exitCode()).toBe(130);
    const [entry] = await ledgerEntries(bed);
    expect(entry).toMatchObject({ status: "pending", target: expect.anything() });
    const id = String(entry?.id);
    const screen = (await term.screen()).replace(/\s+/g, " ");
    expect(screen).toContain("may exist at Google Drive");
    expect(screen).toContain(`dmshare revoke ${id} --delete-files`);
    const fileId = String((entry?.target as { remoteId?: string } | undefined)?.remoteId);
    // The ledger claims no less than what exists: anyone with the link can open the file.
    expect(bed.emulator.drivePermissions(fileId)).toContainEqual(
      expect.objectContaining({ type: "anyone" }),
    );

    bed.emulator.clearFaults();
    const revoked = await bed.dmshare(["revoke", id, "--delete-files"]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(bed.emulator.driveFiles().filter((each) => each.id === fileId)).toEqual([]);
    expect((await ledgerEntries(bed)).map((each) => each.status)).toEqual(["revoked"]);
  });
});
