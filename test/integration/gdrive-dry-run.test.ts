import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// A dry run changes nothing, on a Drive that has no dmshare folder yet too: the look-ups that
// warm a real send up (the dmshare folder, an id for the send's folder) must not create.

const bed = useGoogleTestbed({ token: "gdrive-dry-run-token", runner: "in-process" });

/** No request since the `before`-th changed anything, and the Drive holds nothing. */
function expectNothingMadeSince(before: number) {
  const writes = bed.emulator.requests
    .slice(before)
    .filter((request) => request.method !== "GET")
    .map((request) => `${request.method} ${request.path}`);
  expect(writes).toEqual([]);
  expect(bed.emulator.driveFiles().filter((file) => !file.trashed)).toEqual([]);
}

describe("dmshare send --via gdrive on a fresh Drive, refused before its upload", () => {
  it("a photo that can't be cleaned: exit 2, and not even the dmshare folder is made", async () => {
    // A JPEG whose first segment claims more bytes than the file has.
    await writeFiles(bed.dir, {
      "broken.jpg": Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff, 0, 0]),
    });
    const before = bed.emulator.requests.length;
    const { code, stderr } = await bed.dmshare(["send", "broken.jpg", "--via", "gdrive"]);
    expect(code, stderr).toBe(2);
    expectNothingMadeSince(before);
  });
});

describe("dmshare send --via gdrive --dry-run on a fresh Drive", () => {
  it("creates nothing, not even the dmshare folder", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(3000), "b.jpg": jpegBytes(3100) });
    const before = bed.emulator.requests.length;
    for (const args of [["a.jpg"], ["a.jpg", "b.jpg", "--album", "Trip"]]) {
      const { code, stderr } = await bed.dmshare(["send", ...args, "--via", "gdrive", "--dry-run"]);
      expect(code, stderr).toBe(0);
    }
    expectNothingMadeSince(before);
  });
});
