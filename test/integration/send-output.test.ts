import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cameraJpeg } from "../helpers/camera.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// What `dmshare send` says on a terminal and in pipes: labels of --each, the account it
// uploaded to, the clipboard setting, and what --dry-run promises.
const TOKEN = "send-output-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
const { dmshare } = bed;

const URL = /https:\/\/www\.dropbox\.com\/scl\/fi\/\S+/;

describe("the upload line", () => {
  it("says to which account, even when the default provider was used", async () => {
    await writeFiles(bed.dir, { "who2.jpg": jpegBytes(15_000) });
    expect((await dmshare(["config", "set", "provider", "dropbox"])).code).toBe(0);
    try {
      const { code, stderr } = await dmshare(["send", "who2.jpg", "--no-copy"]);
      expect(code).toBe(0);
      expect(stderr).toMatch(/^✔ Uploaded who2\.jpg \(15 KB\) to [^\s@]+@[^\s@]+ \(Dropbox\)$/m);
    } finally {
      await dmshare(["config", "unset", "provider"]);
    }
  });
});

describe("the upload line when the provider is slow to say whose account it is", () => {
  it("names the provider alone and goes on, instead of waiting for the answer", async () => {
    await writeFiles(bed.dir, { "slow.jpg": jpegBytes(16_000) });
    let answer = () => {};
    const until = new Promise<void>((resolve) => {
      answer = resolve;
    });
    bed.emulator.inject({ route: "/2/users/get_current_account", kind: "hold", until });
    try {
      const { code, stderr } = await dmshare(["send", "slow.jpg", "--via", "dropbox", "--no-copy"]);
      expect(code).toBe(0);
      expect(stderr).toMatch(/^✔ Uploaded slow\.jpg \(16 KB\) to Dropbox$/m);
    } finally {
      answer();
      bed.emulator.clearFaults();
    }
  });
});

describe("send --each", () => {
  it("names each file in the printed messages", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(1000), "b.jpg": jpegBytes(2000) });
    const { code, stdout } = await dmshare([
      ...["send", "a.jpg", "b.jpg", "--each", "--via", "dropbox", "--no-copy"],
    ]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^a\\.jpg: Here's the photo: ${URL.source}$`));
    expect(lines[1]).toMatch(new RegExp(`^b\\.jpg: Here's the photo: ${URL.source}$`));
  });

  it("does not name it twice when the wording already does", async () => {
    await writeFiles(bed.dir, { "c.jpg": jpegBytes(3000), "d.jpg": jpegBytes(4000) });
    const { stdout } = await dmshare([
      ...["send", "c.jpg", "d.jpg", "--each", "--via", "dropbox", "--no-copy"],
      ...["--preset", "professional"],
    ]);
    expect(stdout).toMatch(/^Please find "c\.jpg" at this view-only link: /m);
  });

  it("with --quiet prints exactly the URLs, one a line", async () => {
    await writeFiles(bed.dir, { "e.jpg": jpegBytes(5000), "f.jpg": jpegBytes(6000) });
    const { code, stdout } = await dmshare([
      ...["send", "e.jpg", "f.jpg", "--each", "--via", "dropbox", "--no-copy", "--quiet"],
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^${URL.source}\\n${URL.source}\\n$`));
  });
});

/** What a command asked of the emulator, by API path. */
async function requestsDuring<T>(action: () => Promise<T>) {
  const before = bed.emulator.requests.length;
  const result = await action();
  return { result, paths: bed.emulator.requests.slice(before).map((request) => request.path) };
}

/** Paths of the Dropbox API that change something: a dry run calls none of them. */
const WRITES = /upload|create_folder|create_shared_link|revoke|delete|move|copy/;

describe("send --dry-run shows what the real run would do", () => {
  it("reuses a live link of the same photo, as the real run would, changing nothing", async () => {
    await writeFiles(bed.dir, { "same.jpg": jpegBytes(7000) });
    const first = await dmshare(["send", "same.jpg", "--via", "dropbox", "--json", "--no-copy"]);
    const sent = JSON.parse(first.stdout);
    const { result, paths } = await requestsDuring(() =>
      dmshare(["send", "same.jpg", "--via", "dropbox", "--dry-run"]),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Would reuse the live link of same.jpg (7.0 KB) made `);
    expect(result.stdout).toContain(`(${sent.id}), uploading nothing: ${sent.url}`);
    expect(paths.filter((path) => WRITES.test(path))).toEqual([]);
    // And the real run does just that.
    const real = await dmshare(["send", "same.jpg", "--via", "dropbox", "--json", "--no-copy"]);
    expect(JSON.parse(real.stdout).url).toBe(sent.url);
    // With --new-link, both would upload.
    const fresh = await dmshare([
      "send",
      "same.jpg",
      "--via",
      "dropbox",
      "--dry-run",
      "--new-link",
    ]);
    expect(fresh.stdout).toMatch(/^Would upload same\.jpg/);
  });

  it("says what is removed from each file, and that the link lasts until revoked", async () => {
    await writeFiles(bed.dir, { "gps.jpg": await cameraJpeg(), "plain.jpg": jpegBytes(8000) });
    const { result, paths } = await requestsDuring(() =>
      dmshare(["send", "gps.jpg", "plain.jpg", "--via", "dropbox", "--album", "Trip", "--dry-run"]),
    );
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^Would upload album "Trip" \(2 files, .+, location data removed from 1 of 2\) to Dropbox and make a view-only link\.$/,
    );
    expect(lines[1]).toMatch(/^ {2}gps\.jpg: removes .*GPS location/);
    expect(lines[2]).toBe("  plain.jpg: no location or identifying metadata to remove");
    expect(lines[3]).toBe("The link would work until you revoke it (dmshare revoke).");
    expect(paths.filter((path) => WRITES.test(path))).toEqual([]);
    expect(bed.emulator.listFiles().filter((file) => file.pathLower.includes("trip"))).toEqual([]);
  });

  it("says who ends an expiring link: dmshare on Dropbox Basic, Dropbox on a paid plan", async () => {
    await writeFiles(bed.dir, { "soon.jpg": jpegBytes(9000) });
    const args = ["send", "soon.jpg", "--via", "dropbox", "--expires", "7d", "--dry-run"];
    const basic = await dmshare(args);
    expect(basic.code).toBe(0);
    expect(basic.stdout).toMatch(
      /^Dropbox can't expire links on this account: dmshare revokes it .+ after \d{4}-\d\d-\d\d \d\d:\d\d/m,
    );
    bed.emulator.setAccountType("pro");
    try {
      const paid = await dmshare(args);
      expect(paid.stdout).toMatch(
        /^The link would stop working on \d{4}-\d\d-\d\d \d\d:\d\d: Dropbox ends it\.$/m,
      );
    } finally {
      bed.emulator.setAccountType("basic");
    }
  });

  it("refuses what the real run refuses: no provider given is exit 2", async () => {
    await writeFiles(bed.dir, { "who.jpg": jpegBytes(9500) });
    const { code, stderr } = await dmshare(["send", "who.jpg", "--dry-run"]);
    expect(code).toBe(2);
    expect(stderr).toContain("No provider given.");
  });
});

describe("the clipboard where there is none (no display)", () => {
  const clipboardState = () => path.join(bed.configDir, "clipboard.json");
  const COULD_NOT = /Could not copy to the clipboard: .+\./;

  it("is warned about once per reason, not on every send", async () => {
    await rm(clipboardState(), { force: true });
    await writeFiles(bed.dir, { "c1.jpg": jpegBytes(11_000), "c2.jpg": jpegBytes(12_000) });
    const first = await dmshare(["send", "c1.jpg", "--via", "dropbox"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(COULD_NOT);
    expect(first.stderr).toContain("dmshare config set copy off stops trying");
    const second = await dmshare(["send", "c2.jpg", "--via", "dropbox", "--json"]);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toMatch(/clipboard/);
    expect(JSON.parse(second.stdout).copied).toBe(false);
  });

  it("is not tried at all with the copy setting off; --copy tries (and says why it can't)", async () => {
    await rm(clipboardState(), { force: true });
    await writeFiles(bed.dir, { "c3.jpg": jpegBytes(13_000), "c4.jpg": jpegBytes(14_000) });
    expect((await dmshare(["config", "set", "copy", "off"])).code).toBe(0);
    try {
      const off = await dmshare(["send", "c3.jpg", "--via", "dropbox"]);
      expect(off.code).toBe(0);
      expect(off.stderr).not.toMatch(/clipboard/);
      expect(off.stdout).toMatch(/^Here's the photo: https:\/\/\S+\n$/);
      // Not tried: no failure was met, so none is remembered.
      expect(existsSync(clipboardState())).toBe(false);
      const asked = await dmshare(["send", "c4.jpg", "--via", "dropbox", "--copy"]);
      expect(asked.stderr).toMatch(COULD_NOT);
    } finally {
      await dmshare(["config", "unset", "copy"]);
    }
  });

  it("refuses a copy setting that is neither on nor off", async () => {
    const { code, stderr } = await dmshare(["config", "set", "copy", "maybe"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"maybe" is not a copy setting.');
  });
});
