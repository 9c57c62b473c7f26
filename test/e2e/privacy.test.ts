// Photos leave the machine without their location (DESIGN.md §3), through the built binary
// with a TMPDIR of its own, so the test sees dmshare's private copies gone afterwards. The
// other metadata cases run in-process: test/integration/privacy.test.ts.

import { createHash } from "node:crypto";
import { mkdir, readdir, readFile } from "node:fs/promises";
import path from "node:path";
import exifr from "exifr";
import { describe, expect, it } from "vitest";
import { cameraJpeg, IDENTITY, PLACE } from "../helpers/camera.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";

const bed = useDropboxTestbed({ token: "privacy-token" });
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

interface Sent {
  files: { remotePath: string }[];
}

/** Sends with a private TMPDIR, so the test can see that dmshare's copies are gone after. */
async function send(files: Record<string, Buffer>, ...args: string[]) {
  await writeFiles(bed.dir, files);
  const tmp = path.join(bed.dir, "tmp");
  await mkdir(tmp, { recursive: true });
  const result = await bed.dmshare(
    ["send", ...Object.keys(files), "--via", "dropbox", "--no-copy", ...args],
    { env: { TMPDIR: tmp } },
  );
  expect((await readdir(tmp)).filter((name) => name.startsWith("dmshare-"))).toEqual([]);
  return result;
}

const stored = (sent: Sent, index = 0) =>
  bed.emulator.readFile(sent.files[index]?.remotePath ?? "") ?? Buffer.alloc(0);

/** The bytes from the start-of-scan marker to the end: the picture itself. */
const scanData = (jpeg: Buffer) => jpeg.subarray(jpeg.lastIndexOf(Buffer.from([0xff, 0xda])));

describe("metadata removal on upload", () => {
  it("removes GPS (the thumbnail's too), serials and owner; keeps orientation and the picture", async () => {
    const photo = await cameraJpeg({ width: 320, height: 240 });
    const { code, stdout, stderr } = await send({ "IMG_0001.jpg": photo }, "--json");
    expect(code).toBe(0);
    const sent = JSON.parse(stdout) as Sent;
    const uploaded = stored(sent);
    expect(await exifr.gps(uploaded).catch(() => undefined)).toBeUndefined();
    const thumbnail = await exifr.thumbnail(uploaded);
    expect(thumbnail).toBeUndefined();
    for (const secret of [IDENTITY.serial, IDENTITY.owner, PLACE.city, PLACE.xmpLatitude]) {
      expect(uploaded.includes(Buffer.from(secret))).toBe(false);
    }
    expect((await exifr.parse(uploaded, ["Orientation"]))?.Orientation).toMatch(/90 CW|^6$/);
    expect(scanData(uploaded).equals(scanData(photo))).toBe(true);
    // The user's own file is untouched.
    expect(sha256(await readFile(path.join(bed.dir, "IMG_0001.jpg")))).toBe(sha256(photo));
    expect(stderr).toBe("");
  });
});
