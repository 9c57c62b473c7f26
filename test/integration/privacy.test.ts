// Photos leave the machine without their location (DESIGN.md §3), checked on what the
// provider actually stores, in-process.

import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import exifr from "exifr";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import {
  cameraHeic,
  cameraJpeg,
  cameraVideo,
  IDENTITY,
  PLACE,
  VIDEO_DEVICE,
} from "../helpers/camera.ts";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const bed = useDropboxTestbed({ token: "privacy-token", runner: "in-process" });
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

interface Sent {
  files: { remotePath: string }[];
}

/**
 * Sends in-process. That dmshare's private copies are gone afterwards is checked through the
 * binary, with a TMPDIR of its own: test/e2e/privacy.test.ts.
 */
async function send(files: Record<string, Buffer>, ...args: string[]) {
  await writeFiles(bed.dir, files);
  return bed.dmshare(["send", ...Object.keys(files), "--via", "dropbox", "--no-copy", ...args]);
}

const stored = (sent: Sent, index = 0) =>
  bed.emulator.readFile(sent.files[index]?.remotePath ?? "") ?? Buffer.alloc(0);

describe("metadata removal on upload", () => {
  it('says "location data removed" only when there was location data', async () => {
    const withGps = await send({ "gps.jpg": await cameraJpeg() });
    expect(withGps.code).toBe(0);
    expect(withGps.stderr).toMatch(/Uploaded gps\.jpg \([^)]*location data removed\)/);
    const plain = await send({ "plain.jpg": await cameraJpeg({ clean: true }) });
    expect(plain.code).toBe(0);
    expect(plain.stderr).toMatch(/Uploaded plain\.jpg/);
    expect(plain.stderr).not.toMatch(/location/);
  });

  it("--keep-metadata and `config set metadata keep` upload the file as it is", async () => {
    const photo = await cameraJpeg();
    const kept = await send({ "keep.jpg": photo }, "--keep-metadata", "--json");
    expect(kept.code).toBe(0);
    expect(stored(JSON.parse(kept.stdout)).equals(photo)).toBe(true);
    expect(kept.stderr).not.toMatch(/location/);

    expect((await bed.dmshare(["config", "set", "metadata", "keep"])).code).toBe(0);
    const configured = await send({ "keep2.jpg": await cameraJpeg() }, "--json");
    expect((await exifr.gps(stored(JSON.parse(configured.stdout))))?.latitude).toBeCloseTo(
      48.858,
      2,
    );
    const refused = await bed.dmshare(["config", "set", "metadata", "sometimes"]);
    expect(refused.code).toBe(2);
  });

  it("removes a video's location, make, model, software and date in place", async () => {
    const video = cameraVideo();
    const { code, stdout, stderr } = await send({ "clip.mp4": video }, "--json");
    expect(code).toBe(0);
    const uploaded = stored(JSON.parse(stdout));
    expect(uploaded.length).toBe(video.length);
    expect(uploaded.includes(Buffer.from(PLACE.iso6709))).toBe(false);
    for (const text of [IDENTITY.make, IDENTITY.model, VIDEO_DEVICE.software, VIDEO_DEVICE.date]) {
      expect(uploaded.includes(Buffer.from(text))).toBe(false);
    }
    expect(stderr).toBe("");
  });

  it("a video whose GPS is a track in the media data is refused, never sent with a warning", async () => {
    const before = bed.emulator.listFiles().length;
    const { code, stdout, stderr } = await send({
      "GOPR0001.mov": cameraVideo({ quicktime: true, gpsTrack: true }),
    });
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("GOPR0001.mov");
    expect(stderr).toMatch(/GPS track/);
    expect(stderr).toContain("--keep-metadata");
    expect(bed.emulator.listFiles()).toHaveLength(before);
  });

  it("--convert jpeg turns a HEIC into an upright JPEG without metadata, and says it re-encoded", async () => {
    const { code, stdout, stderr } = await send(
      { "IMG_0002.HEIC": cameraHeic() },
      "--convert",
      "jpeg",
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/converted from HEIC to JPEG \(quality \d+, 64×96\)/);
    expect(stderr).toMatch(/location data removed/);
    expect(stdout).toMatch(/IMG_0002\.jpg/);
    const [file] = bed.emulator
      .listFiles()
      .filter((each) => each.pathDisplay.endsWith("IMG_0002.jpg"));
    const uploaded = bed.emulator.readFile(file?.pathDisplay ?? "") ?? Buffer.alloc(0);
    expect(await sharp(uploaded).metadata()).toMatchObject({
      format: "jpeg",
      width: 64,
      height: 96,
    });
    expect(await exifr.gps(uploaded).catch(() => undefined)).toBeUndefined();
  });

  it("--resize bounds the long edge", async () => {
    const { code, stderr } = await send(
      { "big.jpg": await cameraJpeg({ width: 640, height: 480 }) },
      "--resize",
      "200",
    );
    expect(code).toBe(0);
    expect(stderr).toMatch(/resized to 150×200/);
    const [file] = bed.emulator.listFiles().filter((each) => each.pathDisplay.endsWith("big.jpg"));
    const info = await sharp(
      bed.emulator.readFile(file?.pathDisplay ?? "") ?? undefined,
    ).metadata();
    expect(Math.max(info.width ?? 0, info.height ?? 0)).toBeLessThanOrEqual(200);
  });

  it("bad input for the media steps exits 2 and uploads nothing", async () => {
    const uploads = () => bed.emulator.requests.filter((r) => r.path.startsWith("/2/files/upload"));
    const before = uploads().length;
    const broken = Buffer.concat([jpegBytes(300).subarray(0, 2), Buffer.from([0xff, 0xe1, 0x00])]);
    const damaged = await send({ "damaged.jpg": Buffer.concat([broken, Buffer.alloc(64, 7)]) });
    expect(damaged.code).toBe(2);
    expect(damaged.stderr).toMatch(/damaged\.jpg/);
    expect(damaged.stderr).toMatch(/--keep-metadata/);
    expect((await send({ "x.jpg": jpegBytes() }, "--convert", "gif")).code).toBe(2);
    expect((await send({ "y.jpg": jpegBytes() }, "--resize", "huge")).code).toBe(2);
    expect(uploads()).toHaveLength(before);
  });

  it("names the detected type of an unsupported file; --any-file sends it as it is", async () => {
    const pdf = Buffer.from("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n");
    const refused = await send({ "notes.jpg": pdf });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /notes\.jpg: it is not a photo or video \(its content looks like a PDF\)/,
    );
    expect(refused.stderr).toMatch(/--any-file/);
    const sent = await send({ "notes.pdf": pdf }, "--any-file", "--json");
    expect(sent.code).toBe(0);
    expect(stored(JSON.parse(sent.stdout)).equals(pdf)).toBe(true);
    expect(sent.stderr).toMatch(/can't read the metadata of this kind of file/);
  });

  it("never modifies the original, even when told to convert and resize", async () => {
    const heic = cameraHeic();
    const original = path.join(bed.dir, "orig.heic");
    await writeFile(original, heic);
    const { code } = await send({}, "orig.heic", "--convert", "jpeg", "--resize", "50");
    expect(code).toBe(0);
    expect(sha256(await readFile(original))).toBe(sha256(heic));
  });
});
