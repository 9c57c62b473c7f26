import { mkdir, readdir } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { collect, interruptOnRequest, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger as readStoredLedger } from "../helpers/ledger.ts";
import { jpegBytes, pngBytes } from "../helpers/media.ts";

// dmshare send through the built binary: one smoke run, the clipboard without a display,
// Ctrl-C (SIGINT) during an upload, and concurrent processes sharing one ledger. What send
// prints and records otherwise runs in-process: test/integration/dropbox-send.test.ts.
const TOKEN = "e2e-static-token";
const bed = useDropboxTestbed({ token: TOKEN });
const { dmshare } = bed;
/** `dmshare send ARGS` to Dropbox, answering in JSON, copying nothing. */
const sendJson = (...args: string[]) =>
  dmshare(["send", ...args, "--via", "dropbox", "--json", "--no-copy"]);

const readLedger = () => readStoredLedger(bed.configDir);

describe("dmshare send on Dropbox", () => {
  it("sends one photo: a view-only file link, the message printed, JSON as DESIGN.md says", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes(5000) });
    const { code, stdout, stderr } = await sendJson("beach.jpg");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout);
    expect(sent).toMatchObject({
      provider: "dropbox",
      kind: "photo",
      name: "beach.jpg",
      status: "active",
      expiresAt: null,
      revokedAt: null,
      copied: false,
      files: [{ path: path.join(bed.dir, "beach.jpg"), bytes: 5000 }],
    });
    expect(sent.id).toMatch(/^[0-9a-z]{8}$/);
    expect(sent.message).toBe(`Here's the photo: ${sent.url}`);
    expect(Date.parse(sent.createdAt)).not.toBeNaN();
    const access = bed.emulator.resolveSharedLink(sent.url);
    expect(access).toMatchObject({ kind: "file", access: "viewer", audience: "public" });
    expect(access?.pathLower).toBe(sent.files[0].remotePath.toLowerCase());
    // In the send's own folder, named by its id: never renamed.
    expect(sent.files[0].remotePath).toBe(`/dmshare/${sent.id}/beach.jpg`);
  });

  it("loads no undici: its calls go through node:http, and undici costs every send ~45 ms to load", async () => {
    await writeFiles(bed.dir, { "pier.jpg": jpegBytes(6000) });
    const report = `data:text/javascript,${encodeURIComponent(
      `process.on("exit", () => process.stderr.write("builtins " + JSON.stringify(process.moduleLoadList) + "\\n"));`,
    )}`;
    const { code, stdout, stderr } = await dmshare(
      ["send", "pier.jpg", "--via", "dropbox", "--json", "--no-copy"],
      { env: { NODE_OPTIONS: `--import=${report}` } },
    );
    expect(code).toBe(0);
    expect(bed.emulator.resolveSharedLink(JSON.parse(stdout).url)).toBeDefined();
    const line = stderr.split("\n").find((each) => each.startsWith("builtins "));
    const loaded = JSON.parse(line?.slice("builtins ".length) ?? "[]") as string[];
    expect(loaded).toContain("NativeModule http");
    expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  });

  it("prints the message for a person, with progress on stderr and a clipboard warning without a display", async () => {
    await writeFiles(bed.dir, { "cat.png": pngBytes(3000) });
    const { code, stdout, stderr } = await dmshare(["send", "cat.png", "--via", "dropbox"], {
      env: { DISPLAY: undefined, WAYLAND_DISPLAY: undefined },
    });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Here's the photo: https:\/\/www\.dropbox\.com\/scl\/fi\/\S+\n$/);
    expect(stderr).toContain("Uploaded cat.png (3.0 KB)");
    expect(stderr).toContain("View-only link created");
    expect(stderr).toMatch(/Could not copy to the clipboard: .+/);
    expect(stderr).not.toContain("\u001b[");
  });
});

describe("links stay independent and failures stay honest", () => {
  /** Where dmshare keeps its prepared copies in these tests: they must be gone afterwards. */
  const privateTmp = () => path.join(bed.dir, "tmp");
  const leftoverCopies = async () =>
    (await readdir(privateTmp())).filter((name) => name.startsWith("dmshare-"));

  /**
   * Runs dmshare with the emulator's bandwidth capped, and presses Ctrl-C once the paths it
   * has requested so far satisfy `when`.
   */
  async function interruptWhen(
    args: string[],
    bandwidth: number,
    when: (paths: string[]) => boolean,
  ) {
    const before = bed.emulator.requests.length;
    bed.emulator.bandwidthBytesPerSecond = bandwidth;
    await mkdir(privateTmp(), { recursive: true });
    const requested = () => bed.emulator.requests.slice(before).map((request) => request.path);
    try {
      return await interruptOnRequest(
        args,
        {
          cwd: bed.dir,
          env: bed.env({ TMPDIR: privateTmp() }),
          requests: bed.emulator.requests,
        },
        () => when(requested()),
      );
    } finally {
      bed.emulator.bandwidthBytesPerSecond = 0;
    }
  }

  it("Ctrl-C during an upload: exit 130, no link, nothing left in Dropbox or the ledger", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(3_000_000), "b.jpg": jpegBytes(3_000_000) });
    const { code, stderr } = await interruptWhen(
      ["send", "a.jpg", "b.jpg", "--album", "Stopped", "--via", "dropbox", "--no-copy"],
      2_000_000,
      (paths) => paths.includes("/2/files/upload_session/start"),
    );
    expect(code).toBe(130);
    expect(stderr).toContain("Interrupted");
    expect(bed.emulator.sharedLinks().filter((link) => link.pathLower.includes("stopped"))).toEqual(
      [],
    );
    expect(
      bed.emulator.listFolders().filter((folder) => folder.pathLower.includes("stopped")),
    ).toEqual([]);
    expect(JSON.parse((await dmshare(["list", "--json", "--all"])).stdout)).toEqual([]);
    expect(await leftoverCopies()).toEqual([]);
  });

  it("a second Ctrl-C during the clean-up exits at once, no link made after the first, no private copy left", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(3_000_000), "b.jpg": jpegBytes(3_000_000) });
    // The private copies (metadata removed) are made in TMPDIR: none may stay behind.
    const tmp = path.join(bed.dir, "tmp");
    await mkdir(tmp);
    // The clean-up after the first Ctrl-C hangs on a delete whose answer is held until the end.
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({ route: "/2/files/delete_v2", kind: "hold", until });
    const before = bed.emulator.requests.length;
    const paths = () => bed.emulator.requests.slice(before).map((request) => request.path);
    bed.emulator.bandwidthBytesPerSecond = 2_000_000;
    try {
      const child = spawnCli(
        ["send", "a.jpg", "b.jpg", "--album", "Twice", "--via", "dropbox", "--no-copy"],
        { cwd: bed.dir, env: { ...bed.env(), TMPDIR: tmp } },
      );
      const done = collect(child, 30_000);
      await waitFor(async () =>
        paths().includes("/2/files/upload_session/start") ? true : undefined,
      );
      child.kill("SIGINT");
      await waitFor(async () => (paths().includes("/2/files/delete_v2") ? true : undefined));
      // The delete's answer is held until the end: a send that waited for it could not exit.
      child.kill("SIGINT");
      const { code } = await done;
      expect(code).toBe(130);
    } finally {
      release();
      bed.emulator.bandwidthBytesPerSecond = 0;
      bed.emulator.clearFaults();
    }
    expect(paths()).not.toContain("/2/sharing/create_shared_link_with_settings");
    // (Node keeps its compile cache there too.)
    expect((await readdir(tmp)).filter((name) => name.startsWith("dmshare-"))).toEqual([]);
  });

  it("Ctrl-C in the middle of --each keeps and prints the links already made", async () => {
    await writeFiles(bed.dir, { "first.jpg": jpegBytes(), "second.jpg": jpegBytes(3_000_000) });
    const result = await interruptWhen(
      ["send", "first.jpg", "second.jpg", "--each", "--via", "dropbox", "--no-copy", "--quiet"],
      1_000_000,
      (paths) =>
        paths.includes("/2/sharing/create_shared_link_with_settings") &&
        paths.filter((path) => path === "/2/files/upload").length === 2,
    );
    expect(result.code).toBe(130);
    expect(result.stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fi\/\S+\/first\.jpg\S*\n$/);
    expect(result.stderr).toContain("Interrupted: 1 of 2 links were made");
    const listed = JSON.parse((await dmshare(["list", "--json", "--all"])).stdout);
    expect(
      listed.map((link: { name: string; status: string }) => [link.name, link.status]),
    ).toEqual([["first.jpg", "active"]]);
  });
});

describe("the ledger", () => {
  it("12 concurrent sends → 12 entries, none lost", async () => {
    const names = Array.from({ length: 12 }, (_, index) => `p${index}.jpg`);
    await writeFiles(bed.dir, Object.fromEntries(names.map((name) => [name, jpegBytes()])));
    const results = await Promise.all(
      names.map((name) => dmshare(["send", name, "--via", "dropbox", "--no-copy", "--quiet"])),
    );
    expect(results.map((result) => result.code)).toEqual(names.map(() => 0));
    const { entries } = await readLedger();
    expect(entries).toHaveLength(12);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(12);
    expect(entries.every((entry) => entry.status === "active")).toBe(true);
    expect(new Set(entries.map((entry) => entry.url))).toEqual(
      new Set(results.map((result) => result.stdout.trim())),
    );
  });
});
