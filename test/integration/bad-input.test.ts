import { createHash } from "node:crypto";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// What people really type and really have on disk, in-process. Each bad input gets a message naming it
// and the documented exit code (2), uploads nothing, and loses nothing; each odd but valid
// one just works.

const bed = useDropboxTestbed({ token: "bad-input-token", runner: "in-process" });

interface Sent {
  id: string;
  url: string;
  name: string;
  files: { path: string; remotePath: string; bytes: number }[];
}

const sendJson = (args: string[], options?: { stdin?: string }) =>
  bed.dmshare(["send", ...args, "--via", "dropbox", "--json", "--no-copy"], options);

const sha256 = async (file: string) =>
  createHash("sha256")
    .update(await readFile(file))
    .digest("hex");

/** Runs `action` and returns how many requests the emulator got meanwhile. */
async function requestsDuring<T>(action: () => Promise<T>) {
  const before = bed.emulator.requests.length;
  const result = await action();
  return { result, requests: bed.emulator.requests.length - before };
}

const ledgerEntries = async () =>
  JSON.parse((await bed.dmshare(["list", "--all", "--json"])).stdout) as Sent[];

describe("odd but valid paths are sent as they are", () => {
  it.each([
    ["spaces", "my holiday photo.jpg"],
    ["quotes", `it's "quoted".jpg`],
    ["emoji", "🌅 sunset 🏖️.jpg"],
    ["a leading dash, after --", "-dash.jpg"],
  ])("%s: %s", async (_label, name) => {
    await writeFiles(bed.dir, { [name]: jpegBytes() });
    const { code, stdout, stderr } = await bed.dmshare([
      "send",
      "--via",
      "dropbox",
      "--json",
      "--no-copy",
      "--",
      name,
    ]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    expect(sent.files[0]?.remotePath).toBe(`/dmshare/${sent.id}/${name}`);
    expect(bed.emulator.resolveSharedLink(sent.url)).not.toBeNull();
  });

  it("a leading dash as ./-x.jpg", async () => {
    await writeFiles(bed.dir, { "-x.jpg": jpegBytes() });
    const { code, stdout } = await sendJson(["./-x.jpg"]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    expect(sent.files[0]?.remotePath).toBe(`/dmshare/${sent.id}/-x.jpg`);
  });

  it("a newline in the name: sent, with a space for the newline remotely", async () => {
    await writeFiles(bed.dir, { "two\nlines.jpg": jpegBytes() });
    const { code, stdout } = await sendJson(["two\nlines.jpg"]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    expect(sent.files[0]?.path).toBe(path.join(bed.dir, "two\nlines.jpg"));
    expect(sent.files[0]?.remotePath).toBe(`/dmshare/${sent.id}/two lines.jpg`);
  });

  it.each([
    ["NFD on disk, NFC typed", "NFD", "NFC"],
    ["NFC on disk, NFD typed", "NFC", "NFD"],
  ] as const)("Unicode forms: %s", async (_label, onDisk, typed) => {
    const name = "café-é.jpg";
    await writeFiles(bed.dir, { [name.normalize(onDisk)]: jpegBytes() });
    const { code, stdout, stderr } = await sendJson([name.normalize(typed)]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(JSON.parse(stdout).files[0].path).toBe(path.join(bed.dir, name.normalize(onDisk)));
  });

  it("a symlink is followed: the photo it points to is sent", async () => {
    await writeFiles(bed.dir, { "real.jpg": jpegBytes(3000) });
    await symlink(path.join(bed.dir, "real.jpg"), path.join(bed.dir, "link.jpg"));
    const { code, stdout } = await sendJson(["link.jpg", "--keep-metadata"]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    const stored = bed.emulator.readFile(sent.files[0]?.remotePath ?? "");
    expect(stored?.equals(await readFile(path.join(bed.dir, "real.jpg")))).toBe(true);
  });

  it("paths on stdin (-): blank lines are skipped, a missing one is named", async () => {
    await writeFiles(bed.dir, { "one.jpg": jpegBytes() });
    const { result, requests } = await requestsDuring(() =>
      sendJson(["-"], { stdin: "one.jpg\n\n   \nnot-there.jpg\n" }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("not-there.jpg: no such file");
    expect(result.stderr).not.toContain("one.jpg:");
    expect(requests).toBe(0);
  });
});

describe("bad files: exit 2, named, nothing uploaded, nothing changed", () => {
  async function refused(args: string[], ...expected: string[]) {
    const { result, requests } = await requestsDuring(() => sendJson(args));
    expect(result.code).toBe(2);
    // With --json the error is also the one JSON document on stdout: no link, no file.
    expect(JSON.parse(result.stdout)).toMatchObject({
      error: { message: expect.any(String), exitCode: 2 },
    });
    for (const text of expected) expect(result.stderr).toContain(text);
    expect(requests).toBe(0);
    expect(await ledgerEntries()).toEqual([]);
    return result;
  }

  it("a symlink loop", async () => {
    await symlink(path.join(bed.dir, "loop-b.jpg"), path.join(bed.dir, "loop-a.jpg"));
    await symlink(path.join(bed.dir, "loop-a.jpg"), path.join(bed.dir, "loop-b.jpg"));
    await refused(["loop-a.jpg"], "loop-a.jpg: it is a symbolic link that loops");
  });

  it("a 0-byte file, among good ones", async () => {
    await writeFiles(bed.dir, { "good.jpg": jpegBytes(), "empty.jpg": Buffer.alloc(0) });
    const before = await sha256(path.join(bed.dir, "good.jpg"));
    await refused(["good.jpg", "empty.jpg"], "empty.jpg: the file is empty (0 bytes)");
    expect(await sha256(path.join(bed.dir, "good.jpg"))).toBe(before);
  });

  it("a directory given as a file", async () => {
    await mkdir(path.join(bed.dir, "album"));
    await refused(["album"], "album: it is a directory");
  });

  it.each([["7x"], ["tomorrowish"], ["2026-13-45"], ["0d"], ["-3h"], ["1e9d"]])(
    "--expires %j",
    async (value) => {
      await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
      await refused(["a.jpg", "--expires", value], value);
    },
  );
});

describe("album names never climb out of the dmshare folder", () => {
  it.each([
    ["slashes", "2026/summer/beach", "2026-summer-beach"],
    // One folder named "-..-..-etc": dots inside a name are harmless.
    ["dot-dot", "../../../etc", "-..-..-etc"],
    ["control characters", "tab\there\u0007bell", "tab here bell"],
  ])("%s: %j", async (_label, album, folder) => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout } = await sendJson(["a.jpg", "b.jpg", "--album", album]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    // The album's folder, in the send's own.
    for (const file of sent.files) {
      expect(path.posix.dirname(file.remotePath)).toBe(`/dmshare/${sent.id}/${folder}`);
    }
    expect(bed.emulator.listFiles().every((file) => file.pathLower.startsWith("/dmshare/"))).toBe(
      true,
    );
  });

  it("300 characters: cut to 100, still one folder inside dmshare", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout } = await sendJson(["a.jpg", "b.jpg", "--album", "x".repeat(300)]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    const folder = path.posix.dirname(sent.files[0]?.remotePath ?? "");
    expect(folder).toBe(`/dmshare/${sent.id}/${"x".repeat(100)}`);
  });

  it("a name with nothing usable left → exit 2", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stderr } = await sendJson(["a.jpg", "b.jpg", "--album", " . .. "]);
    expect(code).toBe(2);
    expect(stderr).toContain('The album name " . .. " has no usable characters.');
  });
});

describe("Drive album names", () => {
  const google = useGoogleTestbed({ token: "bad-input-google-token", runner: "in-process" });

  it("a name full of path tricks stays one folder inside dmshare", async () => {
    await writeFiles(google.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout } = await google.dmshare([
      "send",
      "a.jpg",
      "b.jpg",
      "--via",
      "gdrive",
      "--album",
      "../../x/\u0001y",
      "--json",
      "--no-copy",
    ]);
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    const root = google.emulator.driveFiles().find((file) => file.name === "dmshare");
    const album = google.emulator.driveFiles().find((file) => file.name === "-..-x- y");
    expect(album?.parents).toEqual([root?.id]);
    expect(sent.files[0]?.remotePath).toBe("dmshare/-..-x- y/a.jpg");
  });
});

describe("revoke and config", () => {
  it("a URL dmshare never made → exit 2, nothing revoked", async () => {
    const { code, stderr } = await bed.dmshare([
      "revoke",
      "https://www.dropbox.com/scl/fi/notmine/x.jpg?rlkey=abc",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(
      '"https://www.dropbox.com/scl/fi/notmine/x.jpg?rlkey=abc" is not a link dmshare made',
    );
  });

  it.each([
    ['{"provider": 42}', '"provider" must be a string'],
    ['{"metadata": "sometimes"}', '"metadata"'],
    ['{"preset": ["casual"]}', '"preset" must be a string'],
    ["[1, 2]", "it is not a JSON object"],
    ['{"provider": "dropbox",', "it is not valid JSON"],
  ])("a config file %s → exit 2 naming the file and key, and it is kept", async (text, reason) => {
    await mkdir(bed.configDir, { recursive: true });
    const config = path.join(bed.configDir, "config.json");
    await writeFile(config, text);
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr } = await bed.dmshare(["send", "a.jpg", "--via", "dropbox"]);
    expect(code).toBe(2);
    expect(stderr).toContain(`The config file ${config} is invalid`);
    expect(stderr).toContain(reason);
    expect(await readFile(config, "utf8")).toBe(text);
    const set = await bed.dmshare(["config", "set", "provider", "dropbox"]);
    expect(set.code).toBe(2);
    expect(await readFile(config, "utf8")).toBe(text);
  });
});
