import { createHash } from "node:crypto";
import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger as readStoredLedger } from "../helpers/ledger.ts";
import { jpegBytes, mp4Bytes, pngBytes } from "../helpers/media.ts";

const TOKEN = "e2e-static-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
const { dmshare } = bed;
/** `dmshare send ARGS` to Dropbox, answering in JSON, copying nothing. */
const sendJson = (...args: string[]) =>
  dmshare(["send", ...args, "--via", "dropbox", "--json", "--no-copy"]);

/** Requests the emulator receives while `action` runs. */
async function requestsDuring<T>(action: () => Promise<T>) {
  const before = bed.emulator.requests.length;
  const result = await action();
  return { result, requests: bed.emulator.requests.slice(before) };
}

const readLedger = () => readStoredLedger(bed.configDir);

describe("dmshare send on Dropbox", () => {
  it("sends an album: concurrent sessions, one finish_batch_v2, one folder link", async () => {
    await writeFiles(bed.dir, { "1.jpg": jpegBytes(), "2.png": pngBytes(), "3.mp4": mp4Bytes() });
    const { result, requests } = await requestsDuring(() =>
      sendJson("1.jpg", "2.png", "3.mp4", "--album", "Lisbon trip"),
    );
    expect(result.code).toBe(0);
    const sent = JSON.parse(result.stdout);
    expect(sent).toMatchObject({ kind: "album", name: "Lisbon trip", status: "active" });
    expect(sent.files).toHaveLength(3);
    expect(bed.emulator.resolveSharedLink(sent.url)).toMatchObject({
      kind: "folder",
      access: "viewer",
      audience: "public",
    });
    const paths = requests.map((request) => request.path);
    expect(paths.filter((p) => p === "/2/files/upload_session/start")).toHaveLength(3);
    expect(paths.filter((p) => p === "/2/files/upload_session/finish_batch_v2")).toHaveLength(1);
    expect(paths).not.toContain("/2/files/upload");
    const folder = sent.files[0].remotePath.split("/").slice(0, -1).join("/");
    // In the send's own folder, named by its id, so no other album of that name renames it.
    expect(folder).toBe(`/dmshare/${sent.id}/Lisbon trip`);
    for (const file of sent.files) expect(file.remotePath.startsWith(`${folder}/`)).toBe(true);
  });

  it("streams a file above the single-request limit through an upload session", async () => {
    const big = path.join(bed.dir, "big.jpg");
    const bytes = 70 * 1024 * 1024 + 12345;
    await writeFile(big, jpegBytes(4096));
    await truncate(big, bytes);
    const { result, requests } = await requestsDuring(() => sendJson("big.jpg"));
    expect(result.code).toBe(0);
    const sent = JSON.parse(result.stdout);
    const stored = bed.emulator.readFile(sent.files[0].remotePath);
    expect(stored?.length).toBe(bytes);
    expect(
      createHash("sha256")
        .update(stored as Buffer)
        .digest("hex"),
    ).toBe(
      createHash("sha256")
        .update(await readFile(big))
        .digest("hex"),
    );
    const uploads = requests.filter((request) => request.path.startsWith("/2/files/upload"));
    const paths = uploads.map((request) => request.path);
    expect(paths[0]).toBe("/2/files/upload_session/start");
    expect(paths.at(-1)).toBe("/2/files/upload_session/finish");
    expect(new Set(paths.slice(1, -1))).toEqual(new Set(["/2/files/upload_session/append_v2"]));
    // Chunks of equal size, a multiple of 4 MiB as Dropbox asks, about eight of them: few
    // round trips, and a dropped connection costs one chunk.
    const chunks = uploads.slice(0, -1).map((request) => request.bodyBytes);
    expect(chunks.length).toBeLessThanOrEqual(8);
    expect(new Set(chunks.slice(0, -1)).size).toBe(1);
    expect((chunks[0] as number) % (4 * 1024 * 1024)).toBe(0);
    expect(uploads.reduce((sum, request) => sum + request.bodyBytes, 0)).toBe(bytes);
  });

  it("makes several files an album with a dated default name", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout } = await sendJson("a.jpg", "b.jpg");
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      kind: "album",
      name: expect.stringMatching(/^dmshare \d{4}-\d\d-\d\d \d\d\.\d\d$/),
    });
  });

  it("gives one link per file with --each, as a JSON array", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout } = await sendJson("a.jpg", "b.jpg", "--each");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout);
    expect(sent.map((link: { kind: string; name: string }) => [link.kind, link.name])).toEqual([
      ["photo", "a.jpg"],
      ["photo", "b.jpg"],
    ]);
    // One folder per file: each link's own, named by its id.
    expect(
      sent.map((link: { files: { remotePath: string }[] }) => link.files[0]?.remotePath),
    ).toEqual([`/dmshare/${sent[0].id}/a.jpg`, `/dmshare/${sent[1].id}/b.jpg`]);
    expect(sent[0].id).not.toBe(sent[1].id);
  });

  it("reads paths from stdin and prints exactly the URL with --quiet --no-copy", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout, stderr } = await dmshare(
      ["send", "-", "--album", "X", "--quiet", "--no-copy", "--via", "dropbox"],
      {
        stdin: "a.jpg\nb.jpg\n",
      },
    );
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^https:\/\/www\.dropbox\.com\/scl\/fo\/\S+\n$/);
    expect(bed.emulator.resolveSharedLink(stdout.trim())).toMatchObject({ kind: "folder" });
  });

  it("reads NUL-separated paths with -0, names with spaces and newlines included", async () => {
    await writeFiles(bed.dir, { "my photo.jpg": jpegBytes(), "odd\nname.jpg": jpegBytes() });
    const { code, stdout } = await dmshare(
      ["send", "-", "-0", "--album", "Odd", "--json", "--no-copy", "--via", "dropbox"],
      {
        stdin: "my photo.jpg\0odd\nname.jpg\0",
      },
    );
    expect(code).toBe(0);
    expect(
      JSON.parse(stdout)
        .files.map((file: { path: string }) => path.basename(file.path))
        .sort(),
    ).toEqual(["my photo.jpg", "odd\nname.jpg"]);
  });

  it("an album whose commit reply is lost: the retry adopts the files it made, no duplicates", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(3000), "b.jpg": jpegBytes(4000) });
    // finish_batch_v2 commits both files, then the reply never arrives.
    bed.emulator.inject({ kind: "cut", route: "/2/files/upload_session/finish_batch_v2" });
    const { code, stdout, stderr } = await sendJson("a.jpg", "b.jpg", "--album", "Lost reply");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout);
    const folder = `/dmshare/${sent.id}/Lost reply`;
    const inFolder = bed.emulator
      .listFiles()
      .filter((file) => file.pathDisplay.startsWith(`${folder}/`))
      .map((file) => file.pathDisplay);
    expect(inFolder.sort()).toEqual([`${folder}/a.jpg`, `${folder}/b.jpg`]);
    expect(sent.files.map((file: { remotePath: string }) => file.remotePath).sort()).toEqual(
      inFolder,
    );
  });

  it("an album whose folder's reply is lost: the retry takes that folder, unrenamed", async () => {
    await writeFiles(bed.dir, { "f1.jpg": jpegBytes(3100), "f2.jpg": jpegBytes(3200) });
    bed.emulator.inject({ kind: "cut", route: "/2/files/create_folder_v2" });
    const { code, stdout, stderr } = await sendJson("f1.jpg", "f2.jpg", "--album", "Lost folder");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout);
    const own = `/dmshare/${sent.id}/`.toLowerCase();
    const folders = bed.emulator
      .listFolders()
      .filter((folder) => folder.pathLower.startsWith(own))
      .map((folder) => folder.pathDisplay);
    expect(folders).toEqual([`/dmshare/${sent.id}/Lost folder`]);
  });

  it("keeps non-ASCII and emoji file names", async () => {
    await writeFiles(bed.dir, { "café ü 😀.jpg": jpegBytes() });
    const { code, stdout } = await sendJson("café ü 😀.jpg");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout);
    expect(sent.files[0].remotePath).toBe(`/dmshare/${sent.id}/café ü 😀.jpg`);
    expect(bed.emulator.resolveSharedLink(sent.url)).not.toBeNull();
  });

  it("uses the configured default provider and message template", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    expect((await dmshare(["config", "set", "provider", "dropbox"])).code).toBe(0);
    expect((await dmshare(["config", "set", "message", "Look ({name}): {url}"])).code).toBe(0);
    const { code, stdout } = await dmshare(["send", "a.jpg", "--no-copy"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Look \(a\.jpg\): https:\/\/\S+\n$/);
  });

  it("shows the plan with --dry-run and uploads nothing", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(2000) });
    const { result, requests } = await requestsDuring(() =>
      dmshare(["send", "a.jpg", "--via", "dropbox", "--dry-run"]),
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^Would upload a\.jpg \(2\.0 KB\) to Dropbox and make a view-only link\.\n/,
    );
    expect(requests).toEqual([]);
  });
});

describe("links stay independent and failures stay honest", () => {
  it("the same photo again reuses its live link; --new-link makes a second file and link", async () => {
    await writeFiles(bed.dir, { "same.jpg": jpegBytes(), "copy.jpg": jpegBytes() });
    await writeFile(path.join(bed.dir, "copy.jpg"), await readFile(path.join(bed.dir, "same.jpg")));
    const send = async (file: string, ...extra: string[]) => {
      const result = await sendJson(file, ...extra);
      return { ...JSON.parse(result.stdout), stderr: result.stderr };
    };
    const first = await send("same.jpg");
    const uploadsBefore = bed.emulator.requests.filter((r) => r.path === "/2/files/upload").length;
    const again = await send("copy.jpg");
    expect(again.id).toBe(first.id);
    expect(again.url).toBe(first.url);
    expect(bed.emulator.requests.filter((r) => r.path === "/2/files/upload").length).toBe(
      uploadsBefore,
    );
    const human = await dmshare(["send", "same.jpg", "--via", "dropbox", "--no-copy"]);
    expect(human.stderr).toMatch(/Already shared this photo .*reusing that link \(--new-link/);
    expect(human.stdout).toContain(first.url);

    const second = await send("same.jpg", "--new-link");
    expect(second.url).not.toBe(first.url);
    expect(second.files[0].remotePath).not.toBe(first.files[0].remotePath);
    expect((await dmshare(["revoke", first.id, "--delete-files"])).code).toBe(0);
    expect(bed.emulator.resolveSharedLink(first.url)).toBeNull();
    expect(bed.emulator.resolveSharedLink(second.url)).not.toBeNull();
    expect(bed.emulator.readFile(second.files[0].remotePath)).not.toBeNull();
    // Once revoked, the first link is not reused: the newest live one is.
    expect((await send("same.jpg")).id).toBe(second.id);
  });

  it("a different photo of the same size gets its own link", async () => {
    const photo = jpegBytes();
    const other = Buffer.from(photo);
    // The last byte of the scan data, before the end-of-image marker.
    const last = other.length - 3;
    other[last] = photo[last] === 0x11 ? 0x22 : 0x11;
    await writeFile(path.join(bed.dir, "twin-a.jpg"), photo);
    await writeFile(path.join(bed.dir, "twin-b.jpg"), other);
    const urlOf = async (file: string) => {
      const result = await dmshare(["send", file, "--via", "dropbox", "--json", "--no-copy"]);
      expect(result.code).toBe(0);
      return JSON.parse(result.stdout).url as string;
    };
    const first = await urlOf("twin-a.jpg");
    expect(await urlOf("twin-b.jpg")).not.toBe(first);
    expect(await urlOf("twin-a.jpg")).toBe(first);
  });

  it("a link revoked on the website is not reused: a new one is made and the old entry marked revoked", async () => {
    await writeFiles(bed.dir, { "web.jpg": jpegBytes(1234) });
    const send = async (...extra: string[]) =>
      JSON.parse(
        (await dmshare(["send", "web.jpg", "--via", "dropbox", "--json", "--no-copy", ...extra]))
          .stdout,
      );
    const first = await send();
    bed.emulator.revokeSharedLinkOnWebsite(first.url);
    const second = await send();
    expect(second.url).not.toBe(first.url);
    expect(bed.emulator.resolveSharedLink(second.url)).not.toBeNull();
    const listed = JSON.parse((await dmshare(["list", "--all", "--json"])).stdout);
    expect(listed.find((link: { id: string }) => link.id === first.id)?.status).toBe("revoked");
    // Reused now, and worded as this send asks.
    const third = await send("--message", "again: {url}");
    expect(third.id).toBe(second.id);
    expect(third.message).toBe(`again: ${second.url}`);
  });

  it("--each where one file fails: the others are shared, exit 5, the JSON says which failed", async () => {
    await writeFiles(bed.dir, { "fails.jpg": jpegBytes(), "works.jpg": jpegBytes() });
    bed.emulator.inject({ route: "/2/files/upload", kind: "status", status: 503, times: 5 });
    const { code, stdout, stderr } = await sendJson("fails.jpg", "works.jpg", "--each");
    bed.emulator.clearFaults();
    expect(code).toBe(5);
    const [failed, worked] = [...JSON.parse(stdout)].sort((a, b) => a.name.localeCompare(b.name));
    expect(failed).toMatchObject({ name: "fails.jpg", status: "failed", error: { exitCode: 4 } });
    expect(worked).toMatchObject({ name: "works.jpg", status: "active" });
    expect(bed.emulator.resolveSharedLink(worked.url)).not.toBeNull();
    expect(stderr).toContain("Could not send fails.jpg");
    const listed = JSON.parse((await dmshare(["list", "--json"])).stdout);
    expect(listed.map((link: { name: string }) => link.name)).toEqual(["works.jpg"]);
  });

  it("--each where every file fails the same way: each listed once, the first error's exit code", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    const { code, stdout, stderr } = await dmshare(
      ["send", "a.jpg", "b.jpg", "--each", "--via", "dropbox", "--json"],
      { env: { DMSHARE_DROPBOX_TOKEN: "revoked-token" } },
    );
    expect(code).toBe(3);
    expect(
      JSON.parse(stdout).map((item: { name: string; status: string }) => [item.name, item.status]),
    ).toEqual([
      ["a.jpg", "failed"],
      ["b.jpg", "failed"],
    ]);
    expect(stderr.match(/✖/g)).toHaveLength(2);
    expect(stderr).not.toContain("Copied");
  });

  it("--expires on a Basic account: dmshare records the expiry and says prune will revoke it; on a paid plan Dropbox enforces it", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const local = await dmshare([
      "send",
      "a.jpg",
      "--via",
      "dropbox",
      "--expires",
      "7d",
      "--json",
      "--no-copy",
    ]);
    expect(local.code).toBe(0);
    const localLink = JSON.parse(local.stdout);
    expect(localLink).toMatchObject({ status: "active", expiryEnforcedBy: "dmshare" });
    expect(Date.parse(localLink.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    // Nothing ends the link on time here (no prune timer): the message promises no date.
    expect(localLink.message).toBe(`Here's the photo: ${localLink.url}`);
    // Dropbox was asked for no expiry (Basic has none); dmshare says who will revoke it.
    expect(bed.emulator.resolveSharedLink(localLink.url)?.expiresAt).toBeUndefined();
    expect(local.stderr.trim().split("\n")).toHaveLength(2);
    expect(local.stderr).toContain("dmshare revokes it the first time you run dmshare after");
    expect(local.stderr).toContain("dmshare prune --install");
    expect(local.stderr).toContain("So the message does not say until when it works.");

    // Options Basic can't have at all are still refused before uploading.
    const refused = await requestsDuring(() =>
      dmshare(["send", "a.jpg", "--via", "dropbox", "--expires", "7d", "--no-download"]),
    );
    expect(refused.result.code).toBe(2);
    expect(refused.result.stderr).toContain("Your Dropbox Basic plan does not allow --no-download");
    expect(refused.requests.map((request) => request.path)).toEqual([
      "/2/users/get_current_account",
    ]);

    bed.emulator.setAccountType("pro");
    try {
      const { code, stdout } = await dmshare([
        "send",
        "a.jpg",
        "--via",
        "dropbox",
        "--expires",
        "7d",
        "--no-download",
        "--json",
        "--no-copy",
      ]);
      expect(code).toBe(0);
      const sent = JSON.parse(stdout);
      expect(Date.parse(sent.expiresAt) - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
      expect(sent.expiryEnforcedBy).toBe("provider");
      expect(bed.emulator.resolveSharedLink(sent.url)?.expiresAt).toBe(
        `${sent.expiresAt.slice(0, 19)}Z`,
      );
      expect(sent.message).toContain("the link works until");
      expect(bed.emulator.resolveSharedLink(sent.url)).toMatchObject({
        access: "viewer",
        allowDownload: false,
      });
    } finally {
      bed.emulator.setAccountType("basic");
    }
  });

  it("resumes a chunk whose reply was lost instead of failing the upload", async () => {
    const big = path.join(bed.dir, "big.jpg");
    const bytes = 70 * 1024 * 1024;
    await writeFile(big, jpegBytes(4096));
    await truncate(big, bytes);
    bed.emulator.inject({ route: "/2/files/upload_session/append_v2", kind: "cut", times: 1 });
    const { result, requests } = await requestsDuring(() => sendJson("big.jpg"));
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(bed.emulator.readFile(JSON.parse(result.stdout).files[0].remotePath)?.length).toBe(
      bytes,
    );
    // The lost chunk is sent once more; Dropbox answers incorrect_offset (it has it already)
    // and the upload goes on from there: every other chunk goes once.
    const offsets = requests
      .filter((request) => request.path === "/2/files/upload_session/append_v2")
      .map((request) => JSON.parse(request.headers["dropbox-api-arg"] ?? "{}").cursor.offset);
    expect(offsets.length).toBe(new Set(offsets).size + 1);
  });

  it("a DMSHARE_DROPBOX_API_URL that is not a URL → exit 2 naming it", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr } = await dmshare(["send", "a.jpg", "--via", "dropbox"], {
      env: { DMSHARE_DROPBOX_API_URL: "localhost:8790" },
    });
    expect(code).toBe(2);
    expect(stderr).toContain('DMSHARE_DROPBOX_API_URL="localhost:8790" is not an http(s) URL');
  });
});

describe("bad input is refused before anything is uploaded", () => {
  it.each([
    ["a missing file", {}, "missing.jpg", /missing\.jpg: no such file/],
    ["a directory", {}, "album", /album: it is a directory/],
    [
      "an empty file",
      { "empty.jpg": Buffer.alloc(0) },
      "empty.jpg",
      /empty\.jpg: the file is empty/,
    ],
    [
      "a text file named .jpg",
      { "notes.jpg": "just some text" },
      "notes.jpg",
      /notes\.jpg: it is not a photo or video \(its content looks like text\)/,
    ],
  ])("%s → exit 2 naming the file, nothing uploaded", async (_label, files, bad, message) => {
    await writeFiles(bed.dir, { "good.jpg": jpegBytes(), ...files });
    await (await import("node:fs/promises")).mkdir(path.join(bed.dir, "album"), {
      recursive: true,
    });
    const { result, requests } = await requestsDuring(() =>
      dmshare(["send", "good.jpg", bad, "--via", "dropbox", "--no-copy"]),
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toContain("Nothing was uploaded");
    expect(requests).toEqual([]);
  });

  it("lists every bad file at once", async () => {
    await writeFiles(bed.dir, { "a.txt": "text", "b.jpg": Buffer.alloc(0) });
    const { code, stderr } = await dmshare(["send", "a.txt", "b.jpg", "c.jpg", "--via", "dropbox"]);
    expect(code).toBe(2);
    expect(stderr).toContain("Can't send 3 of the files");
    for (const name of ["a.txt", "b.jpg", "c.jpg"]) expect(stderr).toContain(name);
  });

  it("without credentials → exit 3 with the login command", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr, stdout } = await dmshare(["send", "a.jpg", "--via", "dropbox"], {
      env: { DMSHARE_DROPBOX_TOKEN: undefined },
    });
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr).toContain("Not logged in to Dropbox");
    expect(stderr).toContain("dmshare login dropbox");
  });

  it("without credentials and with a photo that can't be cleaned → exit 3: the login is said first", async () => {
    // The photo is prepared while the provider connects; its failure, coming first, must
    // neither win nor go unhandled.
    const damaged = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xf0, 0x45, 0x78, 0x69, 0x66, 0, 0]);
    await writeFiles(bed.dir, { "a.jpg": damaged });
    const { code, stderr, stdout } = await dmshare(["send", "a.jpg", "--via", "dropbox"], {
      env: { DMSHARE_DROPBOX_TOKEN: undefined },
    });
    expect(code).toBe(3);
    expect(stdout).toBe("");
    expect(stderr).toContain("Not logged in to Dropbox");
    expect(stderr).not.toContain("could not remove its metadata");
    // Logged in, the same photo is refused as bad input.
    const refused = await dmshare(["send", "a.jpg", "--via", "dropbox"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("could not remove its metadata");
    expect(refused.stderr).toContain("Nothing was uploaded");
  });

  it("with a token Dropbox rejects → exit 3 with the login command", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr } = await dmshare(["send", "a.jpg", "--via", "dropbox"], {
      env: { DMSHARE_DROPBOX_TOKEN: "not-a-real-token" },
    });
    expect(code).toBe(3);
    expect(stderr).toContain("dmshare login dropbox");
    expect(stderr).not.toContain("not-a-real-token");
  });

  it("an unknown provider → exit 2 listing the valid ones", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr } = await dmshare(["send", "a.jpg", "--via", "flickr"]);
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown provider "flickr"');
    expect(stderr).toContain("Valid providers: dropbox");
  });

  it("no provider and no default → exit 2 saying how to choose one", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { code, stderr } = await dmshare(["send", "a.jpg"]);
    expect(code).toBe(2);
    expect(stderr).toContain("--via dropbox");
  });

  it.each([
    ["--expires", "soon"],
    ["--expires", "-1d"],
    ["--message", "no placeholder"],
  ])("%s %j → exit 2 before uploading", async (flag, value) => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    const { result, requests } = await requestsDuring(() =>
      dmshare(["send", "a.jpg", "--via", "dropbox", flag, value]),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(value);
    expect(requests).toEqual([]);
  });

  it.each([["0"], ["many"], ["2.5"], ["33"]])(
    "--concurrency %j → exit 2 before uploading",
    async (value) => {
      await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
      const { result, requests } = await requestsDuring(() =>
        dmshare(["send", "a.jpg", "b.jpg", "--via", "dropbox", "--concurrency", value]),
      );
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `--concurrency "${value}" is not a number of uploads from 1 to 32.`,
      );
      expect(requests).toEqual([]);
    },
  );

  it("--concurrency 1 uploads an album one file after another", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes(), "c.jpg": jpegBytes() });
    const { result } = await requestsDuring(() =>
      dmshare([
        "send",
        "a.jpg",
        "b.jpg",
        "c.jpg",
        "--via",
        "dropbox",
        "--concurrency",
        "1",
        "--json",
        "--no-copy",
      ]),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).files).toHaveLength(3);
  });

  it("an unknown option → exit 2 with usage help", async () => {
    const { code, stderr } = await dmshare(["send", "--frobnicate"]);
    expect(code).toBe(2);
    expect(stderr).toContain("✖ Unknown option '--frobnicate'.");
    expect(stderr).toContain("Usage: dmshare send [options] [files...]");
  });
});

describe("the ledger", () => {
  it("records the intent before the link exists and completes it after", async () => {
    await writeFiles(bed.dir, { "slow.jpg": jpegBytes() });
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({
      route: "/2/sharing/create_shared_link_with_settings",
      kind: "hold",
      until,
    });
    const before = bed.emulator.requests.length;
    const sending = dmshare(["send", "slow.jpg", "--via", "dropbox", "--no-copy", "--json"]);
    let pending: unknown;
    try {
      pending = await waitFor(async () => {
        // The link request has arrived and its answer is held: the link is being made now.
        const seen = bed.emulator.requests
          .slice(before)
          .some(
            (r) => r.path === "/2/sharing/create_shared_link_with_settings" && r.arg !== undefined,
          );
        if (!seen) return undefined;
        return (await readLedger()).entries;
      });
    } finally {
      release();
    }
    expect(pending).toEqual([expect.objectContaining({ status: "pending", url: null })]);
    const { code, stdout } = await sending;
    expect(code).toBe(0);
    expect((await readLedger()).entries).toEqual([
      expect.objectContaining({ id: JSON.parse(stdout).id, status: "active" }),
    ]);
  });

  it.each([
    ["truncated JSON", '{"version":1,"entries":[{"id":"trunc', "it is not valid JSON"],
    [
      "entries that are not a list",
      '{"version":1,"entries":{"id":"x"}}',
      "it is not a dmshare ledger (version 1 with a list of entries)",
    ],
  ])(
    "reports a corrupt ledger (%s) with its path and how to recover, and never overwrites it",
    async (_label, contents, reason) => {
      await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
      const ledger = path.join(bed.configDir, "ledger.json");
      await (await import("node:fs/promises")).mkdir(bed.configDir, { recursive: true });
      await writeFile(ledger, contents);
      const before = createHash("sha256")
        .update(await readFile(ledger))
        .digest("hex");
      for (const args of [["list"], ["send", "a.jpg", "--via", "dropbox", "--no-copy"]]) {
        const { code, stderr } = await dmshare(args);
        expect(code).toBe(2);
        expect(stderr).toContain(`The link ledger ${ledger} is corrupt: ${reason}.`);
        expect(stderr).toContain(`mv '${ledger}'`);
      }
      expect(
        createHash("sha256")
          .update(await readFile(ledger))
          .digest("hex"),
      ).toBe(before);
    },
  );
});
