// The closed-world stripper through the built binary: a motion photo's video is dropped and
// the user is told; a file whose metadata can't be located is refused with exit 2 and
// nothing is uploaded.

import { describe, expect, it } from "vitest";
import { cameraHeic, cameraJpeg, PLACE } from "../helpers/camera.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { locatedMp4, withItemPastEnd } from "../helpers/hostile-media.ts";

const bed = useDropboxTestbed({ token: "closed-world-token", runner: "in-process" });

interface Sent {
  files: { remotePath: string }[];
}

async function send(files: Record<string, Buffer>, ...args: string[]) {
  await writeFiles(bed.dir, files);
  return bed.dmshare(["send", ...Object.keys(files), "--via", "dropbox", "--no-copy", ...args]);
}

describe("closed-world stripping on upload", () => {
  it("drops a motion photo's video and says so on stderr", async () => {
    const photo = Buffer.concat([await cameraJpeg(), locatedMp4()]);
    const { code, stdout, stderr } = await send({ "PXL_motion.jpg": photo }, "--json");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    const uploaded = bed.emulator.readFile(sent.files[0]?.remotePath ?? "") ?? Buffer.alloc(0);
    expect(uploaded.length).toBeGreaterThan(0);
    expect(uploaded.includes(Buffer.from("ftyp"))).toBe(false);
    expect(uploaded.includes(Buffer.from(PLACE.iso6709))).toBe(false);
    expect(stderr).toMatch(
      /PXL_motion\.jpg: this is a motion photo: its short video .* was dropped/,
    );
  });

  it("refuses a HEIC whose XMP runs past the end of the file: exit 2, nothing uploaded", async () => {
    const uploads = () => bed.emulator.requests.filter((r) => r.path.startsWith("/2/files/upload"));
    const before = uploads().length;
    const { code, stderr } = await send({ "broken.heic": withItemPastEnd(cameraHeic(), 3) });
    expect(code).toBe(2);
    expect(stderr).toMatch(/broken\.heic/);
    expect(stderr).toMatch(/XMP data .* is not where the file says it is/);
    expect(uploads()).toHaveLength(before);
  });
});
