import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import exifr from "exifr";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectMediaType } from "../../src/media/detect.ts";
import { convertToJpeg, resizeImage } from "../../src/media/transform.ts";
import { cameraHeic, cameraJpeg, cameraPng, IDENTITY } from "../helpers/camera.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-transform-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const put = async (name: string, bytes: Buffer) => {
  const file = path.join(dir, name);
  await writeFile(file, bytes);
  return file;
};
const typeOf = (bytes: Buffer) => {
  const type = detectMediaType(bytes);
  if (!type) throw new Error("undetected");
  return type;
};
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** The mean colour of the top-left quarter of an upright decoded picture (the bright corner). */
async function cornerIsBright(file: string): Promise<boolean> {
  const { data, info } = await sharp(file).autoOrient().raw().toBuffer({ resolveWithObject: true });
  const at =
    (Math.floor(info.height / 16) * info.width + Math.floor(info.width / 16)) * info.channels;
  return (data[at + 2] ?? 0) > 150;
}

describe("convertToJpeg", () => {
  it("turns a HEIC into a decodable JPEG, upright (irot applied), without metadata", async () => {
    const heic = cameraHeic();
    const source = await put("phone.heic", heic);
    const destination = path.join(dir, "phone-converted.jpg");
    const result = await convertToJpeg(source, destination, { quality: 80 });
    // The HEIC is 96×64 with irot 270° (EXIF orientation 6): it displays 64×96.
    expect(result).toMatchObject({ width: 64, height: 96, quality: 80 });
    const output = await readFile(destination);
    expect(result.bytes).toBe(output.length);
    expect(detectMediaType(output)?.mime).toBe("image/jpeg");
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([64, 96, "jpeg"]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(output.includes(IDENTITY.serial)).toBe(false);
    expect(sha256(await readFile(source))).toBe(sha256(heic));
    // After rotating 90° clockwise, the bright top-left corner of the coded picture is top-right.
    const { data, info } = await sharp(output).raw().toBuffer({ resolveWithObject: true });
    const blue = (x: number, y: number) => data[(y * info.width + x) * info.channels + 2] ?? 0;
    expect(blue(info.width - 4, 4)).toBeGreaterThan(150);
    expect(blue(4, 4)).toBeLessThan(150);
  });

  it("carries the HEIC's EXIF over with --keep-metadata, orientation reset to 1", async () => {
    const source = await put("keep.heic", cameraHeic());
    const destination = path.join(dir, "keep.jpg");
    await convertToJpeg(source, destination, { keepMetadata: true });
    const output = await readFile(destination);
    const tags = await exifr.parse(output, { gps: true });
    expect(tags.Orientation === 1 || tags.Orientation === "Horizontal (normal)").toBe(true);
    expect(tags.latitude).toBeCloseTo(48.858, 2);
    expect((await sharp(output).metadata()).width).toBe(64);
  });

  it("converts other images too (PNG with alpha flattened), applying EXIF orientation", async () => {
    const png = await sharp({
      create: { width: 40, height: 20, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    const source = await put("alpha.png", png);
    const result = await convertToJpeg(source, path.join(dir, "alpha.jpg"));
    expect(result).toMatchObject({ width: 40, height: 20, quality: 90 });
    const { data } = await sharp(path.join(dir, "alpha.jpg"))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect(data[0]).toBeGreaterThan(240); // transparent became white

    const jpeg = await cameraJpeg({ width: 60, height: 40 });
    const rotated = await convertToJpeg(await put("o6.jpg", jpeg), path.join(dir, "o6-out.jpg"));
    expect([rotated.width, rotated.height]).toEqual([40, 60]);
  });
});

describe("resizeImage", () => {
  it("bounds the long edge, applies orientation 6 and strips metadata", async () => {
    const jpeg = await cameraJpeg({ width: 300, height: 200 });
    const source = await put("big.jpg", jpeg);
    const destination = path.join(dir, "big-small.jpg");
    const result = await resizeImage(source, destination, 150, typeOf(jpeg));
    // 300×200 with orientation 6 displays 200×300; bounded to 150 on the long edge.
    expect(result).toMatchObject({ width: 100, height: 150, resized: true, mime: "image/jpeg" });
    const output = await readFile(destination);
    expect(result.bytes).toBe(output.length);
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height]).toEqual([100, 150]);
    expect(meta.orientation ?? 1).toBe(1);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(output.includes(IDENTITY.owner)).toBe(false);
    expect(await cornerIsBright(destination)).toBe(false); // the bright corner moved right
    expect(sha256(await readFile(source))).toBe(sha256(jpeg));
  });

  it("keeps metadata when asked, with orientation no longer applied twice", async () => {
    const jpeg = await cameraJpeg({ width: 300, height: 200 });
    const source = await put("keep.jpg", jpeg);
    const destination = path.join(dir, "keep-small.jpg");
    await resizeImage(source, destination, 150, typeOf(jpeg), { keepMetadata: true });
    const output = await readFile(destination);
    const meta = await sharp(output).metadata();
    expect([meta.width, meta.height]).toEqual([100, 150]);
    expect(meta.orientation ?? 1).toBe(1);
    const gps = await exifr.gps(output);
    expect(gps?.latitude).toBeCloseTo(48.858, 2);
  });

  it("copies a picture already within the bound, still without its metadata", async () => {
    const jpeg = await cameraJpeg({ width: 90, height: 60 });
    const source = await put("small.jpg", jpeg);
    const destination = path.join(dir, "small-out.jpg");
    const result = await resizeImage(source, destination, 500, typeOf(jpeg));
    expect(result).toMatchObject({ width: 60, height: 90, resized: false, mime: "image/jpeg" });
    const output = await readFile(destination);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(await exifr.orientation(output)).toBe(6);

    const kept = path.join(dir, "small-kept.jpg");
    await resizeImage(source, kept, 500, typeOf(jpeg), { keepMetadata: true });
    expect(sha256(await readFile(kept))).toBe(sha256(jpeg));
  });

  it("resizes PNG as PNG and HEIC as JPEG", async () => {
    const png = await cameraPng();
    const pngResult = await resizeImage(
      await put("p.png", png),
      path.join(dir, "p-out.png"),
      48,
      typeOf(png),
    );
    expect(pngResult).toMatchObject({ width: 32, height: 48, resized: true, mime: "image/png" });
    expect((await readFile(path.join(dir, "p-out.png"))).includes("GPS")).toBe(false);

    const heic = cameraHeic();
    const heicResult = await resizeImage(
      await put("h.heic", heic),
      path.join(dir, "h-out.jpg"),
      48,
      typeOf(heic),
    );
    expect(heicResult).toMatchObject({ width: 32, height: 48, resized: true, mime: "image/jpeg" });
    const meta = await sharp(path.join(dir, "h-out.jpg")).metadata();
    expect([meta.width, meta.height, meta.format]).toEqual([32, 48, "jpeg"]);
  });

  it("refuses videos and impossible sizes", async () => {
    const jpeg = await cameraJpeg();
    const source = await put("x.jpg", jpeg);
    await expect(resizeImage(source, path.join(dir, "x-out.jpg"), 0, typeOf(jpeg))).rejects.toThrow(
      /whole number/,
    );
    await expect(
      resizeImage(source, path.join(dir, "x-out.mp4"), 100, {
        mime: "video/mp4",
        label: "MP4 video",
        video: true,
      }),
    ).rejects.toThrow(/videos/);
  });
});
