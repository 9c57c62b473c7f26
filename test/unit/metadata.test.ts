import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdtemp, open, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import exifr from "exifr";
import decodeHeic from "heic-decode";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectMediaType, type MediaType } from "../../src/media/detect.ts";
import { removeMetadata } from "../../src/media/metadata.ts";
import {
  box,
  cameraGif,
  cameraHeic,
  cameraJpeg,
  cameraPng,
  cameraVideo,
  cameraWebp,
  exifBlock,
  findBox,
  IDENTITY,
  insertJpegSegments,
  PLACE,
  rationalBytes,
  tiff,
  VIDEO_DEVICE,
  videoWithHeaderTimes,
} from "../helpers/camera.ts";
import { jpegBytes, mp4Bytes, pngBytes } from "../helpers/media.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-metadata-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");
const typeOf = (bytes: Buffer): MediaType => {
  const type = detectMediaType(bytes);
  if (!type) throw new Error("the test file was not recognised");
  return type;
};

let counter = 0;
/** Writes `bytes`, removes metadata into a second file, and returns both with the result. */
async function strip(bytes: Buffer, name = "photo") {
  counter += 1;
  const source = path.join(dir, `${counter}-${name}`);
  const destination = path.join(dir, `${counter}-stripped-${name}`);
  await writeFile(source, bytes);
  const result = await removeMetadata(source, destination, typeOf(bytes));
  const output = await readFile(destination);
  expect(sha256(await readFile(source)), "the source file must not change").toBe(sha256(bytes));
  return { result, output, source, destination };
}

/** Everything that would locate or identify the sender, as bytes that must not survive. */
const SECRETS = [
  PLACE.city,
  PLACE.xmpLatitude,
  PLACE.iso6709,
  IDENTITY.owner,
  IDENTITY.serial,
  IDENTITY.lensSerial,
  IDENTITY.makerSerial,
  IDENTITY.uniqueId,
  IDENTITY.comment,
];
const GPS_BYTES = [
  rationalBytes(PLACE.latitude[2], 100),
  rationalBytes(PLACE.longitude[2], 100),
  rationalBytes(PLACE.thumbnailLatitude[2], 100),
];

function expectNoSecrets(output: Buffer, { exifValues = true } = {}) {
  for (const secret of SECRETS) expect(output.includes(secret), secret).toBe(false);
  if (exifValues) {
    for (const bytes of GPS_BYTES)
      expect(output.includes(bytes), bytes.toString("hex")).toBe(false);
  }
}

function expectSecretsIn(input: Buffer) {
  // The fixtures really carry what the tests say is removed.
  for (const secret of SECRETS.filter((s) => s !== PLACE.iso6709)) {
    expect(input.includes(secret), secret).toBe(true);
  }
  for (const bytes of GPS_BYTES) expect(input.includes(bytes)).toBe(true);
}

/** The bytes from the first SOS marker to the end-of-image marker, walked independently. */
function jpegScan(jpeg: Buffer): Buffer {
  let at = 2;
  while (jpeg[at] === 0xff && jpeg[at + 1] !== 0xda) at += 2 + jpeg.readUInt16BE(at + 2);
  const end = jpeg.indexOf(Buffer.from([0xff, 0xd9]), at);
  return jpeg.subarray(at, end + 2);
}

function pngChunks(png: Buffer, type: string): Buffer {
  const parts: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString("latin1", at + 4, at + 8) === type)
      parts.push(png.subarray(at, at + 12 + length));
    at += 12 + length;
  }
  return Buffer.concat(parts);
}

function riffChunks(webp: Buffer): Map<string, Buffer> {
  const chunks = new Map<string, Buffer>();
  for (let at = 12; at + 8 <= webp.length; ) {
    const size = webp.readUInt32LE(at + 4);
    chunks.set(webp.toString("latin1", at, at + 4), webp.subarray(at, at + 8 + size));
    at += 8 + size + (size % 2);
  }
  return chunks;
}

/** A TIFF/EXIF block wrapped in a minimal JPEG, for reading with exifr. */
function exifAsJpeg(block: Buffer): Buffer {
  const payload = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), block]);
  const header = Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 4);
  return Buffer.concat([header, payload, Buffer.from([0xff, 0xd9])]);
}

const pixelsOf = async (bytes: Buffer) => sha256(await sharp(bytes).raw().toBuffer());

describe("removeMetadata: JPEG", () => {
  it("removes GPS, serials, owner, maker note, XMP, IPTC, comment and the thumbnail's GPS", async () => {
    const input = await cameraJpeg();
    expectSecretsIn(input);
    expect((await exifr.gps(input))?.latitude).toBeCloseTo(48.858, 2);
    const thumbnail = await exifr.thumbnail(input);
    expect(thumbnail && (await exifr.gps(Buffer.from(thumbnail)))?.latitude).toBeCloseTo(48.858, 2);

    const { result, output } = await strip(input, "camera.jpg");
    expect(result.locationRemoved).toBe(true);
    expect(result.notRemoved).toBeUndefined();
    expect(result.removed).toEqual(
      expect.arrayContaining([
        "GPS location",
        "XMP location",
        "IPTC location",
        "camera serial number",
        "lens serial number",
        "owner name",
        "camera maker notes",
        "unique image ID",
        "embedded thumbnail",
        "description and comments",
      ]),
    );
    expect(result.removed[0]).toBe("GPS location");

    expectNoSecrets(output);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(await exifr.thumbnail(output)).toBeUndefined();
    const tags = await exifr.parse(output, {
      tiff: true,
      ifd1: true,
      xmp: true,
      iptc: true,
      makerNote: true,
      userComment: true,
      translateValues: false,
    });
    expect(tags).toMatchObject({ Orientation: 6, ColorSpace: 1 });
    for (const name of [
      "Make",
      "Model",
      "Artist",
      "Copyright",
      "OwnerName",
      "SerialNumber",
      "MakerNote",
      "City",
    ]) {
      expect(tags[name], name).toBeUndefined();
    }
  });

  it("copies the entropy-coded scan data byte for byte: the pixels are the pixels taken", async () => {
    const input = await cameraJpeg({ width: 320, height: 240 });
    const { output } = await strip(input, "scan.jpg");
    expect(jpegScan(output).equals(jpegScan(input))).toBe(true);
    expect(output.subarray(-2).equals(Buffer.from([0xff, 0xd9]))).toBe(true);
    expect(await pixelsOf(output)).toBe(await pixelsOf(input));
    expect(output.length).toBeLessThan(input.length);
  });

  it("keeps orientation 6 so the photo still displays upright", async () => {
    const { output } = await strip(await cameraJpeg({ width: 60, height: 40 }), "upright.jpg");
    expect(await exifr.orientation(output)).toBe(6);
    const meta = await sharp(output).metadata();
    expect(meta.orientation).toBe(6);
    expect(meta.autoOrient).toEqual({ width: 40, height: 60 });
  });

  it("reads little-endian EXIF too", async () => {
    const picture = await sharp({
      create: { width: 8, height: 8, channels: 3, background: "#808080" },
    })
      .jpeg()
      .toBuffer();
    const exif = Buffer.concat([
      Buffer.from("Exif\0\0", "latin1"),
      exifBlock({ littleEndian: true }),
    ]);
    const header = Buffer.from([0xff, 0xe1, 0, 0]);
    header.writeUInt16BE(exif.length + 2, 2);
    const input = insertJpegSegments(picture, [Buffer.concat([header, exif])]);
    expect(input.includes(rationalBytes(PLACE.latitude[2], 100, true))).toBe(true);
    const { result, output } = await strip(input, "le.jpg");
    expect(result.locationRemoved).toBe(true);
    expect(output.includes(rationalBytes(PLACE.latitude[2], 100, true))).toBe(false);
    expect(await exifr.orientation(output)).toBe(6);
    const exifAt = output.indexOf("Exif\0\0", 0, "latin1");
    expect(output.toString("latin1", exifAt + 6, exifAt + 8)).toBe("II");
  });

  it("leaves a photo with nothing identifying byte-identical, and says no location was removed", async () => {
    const clean = await cameraJpeg({ clean: true });
    const { result, output } = await strip(clean, "clean.jpg");
    expect(result).toEqual({ removed: [], locationRemoved: false });
    expect(output.equals(clean)).toBe(true);
  });

  it("says locationRemoved: false when there was identifying data but no location", async () => {
    const picture = await sharp({
      create: { width: 8, height: 8, channels: 3, background: "#808080" },
    })
      .jpeg()
      .toBuffer();
    const exif = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), exifBlock({ gps: false })]);
    const header = Buffer.from([0xff, 0xe1, 0, 0]);
    header.writeUInt16BE(exif.length + 2, 2);
    const { result, output } = await strip(
      insertJpegSegments(picture, [Buffer.concat([header, exif])]),
    );
    expect(result.locationRemoved).toBe(false);
    expect(result.removed).toContain("camera serial number");
    expect(result.removed).not.toContain("GPS location");
    expect(output.includes(IDENTITY.serial)).toBe(false);
  });

  it("keeps zero padding after the image but drops other appended data", async () => {
    const padded = Buffer.concat([jpegBytes(4096), Buffer.alloc(100_000)]);
    const kept = await strip(padded, "padded.jpg");
    expect(kept.output.equals(padded)).toBe(true);
    expect(kept.result.removed).toEqual([]);

    const base = await cameraJpeg({ clean: true });
    const appended = Buffer.concat([base, Buffer.from(`motion photo from ${PLACE.city}`)]);
    const dropped = await strip(appended, "appended.jpg");
    expect(dropped.output.equals(base)).toBe(true);
    expect(dropped.result.removed).toEqual(["data appended after the image"]);
  });

  it("copies a JPEG cut off inside its scan data as it is, after cleaning its headers", async () => {
    const whole = await cameraJpeg({ width: 200, height: 150 });
    const cut = whole.subarray(0, whole.length - 100);
    const { result, output } = await strip(cut, "cut.jpg");
    expect(result.locationRemoved).toBe(true);
    expectNoSecrets(output);
    const scanIn = cut.subarray(cut.indexOf(jpegScan(whole).subarray(0, 64)));
    expect(output.subarray(output.length - scanIn.length).equals(scanIn)).toBe(true);
  });

  it("keeps an MPF secondary image (gain map) at its corrected offset, its own GPS blanked", async () => {
    const primary = await cameraJpeg();
    const secondaryPicture = await sharp({
      create: { width: 16, height: 16, channels: 3, background: "#404040" },
    })
      .jpeg()
      .toBuffer();
    const secondaryExif = Buffer.concat([
      Buffer.from("Exif\0\0", "latin1"),
      exifBlock({ identity: false }),
    ]);
    const exifHeader = Buffer.from([0xff, 0xe1, 0, 0]);
    exifHeader.writeUInt16BE(secondaryExif.length + 2, 2);
    const secondary = insertJpegSegments(secondaryPicture, [
      Buffer.concat([exifHeader, secondaryExif]),
    ]);

    // An MP index: two entries (primary at offset 0, secondary after the primary's EOI).
    const mpf = (offset: number, primaryLength: number) => {
      const entries = Buffer.alloc(32);
      entries.writeUInt32BE(0x030000, 0);
      entries.writeUInt32BE(primaryLength, 4);
      entries.writeUInt32BE(0x010001, 16);
      entries.writeUInt32BE(secondary.length, 20);
      entries.writeUInt32BE(offset, 24);
      const body = Buffer.concat([
        Buffer.from("MPF\0", "latin1"),
        tiff({
          entries: [
            [0xb000, { undefined: Buffer.from("0100", "latin1") }],
            [0xb001, { long: [2] }],
            [0xb002, { undefined: entries }],
          ],
        }),
      ]);
      const header = Buffer.from([0xff, 0xe2, 0, 0]);
      header.writeUInt16BE(body.length + 2, 2);
      return Buffer.concat([header, body]);
    };
    // The MPF segment goes after the EXIF/XMP/IPTC/COM segments, as cameras write it.
    let segmentAt = 2;
    while (primary[segmentAt + 1] !== 0xdb) segmentAt += 2 + primary.readUInt16BE(segmentAt + 2);
    const placeholder = mpf(0, 0);
    const primaryLength = primary.length + placeholder.length;
    const offset = primaryLength - (segmentAt + 8);
    const input = Buffer.concat([
      primary.subarray(0, segmentAt),
      mpf(offset, primaryLength),
      primary.subarray(segmentAt),
      secondary,
    ]);
    expect(input.subarray(segmentAt + 8 + offset, segmentAt + 10 + offset).toString("hex")).toBe(
      "ffd8",
    );

    const { result, output } = await strip(input, "mpf.jpg");
    expect(result.locationRemoved).toBe(true);
    expectNoSecrets(output);
    const mpfAt = output.indexOf(Buffer.from("MPF\0", "latin1"));
    const header = mpfAt + 4;
    const ifd = header + output.readUInt32BE(header + 4);
    let entriesAt = 0;
    for (let n = 0; n < output.readUInt16BE(ifd); n++) {
      const entry = ifd + 2 + n * 12;
      if (output.readUInt16BE(entry) === 0xb002)
        entriesAt = header + output.readUInt32BE(entry + 8);
    }
    const newOffset = output.readUInt32BE(entriesAt + 24);
    const start = header + newOffset;
    const kept = output.subarray(start, start + secondary.length);
    expect(kept.subarray(0, 2).toString("hex")).toBe("ffd8");
    expect(jpegScan(kept).equals(jpegScan(secondary))).toBe(true);
    expect(await exifr.gps(kept).catch(() => undefined)).toBeUndefined();
    expect(await exifr.orientation(kept)).toBe(6);
    expect(kept.length).toBe(secondary.length);
  });

  it("accepts the structurally valid JPEG/PNG/MP4 the other tests upload, unchanged", async () => {
    for (const [name, bytes] of [
      ["a.jpg", jpegBytes()],
      ["tiny.jpg", jpegBytes(300)],
      ["b.jpg", jpegBytes(3_000_000)],
      ["c.png", pngBytes()],
      ["d.png", pngBytes(3000)],
      ["e.mp4", mp4Bytes()],
    ] as const) {
      expect(bytes.length).toBe(name === "tiny.jpg" ? Math.max(300, bytes.length) : bytes.length);
      const { result, output } = await strip(bytes, name);
      expect(result, name).toEqual({ removed: [], locationRemoved: false });
      expect(output.equals(bytes), name).toBe(true);
    }
    expect(jpegBytes(5000).length).toBe(5000);
    expect(pngBytes(3000).length).toBe(3000);
    expect(mp4Bytes(4096).length).toBe(4096);
  });
});

describe("removeMetadata: PNG, WebP, GIF", () => {
  it("PNG: drops eXIf GPS, XMP and text chunks; IDAT identical; orientation kept", async () => {
    const input = await cameraPng();
    expect((await exifr.gps(input))?.latitude).toBeCloseTo(48.858, 2);
    const { result, output } = await strip(input, "camera.png");
    expect(result.locationRemoved).toBe(true);
    expect(result.removed).toEqual(
      expect.arrayContaining(["GPS location", "XMP location", "owner name"]),
    );
    expectNoSecrets(output);
    expect(pngChunks(output, "IDAT").equals(pngChunks(input, "IDAT"))).toBe(true);
    expect(pngChunks(output, "IHDR").equals(pngChunks(input, "IHDR"))).toBe(true);
    expect(pngChunks(output, "tEXt").length + pngChunks(output, "iTXt").length).toBe(0);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(await exifr.orientation(output)).toBe(6);
    expect(await pixelsOf(output)).toBe(await pixelsOf(input));
  });

  it("WebP: drops EXIF GPS and XMP, fixes the VP8X flags and RIFF size; image chunk identical", async () => {
    const input = await cameraWebp();
    const { result, output } = await strip(input, "camera.webp");
    expect(result.locationRemoved).toBe(true);
    expect(result.removed).toEqual(
      expect.arrayContaining(["GPS location", "XMP location", "camera serial number"]),
    );
    expectNoSecrets(output);
    const before = riffChunks(input);
    const after = riffChunks(output);
    expect(after.get("VP8 ")?.equals(before.get("VP8 ") as Buffer)).toBe(true);
    expect(after.has("XMP ")).toBe(false);
    expect(output.readUInt32LE(4)).toBe(output.length - 8);
    const flags = after.get("VP8X")?.[8] ?? 0;
    expect(flags & 0x04).toBe(0); // no XMP
    expect(flags & 0x08).toBe(0x08); // a minimal EXIF with the orientation
    const exif = after.get("EXIF") as Buffer;
    const orientation = await exifr.orientation(exifAsJpeg(exif.subarray(8)));
    expect(orientation).toBe(6);
    expect(await pixelsOf(output)).toBe(await pixelsOf(input));
  });

  it("GIF: drops comments and the XMP application extension; pixels identical", async () => {
    const input = await cameraGif();
    expect(input.includes(PLACE.city)).toBe(true);
    const { result, output } = await strip(input, "camera.gif");
    expect(result).toEqual({
      removed: ["XMP location", "description and comments"],
      locationRemoved: true,
    });
    expectNoSecrets(output);
    expect(await pixelsOf(output)).toBe(await pixelsOf(input));
  });
});

describe("removeMetadata: HEIC", () => {
  it("blanks the Exif and XMP items in place: same size, same coded picture, irot kept", async () => {
    const input = cameraHeic();
    expect((await exifr.gps(input))?.latitude).toBeCloseTo(48.858, 2);
    expectSecretsIn(input);
    const { result, output } = await strip(input, "phone.heic");
    expect(result.locationRemoved).toBe(true);
    expect(result.removed).toEqual(
      expect.arrayContaining([
        "GPS location",
        "XMP location",
        "camera serial number",
        "owner name",
        "embedded thumbnail",
      ]),
    );
    expectNoSecrets(output);
    expect(output.length).toBe(input.length);
    expect(await exifr.gps(output).catch(() => undefined)).toBeUndefined();
    expect(await exifr.orientation(output)).toBe(6);
    expect(
      findBox(output, ["meta", "iprp", "ipco", "irot"])?.equals(
        findBox(input, ["meta", "iprp", "ipco", "irot"]) as Buffer,
      ),
    ).toBe(true);
    expect(
      findBox(output, ["meta", "iloc"])?.equals(findBox(input, ["meta", "iloc"]) as Buffer),
    ).toBe(true);
    const decodedIn = await decodeHeic({ buffer: input });
    const decodedOut = await decodeHeic({ buffer: output });
    expect([decodedOut.width, decodedOut.height]).toEqual([decodedIn.width, decodedIn.height]);
    expect(sha256(Buffer.from(decodedOut.data))).toBe(sha256(Buffer.from(decodedIn.data)));
  });

  it("leaves a HEIC without metadata byte-identical", async () => {
    const input = cameraHeic({ exif: false, xmp: false });
    const { result, output } = await strip(input, "bare.heic");
    expect(result).toEqual({ removed: [], locationRemoved: false });
    expect(output.equals(input)).toBe(true);
  });
});

describe("removeMetadata: MP4 and MOV", () => {
  it("frees the location atoms in place (udta ©xyz, mdta location keys): same size, same media data", async () => {
    const input = cameraVideo();
    expect(input.includes(PLACE.iso6709)).toBe(true);
    expect(input.includes("com.apple.quicktime.location.ISO6709")).toBe(true);
    const { result, output } = await strip(input, "clip.mp4");
    expect(result).toEqual({
      removed: ["video location", "camera make and model", "software name", "date and time taken"],
      locationRemoved: true,
    });
    expect(output.length).toBe(input.length);
    expect(output.includes(PLACE.iso6709)).toBe(false);
    expect(output.includes("+48.8582")).toBe(false);
    expect(output.includes("quicktime.location")).toBe(false);
    expect(findBox(output, ["mdat"])?.equals(findBox(input, ["mdat"]) as Buffer)).toBe(true);
    // The movie box still parses.
    expect(findBox(output, ["moov", "udta", "free"])).toBeDefined();
  });

  it.each([
    ["MP4", false, "clip.mp4"],
    ["MOV", true, "clip.mov"],
  ])(
    "%s: make, model, software and creation date go too, as from a photo (udta atoms and QuickTime keys)",
    async (_, quicktime, name) => {
      const input = cameraVideo({ quicktime, location: false });
      for (const text of [
        IDENTITY.make,
        IDENTITY.model,
        VIDEO_DEVICE.software,
        VIDEO_DEVICE.date,
      ]) {
        expect(input.includes(text)).toBe(true);
      }
      const { result, output } = await strip(input, name);
      expect(result).toEqual({
        removed: ["camera make and model", "software name", "date and time taken"],
        locationRemoved: false,
      });
      for (const text of [
        IDENTITY.make,
        IDENTITY.model,
        VIDEO_DEVICE.software,
        VIDEO_DEVICE.date,
        "com.apple.quicktime",
      ]) {
        expect(output.includes(text)).toBe(false);
      }
      for (const atom of ["©mak", "©mod", "©swr", "©day"]) {
        expect(output.includes(Buffer.from(atom, "latin1"))).toBe(false);
      }
      // Blanked in place: same size, same media data, and the boxes still nest.
      expect(output.length).toBe(input.length);
      expect(findBox(output, ["mdat"])?.equals(findBox(input, ["mdat"]) as Buffer)).toBe(true);
      expect(findBox(output, ["moov", "udta", "free"])).toBeDefined();
      expect(findBox(output, ["moov", "meta"])).toBeDefined();
    },
  );

  it("movie, track and media headers lose when the video was taken (version 0 and 1 times)", async () => {
    const input = videoWithHeaderTimes();
    const { result, output } = await strip(input, "times.mp4");
    expect(result).toEqual({ removed: ["date and time taken"], locationRemoved: false });
    expect(output.length).toBe(input.length);
    for (const [path, width] of [
      [["moov", "mvhd"], 4],
      [["moov", "trak", "tkhd"], 8],
      [["moov", "trak", "mdia", "mdhd"], 4],
    ] as const) {
      const before = findBox(input, [...path]) as Buffer;
      const after = findBox(output, [...path]) as Buffer;
      expect(before.subarray(12, 12 + 2 * width).some((byte) => byte !== 0)).toBe(true);
      expect(after.subarray(12, 12 + 2 * width).every((byte) => byte === 0)).toBe(true);
      // Version, flags and everything after the times are untouched.
      expect(after.subarray(0, 12).equals(before.subarray(0, 12))).toBe(true);
      expect(after.subarray(12 + 2 * width).equals(before.subarray(12 + 2 * width))).toBe(true);
    }
    expect(findBox(output, ["mdat"])?.equals(findBox(input, ["mdat"]) as Buffer)).toBe(true);
  });

  it("MOV: says plainly that a GPS track inside the media data can't be removed", async () => {
    const { result, output } = await strip(
      cameraVideo({ quicktime: true, gpsTrack: true }),
      "clip.mov",
    );
    expect(result.locationRemoved).toBe(false);
    expect(result.notRemoved).toMatch(/GPS|location/);
    expect(result.notRemoved).toMatch(/cannot remove/);
    expect(output.includes(PLACE.iso6709)).toBe(false);
  });

  it("leaves a video with nothing to remove unchanged (a copy stripped again)", async () => {
    const input = (await strip(cameraVideo(), "once.mp4")).output;
    const { result, output } = await strip(input, "plain.mp4");
    expect(result).toEqual({ removed: [], locationRemoved: false });
    expect(output.equals(input)).toBe(true);
  });

  it("streams a 300 MB video with bounded memory (measured in a child process)", async () => {
    const source = path.join(dir, "big.mp4");
    const destination = path.join(dir, "big-stripped.mp4");
    const size = 300 * 1024 * 1024;
    const head = cameraVideo({ mediaBytes: 0 });
    const mdat = head.length - 8;
    const file = await open(source, "w");
    await file.write(head);
    await file.close();
    await truncate(source, size);
    // Grow the mdat box to cover the (sparse, zero) rest of the file.
    const fix = await open(source, "r+");
    const sizeField = Buffer.alloc(4);
    sizeField.writeUInt32BE(size - mdat);
    await fix.write(sizeField, 0, 4, mdat);
    await fix.close();

    const script = path.join(dir, "child.mjs");
    const module = pathToFileURL(path.resolve("src/media/metadata.ts")).href;
    await writeFile(
      script,
      `import { removeMetadata } from ${JSON.stringify(module)};
const before = process.memoryUsage().rss;
const result = await removeMetadata(process.argv[2], process.argv[3], { mime: "video/mp4", label: "MP4 video", video: true });
const peak = process.resourceUsage().maxRSS * 1024;
process.stdout.write(JSON.stringify({ result, before, peak }));`,
    );
    const child = spawn(process.execPath, [script, source, destination], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    const code = await new Promise((resolve) => child.on("close", resolve));
    expect(code).toBe(0);
    const { result, before, peak } = JSON.parse(stdout);
    expect(result).toEqual({
      removed: ["video location", "camera make and model", "software name", "date and time taken"],
      locationRemoved: true,
    });
    expect((await stat(destination)).size).toBe(size);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    await rm(destination);
    await rm(source);
  }, 120_000);
});

describe("removeMetadata: failures", () => {
  it.each([
    [
      "a JPEG cut off in its headers",
      async () => (await cameraJpeg()).subarray(0, 300),
      /JPEG.*damaged.*past the end/,
    ],
    [
      "a JPEG with garbage where a marker should be",
      async () =>
        Buffer.concat([
          Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0x12, 0x34]),
          Buffer.alloc(64),
        ]),
      /JPEG.*expected a marker at byte 8/,
    ],
    [
      "a PNG whose chunk runs past the end",
      async () => (await cameraPng()).subarray(0, 500),
      /PNG.*runs past the end/,
    ],
    [
      "a WebP whose RIFF size is too large",
      async () => (await cameraWebp()).subarray(0, 200),
      /WebP.*RIFF size/,
    ],
    [
      "an MP4 whose box runs past the end",
      async () => cameraVideo().subarray(0, 100),
      /MP4 video.*runs past the end/,
    ],
    ["a HEIC cut short", async () => cameraHeic().subarray(0, 200), /HEIC.*past the end/],
    ["a GIF cut short", async () => (await cameraGif()).subarray(0, 20), /GIF.*past the end/],
  ])("throws a named error for %s and leaves no copy behind", async (_label, make, message) => {
    const bytes = await make();
    const source = path.join(dir, `broken-${counter++}`);
    const destination = `${source}-out`;
    await writeFile(source, bytes);
    await expect(removeMetadata(source, destination, typeOf(bytes))).rejects.toThrow(message);
    await expect(access(destination)).rejects.toThrow();
    expect(sha256(await readFile(source))).toBe(sha256(bytes));
  });

  it("stops when aborted and removes the partial copy", async () => {
    const source = path.join(dir, "abort.mp4");
    const destination = path.join(dir, "abort-out.mp4");
    await writeFile(source, cameraVideo({ mediaBytes: 64 * 1024 * 1024 }));
    const controller = new AbortController();
    const pending = removeMetadata(source, destination, typeOf(mp4Bytes()), controller.signal);
    setTimeout(() => controller.abort(), 5);
    await expect(pending).rejects.toThrow(/abort/i);
    await expect(access(destination)).rejects.toThrow();
  });

  it("refuses to write over its source, and copies types it can't read with a notRemoved sentence", async () => {
    const source = path.join(dir, "same.jpg");
    await writeFile(source, jpegBytes());
    await expect(removeMetadata(source, source, typeOf(jpegBytes()))).rejects.toThrow(
      /other than its source/,
    );
    const { mime, label, video } = { mime: "application/pdf", label: "PDF", video: false };
    const result = await removeMetadata(source, `${source}.pdf`, { mime, label, video });
    expect(result.notRemoved).toMatch(/can't read the metadata of PDF files/);
    expect(result.locationRemoved).toBe(false);
  });

  it("reads a box the file declares with a 64-bit size", async () => {
    const large = Buffer.concat([
      box("ftyp", Buffer.from("isom\0\0\0\0isom")),
      Buffer.from([0, 0, 0, 1]),
      Buffer.from("mdat"),
      Buffer.from([0, 0, 0, 0, 0, 0, 0, 32]),
      Buffer.alloc(16),
    ]);
    const { result, output } = await strip(large, "large.mp4");
    expect(result.removed).toEqual([]);
    expect(output.equals(large)).toBe(true);
  });
});
