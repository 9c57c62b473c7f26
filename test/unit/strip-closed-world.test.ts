/**
 * The closed-world stripper (issue 13): each structure an open-world stripper copied untouched,
 * rebuilt by the fixture generator, must come out without what it carried, or be refused.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import exifr from "exifr";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectMediaType } from "../../src/media/detect.ts";
import { MalformedMediaError, removeMetadata } from "../../src/media/metadata.ts";
import {
  APPLE_GAIN_MAP_URN,
  cameraHeic,
  cameraJpeg,
  cameraVideo,
  findBox,
  IDENTITY,
  PLACE,
  pixels,
  rationalBytes,
} from "../helpers/camera.ts";
import {
  afterSoi,
  ciffApp0,
  exifSegment,
  exifWithMisplacedGps,
  hdrgmXmp,
  locatedMp4,
  mp4WithAtXyz,
  mp4WithVendorUserData,
  mpvdBox,
  multiPicture,
  plainJpeg,
  pngChunk,
  pngWith,
  riffChunk,
  sefdBox,
  segment,
  utf16Xmp,
  webpWith,
  withHiddenMediaData,
  withItemPastEnd,
  withMetaRenamed,
  withSecondItemList,
  xmpPacket,
  xmpSegment,
} from "../helpers/hostile-media.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-closed-world-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function strip(bytes: Buffer, name: string) {
  counter += 1;
  const source = path.join(dir, `${counter}-${name}`);
  const destination = path.join(dir, `${counter}-out-${name}`);
  await writeFile(source, bytes);
  const type = detectMediaType(bytes);
  if (!type) throw new Error(`${name} was not recognised`);
  const result = await removeMetadata(source, destination, type);
  return { result, output: await readFile(destination) };
}

const LATITUDE = rationalBytes(PLACE.latitude[2], 100);
const LATITUDE_LE = rationalBytes(PLACE.latitude[2], 100, true);
const UTF16_CITY = Buffer.from(PLACE.city, "utf16le").swap16();

/** None of the test place or identity, in any encoding the fixtures use. */
function expectNothingOf(output: Buffer) {
  for (const secret of [PLACE.city, PLACE.xmpLatitude, PLACE.iso6709, IDENTITY.owner]) {
    expect(output.includes(secret), secret).toBe(false);
  }
  expect(output.includes(LATITUDE), "GPS latitude (big-endian)").toBe(false);
  expect(output.includes(LATITUDE_LE), "GPS latitude (little-endian)").toBe(false);
  expect(output.includes(UTF16_CITY), "UTF-16 city").toBe(false);
}

/** The entropy-coded data of a JPEG: from its first SOS to its first EOI. */
function scanOf(jpeg: Buffer): Buffer {
  const start = jpeg.indexOf(Buffer.from([0xff, 0xda]));
  return jpeg.subarray(start, jpeg.indexOf(Buffer.from([0xff, 0xd9]), start) + 2);
}

describe("EXIF: every IFD is walked, only the allow-list survives", () => {
  for (const where of ["exif", "interop"] as const) {
    for (const littleEndian of [false, true]) {
      it(`drops a GPS IFD whose pointer stands in the ${where} IFD (${littleEndian ? "II" : "MM"})`, async () => {
        const input = afterSoi(
          await plainJpeg(),
          exifSegment(exifWithMisplacedGps(where, littleEndian)),
        );
        expect(input.includes(littleEndian ? LATITUDE_LE : LATITUDE)).toBe(true);
        const { result, output } = await strip(input, `gps-in-${where}.jpg`);
        expectNothingOf(output);
        expect(result.locationRemoved).toBe(true);
        expect(await exifr.orientation(output)).toBe(6);
        expect(scanOf(output).equals(scanOf(input))).toBe(true);
      });
    }
  }

  it("keeps a block that holds only allow-listed tags byte-identical", async () => {
    const clean = afterSoi(await plainJpeg(), exifSegment(exifWithMisplacedGps("exif")));
    const once = (await strip(clean, "once.jpg")).output;
    const twice = (await strip(once, "twice.jpg")).output;
    expect(twice.equals(once)).toBe(true);
  });
});

describe("JPEG: only the segments that display the photo", () => {
  it("drops an APP0 that is not JFIF (a Canon CIFF block with the owner's name)", async () => {
    const input = afterSoi(await plainJpeg(), ciffApp0());
    const { output } = await strip(input, "ciff.jpg");
    expectNothingOf(output);
    expect(output.includes("HEAPCCDR")).toBe(false);
    expect(await sharp(output).raw().toBuffer()).toEqual(await sharp(input).raw().toBuffer());
    expect(scanOf(output).equals(scanOf(input))).toBe(true);
  });

  it("drops unknown APPn segments and a JFIF thumbnail, handling fill bytes before markers", async () => {
    const jpeg = await plainJpeg();
    // A JFIF APP0 with a 1×1 RGB thumbnail, then an unknown APP5 after fill bytes.
    const jfif = Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 72, 0, 72, 1, 1]);
    const input = afterSoi(
      jpeg,
      segment(0xe0, Buffer.concat([jfif, Buffer.from(IDENTITY.owner.slice(0, 3), "latin1")])),
      Buffer.from([0xff, 0xff, 0xff]),
      segment(0xe5, Buffer.from(`Vendor\0${IDENTITY.serial}`, "latin1")),
    );
    const { output } = await strip(input, "fill.jpg");
    expect(output.includes(IDENTITY.serial)).toBe(false);
    expect(output.includes(IDENTITY.owner.slice(0, 3))).toBe(false);
    expect(scanOf(output).equals(scanOf(input))).toBe(true);
    expect(await sharp(output).raw().toBuffer()).toEqual(await sharp(input).raw().toBuffer());
  });

  it("refuses a quantisation table segment longer than its tables (bytes riding along)", async () => {
    const jpeg = await plainJpeg();
    const dqt = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
    const length = jpeg.readUInt16BE(dqt + 2);
    const owner = Buffer.from(IDENTITY.owner, "latin1");
    const longer = Buffer.concat([
      jpeg.subarray(0, dqt + 2 + length),
      owner,
      jpeg.subarray(dqt + 2 + length),
    ]);
    longer.writeUInt16BE(length + owner.length, dqt + 2);
    await expect(strip(longer, "dqt.jpg")).rejects.toThrow(/not the size its contents say/);
  });

  it("refuses a marker that is not part of a JPEG image rather than copy it", async () => {
    const input = afterSoi(await plainJpeg(), segment(0xf3, Buffer.from(IDENTITY.owner)));
    await expect(strip(input, "jpg-n.jpg")).rejects.toThrow(MalformedMediaError);
  });
});

describe("JPEG MPF: every referenced image is itself stripped", () => {
  it("cleans a secondary image whose APP1 follows a fill byte, and its UTF-16 XMP", async () => {
    const primary = await plainJpeg();
    const gainMap = await plainJpeg(24, 16);
    const secondary = Buffer.concat([
      gainMap.subarray(0, 2),
      Buffer.from([0xff]), // a fill byte before the APP1 marker
      exifSegment(exifWithMisplacedGps("exif")),
      segment(
        0xe1,
        Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), utf16Xmp()]),
      ),
      gainMap.subarray(2),
    ]);
    const input = multiPicture(primary, [secondary]);
    expect(input.includes(UTF16_CITY)).toBe(true);
    const { output } = await strip(input, "mpf-fill.jpg");
    expectNothingOf(output);
    // The secondary image is still listed and still a picture with the same pixels.
    const images = mpfImages(output);
    expect(images).toHaveLength(1);
    const kept = images[0] as Buffer;
    expect(kept.subarray(0, 2).toString("hex")).toBe("ffd8");
    expect(scanOf(kept).equals(scanOf(gainMap))).toBe(true);
    expect(await sharp(kept).raw().toBuffer()).toEqual(await sharp(gainMap).raw().toBuffer());
  });

  it("drops an MPF entry that points at a raw TIFF block or at an embedded MP4, and says so", async () => {
    const primary = await plainJpeg();
    const rawTiff = exifWithMisplacedGps("exif");
    const video = locatedMp4();
    const input = multiPicture(primary, [rawTiff, video]);
    const { result, output } = await strip(input, "mpf-raw.jpg");
    expectNothingOf(output);
    expect(output.includes("ftyp")).toBe(false);
    expect(mpfImages(output)).toHaveLength(0);
    expect(result.notes?.join(" ")).toMatch(/motion photo.*video.*dropped/);
    expect(scanOf(output).equals(scanOf(primary))).toBe(true);
  });

  it("Ultra HDR: keeps the gain map and the hdrgm XMP both images need, nothing else of either", async () => {
    const base = await plainJpeg();
    const gainPicture = await plainJpeg(24, 16);
    const gainMap = afterSoi(
      gainPicture,
      xmpSegment(hdrgmXmp(false)),
      exifSegment(exifWithMisplacedGps("interop")),
    );
    const primary = afterSoi(base, xmpSegment(hdrgmXmp(true, gainMap.length)));
    const input = multiPicture(primary, [gainMap]);
    const { output } = await strip(input, "ultrahdr.jpg");
    expectNothingOf(output);
    expect(output.includes("dc:creator")).toBe(false);
    const [kept] = mpfImages(output);
    expect(kept?.length).toBe(gainMap.length);
    const gainXmp = (await exifr.parse(kept as Buffer, { xmp: true, tiff: false })) as Record<
      string,
      unknown
    >;
    expect(gainXmp).toMatchObject({ Version: 1, GainMapMax: 2.5, HDRCapacityMax: 2.5 });
    const primaryText = output
      .subarray(0, output.indexOf(Buffer.from([0xff, 0xda])))
      .toString("utf8");
    expect(primaryText).toMatch(/hdrgm:Version="1.0"/);
    expect(primaryText).toMatch(
      new RegExp(`Item:Semantic="GainMap" Item:Mime="image/jpeg" Item:Length="${gainMap.length}"`),
    );
    expect(
      await sharp(kept as Buffer)
        .raw()
        .toBuffer(),
    ).toEqual(await sharp(gainPicture).raw().toBuffer());
  });

  it("drops a Samsung motion photo's trailer (MotionPhoto_Data + MP4 + SEFT index) and tells the user", async () => {
    const photo = await cameraJpeg();
    const trailer = Buffer.concat([
      Buffer.from("MotionPhoto_Data", "latin1"),
      locatedMp4(),
      Buffer.from("SEFH\0\0\0\0MotionPhoto_Data\0\0\0\0SEFT", "latin1"),
    ]);
    const { result, output } = await strip(Buffer.concat([photo, trailer]), "samsung.jpg");
    expectNothingOf(output);
    expect(output.includes("MotionPhoto_Data")).toBe(false);
    expect(result.removed).toContain("motion-photo video");
  });

  it("drops a Google motion photo's appended video and tells the user", async () => {
    const photo = await cameraJpeg();
    const input = Buffer.concat([photo, locatedMp4()]);
    const { result, output } = await strip(input, "motion.jpg");
    expectNothingOf(output);
    expect(output.includes("ftyp")).toBe(false);
    expect(result.removed).toContain("motion-photo video");
    expect(result.notes?.join(" ")).toMatch(/motion photo/);
  });
});

describe("PNG: critical chunks and rendering chunks only", () => {
  const plainPng = () =>
    sharp(pixels(24, 16), { raw: { width: 24, height: 16, channels: 3 } })
      .png()
      .toBuffer();

  for (const name of ["exIf", "EXIF", "Exif", "zxIf"]) {
    it(`drops EXIF with GPS in a chunk named ${JSON.stringify(name)}`, async () => {
      const png = await plainPng();
      const input = pngWith(
        png,
        pngChunk(name === "EXIF" ? "eXIF" : name, exifWithMisplacedGps("exif")),
      );
      const { result, output } = await strip(input, `${name}.png`);
      expectNothingOf(output);
      expect(result.locationRemoved).toBe(true);
      expect(await sharp(output).raw().toBuffer()).toEqual(await sharp(png).raw().toBuffer());
    });
  }

  it("drops XMP in a tXMP chunk and a text chunk holding a 'Raw profile type exif'", async () => {
    const png = await plainPng();
    const hex = exifWithMisplacedGps("interop").toString("hex");
    const rawProfile = Buffer.from(
      `Raw profile type exif\0\nexif\n${hex.length / 2}\n${hex}\n`,
      "latin1",
    );
    const input = pngWith(png, pngChunk("tXMP", xmpPacket()), pngChunk("tEXt", rawProfile));
    const { output } = await strip(input, "txmp.png");
    expectNothingOf(output);
    expect(output.includes(Buffer.from(LATITUDE.toString("hex"), "latin1"))).toBe(false);
  });

  it("keeps the rendering chunks byte for byte (gAMA, pHYs, sRGB)", async () => {
    const png = await plainPng();
    const phys = Buffer.from([0, 0, 0x0b, 0x13, 0, 0, 0x0b, 0x13, 1]);
    const chunks = [
      pngChunk("gAMA", Buffer.from([0, 0, 0xb1, 0x8f])),
      pngChunk("pHYs", phys),
      pngChunk("sRGB", Buffer.from([0])),
    ];
    const input = pngWith(png, ...chunks);
    const { output } = await strip(input, "rendering.png");
    expect(output.equals(input)).toBe(true);
  });

  it("refuses a rendering chunk longer than PNG defines (bytes riding along)", async () => {
    const input = pngWith(
      await plainPng(),
      pngChunk(
        "gAMA",
        Buffer.concat([Buffer.from([0, 0, 0xb1, 0x8f]), Buffer.from(IDENTITY.owner)]),
      ),
    );
    await expect(strip(input, "gama.png")).rejects.toThrow(MalformedMediaError);
  });

  it("refuses an unknown critical chunk, which can't be dropped without breaking the file", async () => {
    const input = pngWith(await plainPng(), pngChunk("CgBI", Buffer.from(IDENTITY.owner)));
    await expect(strip(input, "critical.png")).rejects.toThrow(MalformedMediaError);
  });
});

describe("WebP: image, animation, ICC and a clean EXIF only", () => {
  for (const name of ["XMP\0", "_PMX", "xmp "]) {
    it(`drops XMP in a chunk named ${JSON.stringify(name)} and clears the VP8X XMP flag`, async () => {
      const input = await webpWith(
        riffChunk(name, xmpPacket()),
        riffChunk("EXIF", exifWithMisplacedGps("interop", true)),
      );
      const { result, output } = await strip(input, "xmp.webp");
      expectNothingOf(output);
      expect(result.locationRemoved).toBe(true);
      expect((output[20] ?? 0) & 0x04).toBe(0);
      expect(output.readUInt32LE(4)).toBe(output.length - 8);
      // exifr doesn't read WebP: the EXIF chunk's block, wrapped in a JPEG, is read instead.
      const exifAt = output.indexOf("EXIF", 12, "latin1");
      const block = output.subarray(exifAt + 8, exifAt + 8 + output.readUInt32LE(exifAt + 4));
      expect(await exifr.orientation(afterSoi(await plainJpeg(), exifSegment(block)))).toBe(6);
      expect(await sharp(output).raw().toBuffer()).toEqual(await sharp(input).raw().toBuffer());
    });
  }
});

describe("GIF: only image data, timing and looping", () => {
  it("refuses image data that goes on after its LZW end-of-information code", async () => {
    const gif = await sharp(pixels(16, 8), { raw: { width: 16, height: 8, channels: 3 } })
      .gif()
      .toBuffer();
    expect(gif.subarray(-2)).toEqual(Buffer.from([0x00, 0x3b])); // image data, then the trailer
    const owner = Buffer.from(IDENTITY.owner, "latin1");
    const input = Buffer.concat([
      gif.subarray(0, gif.length - 2),
      Buffer.from([owner.length]),
      owner,
      gif.subarray(gif.length - 2),
    ]);
    expect((await sharp(input).raw().toBuffer()).equals(await sharp(gif).raw().toBuffer())).toBe(
      true,
    );
    await expect(strip(input, "lzw.gif")).rejects.toThrow(
      /not its compressed pixels, or after their end/,
    );
  });

  it("refuses a graphic control extension with more than its 4 bytes (a comment riding along)", async () => {
    const gif = await sharp(pixels(16, 8), { raw: { width: 16, height: 8, channels: 3 } })
      .gif()
      .toBuffer();
    const owner = Buffer.from(IDENTITY.owner, "latin1");
    const control = Buffer.concat([
      Buffer.from([0x21, 0xf9, 4, 0, 10, 0, 0]),
      Buffer.from([owner.length]),
      owner,
      Buffer.from([0]),
    ]);
    const input = Buffer.concat([
      gif.subarray(0, gif.length - 1),
      control,
      gif.subarray(gif.length - 1),
    ]);
    await expect(strip(input, "gce.gif")).rejects.toThrow(/graphic control/);
  });

  it("drops plain-text and unknown application extensions", async () => {
    const gif = await sharp(pixels(16, 8), { raw: { width: 16, height: 8, channels: 3 } })
      .gif()
      .toBuffer();
    const owner = Buffer.from(IDENTITY.owner, "latin1");
    const plainText = Buffer.concat([
      Buffer.from([0x21, 0x01, 12]),
      Buffer.alloc(12),
      Buffer.from([owner.length]),
      owner,
      Buffer.from([0]),
    ]);
    const vendor = Buffer.concat([
      Buffer.from([0x21, 0xff, 11]),
      Buffer.from("VENDORAPP1.", "latin1"),
      Buffer.from([owner.length]),
      owner,
      Buffer.from([0]),
    ]);
    const input = Buffer.concat([
      gif.subarray(0, gif.length - 1),
      plainText,
      vendor,
      gif.subarray(gif.length - 1),
    ]);
    const { output } = await strip(input, "ext.gif");
    expectNothingOf(output);
    expect(await sharp(output).raw().toBuffer()).toEqual(await sharp(gif).raw().toBuffer());
  });
});

describe("HEIC and MP4: only the boxes of the picture or the movie", () => {
  it("frees a Samsung sefd trailer after the image data", async () => {
    const heic = cameraHeic();
    const input = Buffer.concat([heic, sefdBox()]);
    const { output } = await strip(input, "sefd.heic");
    expectNothingOf(output);
    expect(output.includes("MCC=208")).toBe(false);
    expect(output.length).toBe(input.length);
    expect(findBox(output, ["mdat"])?.subarray(0, 64)).toEqual(
      findBox(input, ["mdat"])?.subarray(0, 64),
    );
  });

  it("drops a Samsung motion photo's mpvd video and tells the user", async () => {
    const input = Buffer.concat([cameraHeic(), mpvdBox()]);
    const { result, output } = await strip(input, "motion.heic");
    expectNothingOf(output);
    expect(output.includes("ftypmp42")).toBe(false);
    expect(result.removed).toContain("motion-photo video");
    expect(result.notes?.join(" ")).toMatch(/motion photo.*dropped/);
  });

  it("refuses a file with two item lists rather than guess which one holds the Exif item", async () => {
    const input = withSecondItemList(cameraHeic());
    await expect(strip(input, "two-iinf.heic")).rejects.toThrow(/two item lists/);
  });

  it("refuses an XMP item whose data runs past the end of the file (no warn-and-upload)", async () => {
    const input = withItemPastEnd(cameraHeic(), 3);
    await expect(strip(input, "xmp-past-eof.heic")).rejects.toThrow(MalformedMediaError);
  });

  it("finds a GPS IFD hung off the Exif IFD in a HEIC Exif item", async () => {
    const input = cameraHeic({ exifBlock: exifWithMisplacedGps("exif") });
    expect(input.includes(LATITUDE)).toBe(true);
    const { result, output } = await strip(input, "heic-gps-in-exif.heic");
    expectNothingOf(output);
    expect(result.locationRemoved).toBe(true);
    expect(output.length).toBe(input.length);
  });

  it("zeroes data that iloc locates but no item in iinf declares", async () => {
    const hidden = Buffer.concat([Buffer.from("Exif\0\0", "latin1"), exifWithMisplacedGps("exif")]);
    const input = cameraHeic({ undeclared: hidden });
    expect(input.includes(LATITUDE)).toBe(true);
    const { output } = await strip(input, "undeclared.heic");
    expectNothingOf(output);
    expect(output.length).toBe(input.length);
  });

  it("keeps an Apple HDR gain map (an auxiliary image) byte for byte", async () => {
    const input = cameraHeic({ gainMap: true });
    const { output } = await strip(input, "gain-map.heic");
    expectNothingOf(output);
    expect(output.includes(APPLE_GAIN_MAP_URN)).toBe(true);
    expect(findBox(output, ["meta", "iprp", "ipco", "auxC"])).toEqual(
      findBox(input, ["meta", "iprp", "ipco", "auxC"]),
    );
    // Both coded pictures (primary and gain map) are still in mdat, unchanged.
    const picture = findBox(cameraHeic({ exif: false, xmp: false }), ["mdat"])?.subarray(
      8,
    ) as Buffer;
    const mdat = findBox(output, ["mdat"]) as Buffer;
    expect(mdat.indexOf(picture)).toBeGreaterThan(-1);
    expect(mdat.lastIndexOf(picture)).toBeGreaterThan(mdat.indexOf(picture));
  });

  it("zeroes media data of a photo that no image item uses", async () => {
    const heic = cameraHeic({ exif: false, xmp: false });
    const hidden = Buffer.concat([Buffer.from(PLACE.city), LATITUDE]);
    const input = withHiddenMediaData(heic, hidden);
    const { output } = await strip(input, "hidden.heic");
    expectNothingOf(output);
    expect(output.length).toBe(input.length);
    expect(output.subarray(0, heic.length - 8)).toEqual(input.subarray(0, heic.length - 8));
  });

  it("refuses a photo whose items are described by no meta box (its metadata items can't be found)", async () => {
    await expect(strip(withMetaRenamed(cameraHeic()), "no-meta.heic")).rejects.toThrow(
      /neither a movie nor an item list/,
    );
  });

  it("frees vendor user-data atoms and every QuickTime key, make included", async () => {
    const input = mp4WithVendorUserData();
    const { output } = await strip(input, "vendor.mp4");
    expectNothingOf(output);
    expect(output.includes("com.example.author")).toBe(false);
    expect(output.includes(IDENTITY.make)).toBe(false);
    expect(output.includes("com.apple.quicktime.make")).toBe(false);
    expect(output.length).toBe(input.length);
  });

  it("frees the items of QuickTime keys it could not read in full (a key's size runs past the list)", async () => {
    const input = cameraVideo();
    const keys = input.indexOf("keys", 0, "latin1");
    input.writeUInt32BE(0x5f, keys + 12); // the first key claims more bytes than the list has
    const { output } = await strip(input, "bad-keys.mov");
    expect(output.includes(PLACE.iso6709)).toBe(false);
    expect(output.length).toBe(input.length);
  });

  it("frees an older iPhone's @xyz location atom in the movie's user data", async () => {
    const input = mp4WithAtXyz();
    const { result, output } = await strip(input, "atxyz.mov");
    expect(output.includes(PLACE.iso6709)).toBe(false);
    expect(result.locationRemoved).toBe(true);
    expect(output.length).toBe(input.length);
  });
});

/** The secondary images an output's MPF index lists, read independently. */
function mpfImages(jpeg: Buffer): Buffer[] {
  const at = jpeg.indexOf(Buffer.from("MPF\0", "latin1"));
  if (at === -1) return [];
  const header = at + 4;
  const le = jpeg.toString("latin1", header, header + 2) === "II";
  const u16 = (n: number) => (le ? jpeg.readUInt16LE(n) : jpeg.readUInt16BE(n));
  const u32 = (n: number) => (le ? jpeg.readUInt32LE(n) : jpeg.readUInt32BE(n));
  const ifd = header + u32(header + 4);
  const images: Buffer[] = [];
  for (let n = 0; n < u16(ifd); n++) {
    const entry = ifd + 2 + n * 12;
    if (u16(entry) !== 0xb002) continue;
    const table = header + u32(entry + 8);
    for (let e = 16; e < u32(entry + 4); e += 16) {
      const size = u32(table + e + 4);
      const offset = u32(table + e + 8);
      images.push(jpeg.subarray(header + offset, header + offset + size));
    }
  }
  return images;
}
