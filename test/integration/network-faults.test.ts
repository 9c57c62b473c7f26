import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { DropboxFault } from "../emulators/dropbox.ts";
import type { RequestRecord } from "../emulators/http.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// Flaky networks, as the emulators inject them: connections cut mid-upload, rate limits,
// servers failing for a while. dmshare rides out what can be ridden out, resumes uploads
// instead of starting over, and otherwise fails with the provider's reason in a sentence.

const MIB = 1024 * 1024;
const BIG = 50 * MIB;

/** A 50 MiB JPEG-typed file (sparse after its header), and its bytes for comparison. */
async function bigPhoto(dir: string, name: string): Promise<Buffer> {
  const file = path.join(dir, name);
  await writeFile(file, jpegBytes(4096));
  await truncate(file, BIG);
  return readFile(file);
}

const bodyBytesOf = (requests: RequestRecord[]) =>
  requests.reduce((sum, request) => sum + request.bodyBytes, 0);

describe("Dropbox on a flaky network", () => {
  const bed = useDropboxTestbed({ token: "flaky-dropbox-token", runner: "in-process" });
  const sendArgs = (...args: string[]) => [
    "send",
    ...args,
    "--via",
    "dropbox",
    "--json",
    "--no-copy",
    "--keep-metadata",
  ];
  const send = (...args: string[]) => bed.dmshare(sendArgs(...args));
  const newRequests = (before: number) => bed.emulator.requests.slice(before);

  /**
   * Sends a fresh 50 MiB photo with `fault` on the upload-session appends; returns the run,
   * the requests it made, and whether Dropbox ended up with exactly its bytes.
   */
  async function sendBigThrough(
    name: string,
    fault: DropboxFault,
    env: Record<string, string> = {},
  ) {
    const bytes = await bigPhoto(bed.dir, name);
    bed.emulator.inject({ ...fault, route: "/2/files/upload_session/append_v2" });
    const before = bed.emulator.requests.length;
    const result = await bed.dmshare(sendArgs(name), { env });
    bed.emulator.clearFaults();
    const stored = result.code === 0 ? JSON.parse(result.stdout).files[0].remotePath : "";
    return {
      ...result,
      requests: newRequests(before),
      intact: bed.emulator.readFile(stored)?.equals(bytes) === true,
    };
  }

  it("a connection cut at 60 % of a 50 MiB upload resumes: under 1.5× the file is sent", async () => {
    // 50 MiB goes up in 8 MiB session chunks: the third append carries bytes 24-32 MiB, so
    // cutting it 6 MiB in cuts the upload at 30 MiB, 60 % of the file.
    const { code, stderr, requests, intact } = await sendBigThrough("big.jpg", {
      kind: "cut",
      skip: 2,
      afterBodyBytes: 6 * MIB,
    });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const uploads = requests.filter((request) => request.path.includes("upload"));
    expect(uploads.some((request) => request.faults.includes("cut"))).toBe(true);
    expect(bodyBytesOf(uploads)).toBeLessThan(BIG * 1.5);
    expect(intact).toBe(true);
  });

  it("a chunk whose answer never comes is sent again after DMSHARE_STALL_TIMEOUT, and the upload goes on", async () => {
    // Dropbox keeps the chunk but its answer is held until the send is over: a send that
    // waited for it could not finish. dmshare gives up on it after 1 s of silence.
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { code, requests, intact } = await sendBigThrough(
      "stalled.jpg",
      { kind: "hold", until },
      { DMSHARE_STALL_TIMEOUT: "1" },
    ).finally(() => release());
    expect(code).toBe(0);
    const appends = requests.filter((request) => request.path.endsWith("append_v2"));
    expect(appends[0]?.faults).toContain("hold");
    expect(appends.length).toBeGreaterThan(1);
    expect(intact).toBe(true);
  });

  it("says nothing about retrying when stderr is not a terminal", async () => {
    await writeFiles(bed.dir, { "piped.jpg": jpegBytes() });
    bed.emulator.inject({ route: "/2/files/upload", kind: "status", status: 503 });
    const { code, stderr } = await send("piped.jpg");
    expect(code).toBe(0);
    expect(stderr).toBe("");
  });

  it("a connection reset before the server answered is retried", async () => {
    await writeFiles(bed.dir, { "reset.jpg": jpegBytes() });
    bed.emulator.inject({ route: "/2/files/upload", kind: "cut", afterBodyBytes: 0 });
    const before = bed.emulator.requests.length;
    const { code, stdout } = await send("reset.jpg");
    expect(code).toBe(0);
    const uploads = newRequests(before).filter((request) => request.path === "/2/files/upload");
    expect(uploads).toHaveLength(2);
    expect(bed.emulator.resolveSharedLink(JSON.parse(stdout).url)).not.toBeNull();
  });

  it("a server failing for good: exit 4 after a bounded number of tries, saying how long it tried", async () => {
    await writeFiles(bed.dir, { "down.jpg": jpegBytes() });
    bed.emulator.inject({ route: "/2/files/upload", kind: "status", status: 503, times: 50 });
    const before = bed.emulator.requests.length;
    const { code, stdout, stderr } = await send("down.jpg");
    bed.emulator.clearFaults();
    expect(code).toBe(4);
    expect(JSON.parse(stdout).error).toMatchObject({
      message: expect.stringMatching(/^Dropbox failed to upload down\.jpg \(HTTP 503\)/),
      exitCode: 4,
    });
    expect(stderr).toMatch(
      /Dropbox failed to upload down\.jpg \(HTTP 503\) \(tried 5 times over \d+ s\)/,
    );
    expect(stderr).toContain("Try again later.");
    const uploads = newRequests(before).filter((request) => request.path === "/2/files/upload");
    expect(uploads).toHaveLength(5);
    expect((await bed.dmshare(["list", "--json"])).stdout.trim()).toBe("[]");
  });

  it("an error that retrying can't fix fails at once, in a sentence", async () => {
    await writeFiles(bed.dir, { "full.jpg": jpegBytes() });
    bed.emulator.inject({
      route: "/2/files/upload",
      kind: "status",
      status: 409,
      reason: "path/insufficient_space",
    });
    const before = bed.emulator.requests.length;
    const { code, stderr } = await send("full.jpg");
    bed.emulator.clearFaults();
    expect(code).toBe(4);
    expect(stderr).toContain("Your Dropbox is full, so dmshare can't upload full.jpg.");
    expect(stderr).not.toContain("tried");
    const uploads = newRequests(before).filter((request) => request.path === "/2/files/upload");
    expect(uploads).toHaveLength(1);
  });

  /** An album of two small photos and one big one, whose upload the test makes fail. */
  async function albumWithOneBigPhoto() {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    await bigPhoto(bed.dir, "big.jpg");
    // Only the big file goes through session appends: every attempt at them fails.
    bed.emulator.inject({
      route: "/2/files/upload_session/append_v2",
      kind: "status",
      status: 503,
      times: 50,
    });
  }

  it("an album where one file fails: nothing is shared, the rest is removed, exit 4 naming it", async () => {
    await albumWithOneBigPhoto();
    const foldersBefore = bed.emulator.listFolders().map((folder) => folder.pathLower);
    const { code, stdout, stderr } = await send("a.jpg", "b.jpg", "big.jpg", "--album", "Trip");
    bed.emulator.clearFaults();
    expect(code).toBe(4);
    // No link: the one JSON document is the error.
    expect(JSON.parse(stdout).error).toMatchObject({
      message: expect.stringContaining('1 of 3 files of the album "Trip" did not upload'),
      exitCode: 4,
    });
    expect(stderr).toContain('1 of 3 files of the album "Trip" did not upload');
    expect(stderr).toContain("big.jpg: Dropbox failed to upload big.jpg (HTTP 503)");
    expect(stderr).toContain("add --partial to share the photos that arrived");
    expect(bed.emulator.listFiles().filter((file) => file.pathLower.includes("/trip"))).toEqual([]);
    expect(
      bed.emulator.listFolders().filter((folder) => folder.pathLower.includes("trip")),
    ).toEqual([]);
    // The send's own folder went too, in one delete: no folder is left of it.
    const foldersAfter = bed.emulator.listFolders().map((folder) => folder.pathLower);
    const left = foldersAfter.filter(
      (folder) => folder.startsWith("/dmshare/") && !foldersBefore.includes(folder),
    );
    expect(left).toEqual([]);
    expect((await bed.dmshare(["list", "--all", "--json"])).stdout.trim()).toBe("[]");
  });

  it("--partial shares what arrived, exits 5, and the JSON lists the file that did not", async () => {
    await albumWithOneBigPhoto();
    const { code, stdout, stderr } = await send(
      "a.jpg",
      "b.jpg",
      "big.jpg",
      "--album",
      "Partly",
      "--partial",
    );
    bed.emulator.clearFaults();
    expect(code).toBe(5);
    const sent = JSON.parse(stdout);
    expect(sent).toMatchObject({ kind: "album", status: "active" });
    expect(sent.files.map((file: { path: string }) => path.basename(file.path)).sort()).toEqual([
      "a.jpg",
      "b.jpg",
    ]);
    expect(sent.failures).toEqual([
      expect.objectContaining({
        path: path.join(bed.dir, "big.jpg"),
        error: expect.objectContaining({ exitCode: 4 }),
      }),
    ]);
    expect(sent.message).toContain("(2)");
    expect(bed.emulator.resolveSharedLink(sent.url)).not.toBeNull();
    expect(stderr).toContain("Could not upload big.jpg");
  });

  it("a rejected DMSHARE_DROPBOX_TOKEN says to replace or unset it (exit 3)", async () => {
    await writeFiles(bed.dir, { "x.jpg": jpegBytes() });
    const { code, stderr } = await bed.dmshare(["send", "x.jpg", "--via", "dropbox"], {
      env: { DMSHARE_DROPBOX_TOKEN: "not-a-token-dropbox-knows" },
    });
    expect(code).toBe(3);
    expect(stderr).toContain("DMSHARE_DROPBOX_TOKEN holds a token Dropbox does not accept");
    expect(stderr).toContain("unset it and run: dmshare login dropbox");
    expect(stderr).not.toContain("not-a-token-dropbox-knows");
  });

  it("login --token with a token Dropbox rejects names the flag, not the variable (exit 3)", async () => {
    const { code, stderr } = await bed.dmshare(["login", "dropbox", "--token", "-"], {
      env: { DMSHARE_DROPBOX_TOKEN: undefined },
      stdin: "rejected-login-token\n",
    });
    expect(code).toBe(3);
    expect(stderr).toContain("Dropbox did not accept the token given with --token.");
    expect(stderr).not.toContain("rejected-login-token");
  });
});

describe("Google Drive on a flaky network", () => {
  const bed = useGoogleTestbed({ token: "flaky-google-token", runner: "in-process" });

  it("a connection cut at 60 % of a 50 MiB upload resumes: under 1.5× the file is sent", async () => {
    const bytes = await bigPhoto(bed.dir, "big.jpg");
    // The file goes in one streamed request; the cut comes 30 MiB into it.
    bed.emulator.inject({
      kind: "cut",
      route: /^\/upload\/drive\/v3\/files$/,
      method: "PUT",
      afterBodyBytes: 30 * MIB,
    });
    const before = bed.emulator.requests.length;
    const { code, stdout, stderr } = await bed.dmshare([
      "send",
      "big.jpg",
      "--via",
      "gdrive",
      "--json",
      "--no-copy",
      "--keep-metadata",
    ]);
    bed.emulator.clearFaults();
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const puts = bed.emulator.requests
      .slice(before)
      .filter((request) => request.method === "PUT" && request.path.startsWith("/upload/"));
    expect(puts.map((request) => request.headers["content-range"])).toContain(`bytes */${BIG}`);
    expect(bodyBytesOf(puts)).toBeLessThan(BIG * 1.5);
    const id = /\/file\/d\/([\w-]+)/.exec(JSON.parse(stdout).url)?.[1] ?? "";
    expect(bed.emulator.readDriveFile(id)?.equals(bytes)).toBe(true);
  });

  it("--partial on Drive shares what arrived; without it nothing is shared and the folder goes", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(), "b.jpg": jpegBytes() });
    await bigPhoto(bed.dir, "big.jpg");
    const failBigUpload = () =>
      // Only the big file goes resumable (PUT): every attempt at it fails.
      bed.emulator.inject({
        kind: "status",
        status: 503,
        route: /^\/upload\/drive\/v3\/files$/,
        method: "PUT",
        times: 50,
      });
    const send = (...args: string[]) =>
      bed.dmshare([
        "send",
        "a.jpg",
        "b.jpg",
        "big.jpg",
        "--via",
        "gdrive",
        "--json",
        "--no-copy",
        ...args,
      ]);

    failBigUpload();
    const refused = await send("--album", "Whole");
    bed.emulator.clearFaults();
    expect(refused.code).toBe(4);
    expect(refused.stderr).toContain('1 of 3 files of the album "Whole" did not upload');
    expect(
      bed.emulator.driveFiles().filter((file) => file.name === "Whole" && !file.trashed),
    ).toEqual([]);

    failBigUpload();
    const partial = await send("--album", "Partly", "--partial");
    bed.emulator.clearFaults();
    expect(partial.code).toBe(5);
    const sent = JSON.parse(partial.stdout);
    expect(sent.files).toHaveLength(2);
    expect(sent.failures).toEqual([
      expect.objectContaining({ path: path.join(bed.dir, "big.jpg") }),
    ]);
    expect(bed.emulator.resolveDriveLink(sent.url)).not.toBeNull();
  });

  it("a rejected DMSHARE_GDRIVE_TOKEN says to replace or unset it (exit 3)", async () => {
    await writeFiles(bed.dir, { "x.jpg": jpegBytes() });
    const { code, stderr } = await bed.dmshare(["send", "x.jpg", "--via", "gdrive"], {
      env: { DMSHARE_GDRIVE_TOKEN: "not-a-token-google-knows" },
    });
    expect(code).toBe(3);
    expect(stderr).toContain("DMSHARE_GDRIVE_TOKEN holds a token Google Drive does not accept");
    expect(stderr).not.toContain("not-a-token-google-knows");
  });
});
