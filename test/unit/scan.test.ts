// The second gate: an independent checker of what a prepared copy still tells about its
// sender. Each structure below is what a stripper gap would leave behind; the checker must see
// it, and must let through what is needed to show the picture the same way.

import { randomBytes } from "node:crypto";
import { type FileHandle, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectMediaType } from "../../src/media/detect.ts";
import { removeMetadata } from "../../src/media/metadata.ts";
import {
  type Finding,
  precisionNote,
  type ScanReport,
  scanMedia,
} from "../../src/media/scan/index.ts";
import {
  box,
  cameraGif,
  cameraHeic,
  cameraJpeg,
  cameraPng,
  cameraVideo,
  cameraWebp,
  exifBlock,
  IDENTITY,
  insertJpegSegments,
  tiff,
  videoWithHeaderTimes,
} from "../helpers/camera.ts";
import { jpegBytes, pngBytes, pngChunk } from "../helpers/media.ts";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "dmshare-scan-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let counter = 0;
async function scan(bytes: Buffer): Promise<ScanReport> {
  const file = path.join(dir, `f${counter++}`);
  await writeFile(file, bytes);
  return scanMedia(file);
}

/** The copy dmshare's stripper makes of `bytes`. */
async function stripped(bytes: Buffer): Promise<Buffer> {
  const source = path.join(dir, `s${counter++}`);
  const destination = `${source}.out`;
  await writeFile(source, bytes);
  const type = detectMediaType(bytes.subarray(0, 64));
  if (!type) throw new Error("unknown type");
  await removeMetadata(source, destination, type);
  return readFile(destination);
}

const refusing = (report: ScanReport) => report.findings.filter((finding) => finding.refuse);
const whats = (findings: Finding[]) => findings.map((finding) => finding.what);

const segment = (marker: number, payload: Buffer) => {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([header, payload]);
};
const exifSegment = (tiffBytes: Buffer) =>
  segment(0xe1, Buffer.concat([Buffer.from("Exif\0\0", "latin1"), tiffBytes]));
const GPS_IFD = {
  entries: [
    [0x0001, { ascii: "N" }],
    [0x0003, { ascii: "E" }],
    [
      0x0004,
      {
        rational: [
          [2, 1],
          [17, 1],
          [4020, 100],
        ],
      },
    ],
    [
      0x0002,
      {
        rational: [
          [48, 1],
          [51, 1],
          [2960, 100],
        ],
      },
    ],
  ] as [number, { ascii: string } | { rational: [number, number][] }][],
};

function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WEBP", "latin1"), ...chunks]);
  const header = Buffer.alloc(8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}
function riffChunk(type: string, data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.write(type, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, Buffer.alloc(data.length % 2)]);
}
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
};
const fullBox = (type: string, ...payload: Buffer[]) => box(type, Buffer.alloc(4), ...payload);

describe("what the stripper keeps passes the gate", () => {
  it.each([
    ["JPEG", () => cameraJpeg()],
    ["PNG", () => cameraPng()],
    ["WebP", () => cameraWebp()],
    ["GIF", () => cameraGif()],
    ["HEIC", async () => cameraHeic()],
    ["MP4", async () => cameraVideo()],
    ["MOV", async () => cameraVideo({ quicktime: true })],
  ])(
    "%s: the original is full of findings, the stripped copy has none that refuse",
    async (_, make) => {
      const original = await make();
      const before = await scan(original);
      expect(before.findings.some((finding) => finding.category === "location")).toBe(true);
      const after = await scan(await stripped(original));
      expect(whats(refusing(after))).toEqual([]);
    },
  );

  it("keeps orientation, ICC, JFIF and Adobe segments; an empty XMP packet is nothing", async () => {
    const picture = jpegBytes(4096);
    const icc = segment(
      0xe2,
      Buffer.concat([Buffer.from("ICC_PROFILE\0\x01\x01", "latin1"), randomBytes(200)]),
    );
    const adobe = segment(0xee, Buffer.from("Adobe\0\x64\0\0\0\0\x01", "latin1"));
    const emptyXmp = segment(
      0xe1,
      Buffer.from(
        'http://ns.adobe.com/xap/1.0/\0<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>      <?xpacket end="w"?>',
        "latin1",
      ),
    );
    const orientation = exifSegment(tiff({ entries: [[0x0112, { short: [6] }]] }));
    const report = await scan(insertJpegSegments(picture, [orientation, icc, adobe, emptyXmp]));
    expect(report.findings).toEqual([]);
    expect(report.kept.map((kept) => kept.what)).toEqual(
      expect.arrayContaining(["orientation 6", "ICC colour profile", "Adobe colour transform"]),
    );
  });

  it("an Ultra HDR JPEG: MPF index, hdrgm XMP on both images and the gain map pass", async () => {
    const hdrgm = (extra = "") =>
      segment(
        0xe1,
        Buffer.from(
          `http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:hdrgm="http://ns.adobe.com/hdr-gain-map/1.0/" hdrgm:Version="1.0" hdrgm:GainMapMax="2.3"${extra}/></rdf:RDF></x:xmpmeta>`,
          "latin1",
        ),
      );
    const gainMap = insertJpegSegments(jpegBytes(1024), [hdrgm()]);
    const mpf = segment(
      0xe2,
      Buffer.concat([
        Buffer.from("MPF\0", "latin1"),
        tiff({ entries: [[0xb000, { undefined: Buffer.from("0100") }]] }),
      ]),
    );
    const primary = insertJpegSegments(jpegBytes(2048), [hdrgm(), mpf]);
    const clean = await scan(Buffer.concat([primary, gainMap]));
    expect(clean.findings).toEqual([]);
    expect(clean.kept.map((kept) => kept.what)).toContain("HDR gain-map XMP");
    expect(clean.kept.map((kept) => kept.what)).toContain("secondary image (gain map or preview)");

    // The same gain map with a GPS property next to hdrgm is refused.
    const leaky = insertJpegSegments(jpegBytes(1024), [
      hdrgm(' xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="48,51.49N"'),
    ]);
    const refused = await scan(Buffer.concat([primary, leaky]));
    expect(refused.findings.map((f) => [f.category, f.what])).toContainEqual([
      "location",
      "XMP property exif:GPSLatitude",
    ]);
  });

  it("an iPhone HDR gain map's XMP (apdi + HDRGainMap) and a screenshot PNG's iDOT pass", async () => {
    const appleGainMap = segment(
      0xe1,
      Buffer.from(
        `http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:HDRGainMap="http://ns.apple.com/HDRGainMap/1.0/" xmlns:apdi="http://ns.apple.com/pixeldatainfo/1.0/" HDRGainMap:HDRGainMapVersion="65536" apdi:AuxiliaryImageType="urn:com:apple:photo:2020:aux:hdrgainmap" apdi:NativeFormat="1278226488"/></rdf:RDF></x:xmpmeta>`,
        "latin1",
      ),
    );
    const report = await scan(
      Buffer.concat([jpegBytes(), insertJpegSegments(jpegBytes(), [appleGainMap])]),
    );
    expect(report.findings).toEqual([]);
    const png = pngBytes(256);
    const idot = pngChunk(
      "iDOT",
      Buffer.from([
        0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 8, 0, 0, 0, 64,
      ]),
    );
    expect(
      (await scan(Buffer.concat([png.subarray(0, 33), idot, png.subarray(33)]))).findings,
    ).toEqual([]);
  });

  it("never searches coded picture data: signatures inside a JPEG scan, IDAT or mdat are not findings", async () => {
    const bait = Buffer.concat([
      Buffer.from("II*\0\x08\0\0\0\x01\0\x12\x01\x03\0", "latin1"),
      Buffer.from("\0\0\0\x20\xa9xyz+48.8584+002.2945/<x:xmpmeta Exif\0\0 GPSLatitude", "latin1"),
    ]);
    const jpeg = jpegBytes(4096);
    const scanAt = jpeg.length - 1000;
    const inScan = Buffer.concat([jpeg.subarray(0, scanAt), bait, jpeg.subarray(scanAt)]);
    expect((await scan(inScan)).findings).toEqual([]);

    const png = pngBytes(1024);
    const idat = Buffer.concat([png.subarray(0, 33), pngChunk("IDAT", bait), png.subarray(33)]);
    expect((await scan(idat)).findings).toEqual([]);

    const video = await stripped(cameraVideo({ location: false, mediaBytes: 16 }));
    expect(whats(refusing(await scan(Buffer.concat([video, box("mdat", bait)]))))).toEqual([]);
  });
});

describe("what a stripper gap would leave is refused", () => {
  it("JPEG: an APP0 segment that is not JFIF (a Canon CIFF block naming the owner)", async () => {
    const ciff = segment(0xe0, Buffer.from(`II\x1a\0\0\0HEAPCCDR${IDENTITY.owner}`, "latin1"));
    const report = await scan(insertJpegSegments(jpegBytes(), [ciff]));
    expect(whats(refusing(report))).toContain("application data no viewer needs");
  });

  it.each([
    [
      "the Exif IFD",
      (gps: object) => ({ entries: [[0x8769, { ifd: { entries: [[0x8825, gps]] } }]] }),
    ],
    [
      "the Interop IFD",
      (gps: object) => ({
        entries: [
          [0x8769, { ifd: { entries: [[0xa005, { ifd: { entries: [[0x8825, gps]] } }]] } }],
        ],
      }),
    ],
    [
      "IFD1",
      (gps: object) => ({
        entries: [[0x0112, { short: [1] }]],
        next: { entries: [[0x8825, gps]] },
      }),
    ],
  ])("EXIF: a GPS pointer in %s is followed", async (_, layout) => {
    const ifd0 = layout({ ifd: GPS_IFD }) as Parameters<typeof tiff>[0];
    const report = await scan(insertJpegSegments(jpegBytes(), [exifSegment(tiff(ifd0))]));
    expect(refusing(report).map((f) => f.what)).toContain("GPS latitude");
    expect(report.coordinates?.latitude).toBeCloseTo(48.858, 2);
  });

  it("JPEG: EXIF in a segment whose marker no decoder uses (found by the property tests)", async () => {
    const odd = Buffer.from(exifSegment(tiff({ entries: [[0x8825, { ifd: GPS_IFD }]] })));
    odd[1] = 0x66;
    const report = await scan(insertJpegSegments(jpegBytes(), [odd]));
    expect(whats(refusing(report))).toEqual(
      expect.arrayContaining(["a segment with an unknown marker", "an EXIF block"]),
    );
  });

  it("HEIC: an Exif item whose description box is renamed is still searched", async () => {
    const heic = Buffer.from(cameraHeic({ xmp: false }));
    const second = heic.indexOf("infe", heic.indexOf("infe") + 4);
    heic.write("meta", second, "latin1");
    const found = whats(refusing(await scan(heic)));
    expect(found).toContain('an unknown "meta" box in the item list');
    expect(found).toContain("an item with no description");
  });

  it("EXIF: tables that point at each other in a loop end, and are refused", async () => {
    const block = Buffer.from(tiff({ entries: [[0x8769, { long: [8] }]] }));
    const report = await scan(insertJpegSegments(jpegBytes(), [exifSegment(block)]));
    expect(whats(refusing(report))).toContain("EXIF tables that point at each other in a loop");
  });

  it("EXIF anywhere: PNG eXIf with a serial, a WebP EXIF chunk, a HEIC Exif item", async () => {
    const png = pngBytes(256);
    const withExif = Buffer.concat([
      png.subarray(0, 33),
      pngChunk("eXIf", exifBlock()),
      png.subarray(33),
    ]);
    expect(whats(refusing(await scan(withExif)))).toContain("camera serial number");
    const webp = await cameraWebp();
    expect(whats(refusing(await scan(webp)))).toContain("GPS latitude");
    expect(whats(refusing(await scan(cameraHeic({ xmp: false }))))).toContain("GPS latitude");
  });

  it("PNG: EXIF or XMP in chunks with other names, and raw profiles in text", async () => {
    const png = pngBytes(256);
    for (const name of ["exIf", "EXIF", "zxIf", "tXMP"]) {
      const payload =
        name === "tXMP" ? Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/"/>') : exifBlock();
      const file = Buffer.concat([png.subarray(0, 33), pngChunk(name, payload), png.subarray(33)]);
      const found = whats(refusing(await scan(file)));
      expect(found).toContain("a chunk no viewer needs");
      expect(found.some((what) => /TIFF|XMP/.test(what))).toBe(true);
    }
    const hex = exifBlock().toString("hex");
    const raw = pngChunk(
      "tEXt",
      Buffer.from(`Raw profile type exif\0\nexif\n${hex.length / 2}\n${hex}`, "latin1"),
    );
    const report = await scan(Buffer.concat([png.subarray(0, 33), raw, png.subarray(33)]));
    expect(whats(refusing(report))).toContain("GPS latitude");
  });

  it("WebP: XMP in a chunk named XMP\\0 or _PMX", async () => {
    const vp8 = (await cameraWebp()).subarray(12 + 18); // after RIFF header and VP8X
    for (const name of ["XMP\0", "_PMX"]) {
      const xmp = Buffer.from('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>');
      const file = riff(riffChunk(name, xmp), vp8.subarray(0, 8 + vp8.readUInt32LE(4)));
      expect(whats(refusing(await scan(file)))).toContain("an XMP packet");
    }
  });

  it("XMP in UTF-16, in an unknown segment and in a secondary image's trailer", async () => {
    const utf16 = Buffer.from(
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><exif:GPSLatitude>48</exif:GPSLatitude>',
      "utf16le",
    );
    const app = segment(0xe5, utf16);
    const report = await scan(insertJpegSegments(jpegBytes(), [app]));
    expect(whats(refusing(report))).toContain("an XMP packet");

    const xmpSegment = segment(
      0xe1,
      Buffer.concat([
        Buffer.from("http://ns.adobe.com/xap/1.0/\0"),
        Buffer.from([0xfe, 0xff]),
        Buffer.from(utf16).swap16(),
      ]),
    );
    const secondary = insertJpegSegments(jpegBytes(), [xmpSegment]);
    const withSecondary = await scan(Buffer.concat([jpegBytes(), secondary]));
    expect(refusing(withSecondary).map((f) => f.category)).toContain("location");
  });

  it("JPEG: 0xFF fill longer than a read chunk before the end marker ends, and what follows is seen", async () => {
    // Found while making the scan walk faster: a chunk of nothing but 0xFF read again forever.
    const jpeg = jpegBytes();
    const fill = Buffer.alloc(3 << 20, 0xff);
    const file = Buffer.concat([
      jpeg.subarray(0, jpeg.length - 2),
      fill,
      jpeg.subarray(jpeg.length - 2),
      Buffer.from("owner=Jane;"),
    ]);
    expect(whats(refusing(await scan(file)))).toContain("data appended after the image");
  });

  it("JPEG trailer: an embedded motion-photo video is checked as a video", async () => {
    const video = cameraVideo({ quicktime: false });
    const report = await scan(Buffer.concat([jpegBytes(), video]));
    expect(whats(refusing(report))).toEqual(
      expect.arrayContaining(["an embedded video (motion photo)", "video location"]),
    );
    // Unidentified bytes after the end of the image are refused too.
    const appended = await scan(Buffer.concat([jpegBytes(), Buffer.from("owner=Jane;")]));
    expect(whats(refusing(appended))).toContain("data appended after the image");
  });

  it("HEIC: a Samsung sefd trailer, an Exif item listed in a second iinf, an XMP extent past the end", async () => {
    const heic = cameraHeic({ exif: false, xmp: false });
    const sefd = box("sefd", Buffer.from("MCC=208;UTC=1717171717", "latin1"));
    expect(whats(refusing(await scan(Buffer.concat([heic, sefd]))))).toContain(
      "a box that is not part of the picture or movie",
    );

    // A second iinf (after the first) lists an Exif item whose data sits at the end of the file.
    const exifItem = Buffer.concat([
      u32(6),
      Buffer.from("Exif\0\0", "latin1"),
      exifBlock({ identity: false }),
    ]);
    const infe = box(
      "infe",
      Buffer.from([2, 0, 0, 0]),
      u16(9),
      u16(0),
      Buffer.from("Exif\0", "latin1"),
    );
    const rebuilt = withExtraItem(heic, infe, exifItem);
    expect(whats(refusing(await scan(rebuilt)))).toContain("GPS latitude");

    const xmpPastEnd = withExtraItem(
      heic,
      box(
        "infe",
        Buffer.from([2, 0, 0, 0]),
        u16(9),
        u16(0),
        Buffer.from("mime\0application/rdf+xml\0", "latin1"),
      ),
      Buffer.alloc(0),
      4096,
    );
    expect(whats(refusing(await scan(xmpPastEnd)))).toContain(
      "an item whose data lies outside the file",
    );
  });

  it("MP4/MOV: @xyz and loci atoms, a location key, a GPS track", async () => {
    const plain = cameraVideo({ location: false, mediaBytes: 64 });
    for (const atom of ["@xyz", "loci"]) {
      const text = Buffer.from("+48.8584+002.2945/");
      const udta = box("udta", box(atom, u16(text.length), u16(0), text));
      const moov = box("moov", box("mvhd", Buffer.alloc(100)), udta);
      const ftyp = plain.subarray(0, plain.readUInt32BE(0));
      const report = await scan(Buffer.concat([ftyp, moov, box("mdat", Buffer.alloc(16))]));
      expect(whats(refusing(report))).toContain("video location");
      expect(report.coordinates?.latitude).toBeCloseTo(48.8584, 4);
    }
    expect(whats(refusing(await scan(cameraVideo({ gpsTrack: true, location: false }))))).toContain(
      "a GoPro GPS track (gpmd)",
    );
  });

  it("MP4/MOV: movie, track and media headers that say when it was taken stop a send", async () => {
    const report = await scan(videoWithHeaderTimes());
    expect(whats(refusing(report))).toEqual([
      "movie creation time",
      "track creation time",
      "media creation time",
    ]);
    expect(report.findings.map((finding) => finding.value)).toEqual([
      "2024-05-01T08:20:30Z",
      "2024-05-01T08:20:30Z",
      "2024-05-01T08:20:30Z",
    ]);
    expect((await scan(await stripped(videoWithHeaderTimes()))).findings).toEqual([]);
  });

  it("MP4/MOV: make, model, software and creation date stop a send, as a photo's would", async () => {
    for (const quicktime of [false, true]) {
      const report = await scan(cameraVideo({ quicktime, location: false }));
      expect(whats(refusing(report))).toEqual(
        expect.arrayContaining([
          "camera make",
          "camera model",
          "software",
          "date",
          "com.apple.quicktime.make",
          "com.apple.quicktime.model",
          "com.apple.quicktime.software",
          "com.apple.quicktime.creationdate",
        ]),
      );
      expect(report.findings.every((finding) => finding.refuse)).toBe(true);
    }
  });

  it("a 1 GiB video is checked without reading its media data", async () => {
    const file = path.join(dir, "big.mp4");
    const head = cameraVideo({ location: true, mediaBytes: 0 });
    const handle = await open(file, "w");
    await handle.write(head.subarray(0, head.length - 8));
    const mdat = Buffer.alloc(8);
    mdat.writeUInt32BE(8 + 2 ** 30, 0);
    mdat.write("mdat", 4, "latin1");
    await handle.write(mdat);
    await handle.truncate(head.length + 2 ** 30); // sparse: no disk is used for the zeros
    await handle.close();
    // Every read the scan makes goes through a FileHandle: add up the bytes it reads.
    const probe = await open(file, "r");
    const prototype = Object.getPrototypeOf(probe) as { read: FileHandle["read"] };
    await probe.close();
    const original = prototype.read;
    let bytesRead = 0;
    prototype.read = async function (this: FileHandle, ...args: unknown[]) {
      const result = await (original as (...a: unknown[]) => Promise<{ bytesRead: number }>).apply(
        this,
        args,
      );
      bytesRead += result.bytesRead;
      return result;
    } as FileHandle["read"];
    let report: ScanReport;
    try {
      report = await scanMedia(file);
    } finally {
      prototype.read = original;
    }
    // The header is read (in one read of up to 64 KiB around it); the gibibyte of media data
    // is not, neither at once nor chunk by chunk.
    expect(bytesRead).toBeGreaterThanOrEqual(head.length - 8);
    expect(bytesRead).toBeLessThanOrEqual(1 << 20);
    expect(whats(refusing(report))).toContain("video location");
  });

  it("says how precisely a position pins a place", () => {
    expect(precisionNote(0.3)).toMatch(/about 1 m: enough to find the building/);
    expect(precisionNote(1100)).toMatch(/neighbourhood/);
  });
});

/**
 * Appends a second iinf (one `infe`) and a second iloc (one extent of `data`, or `missing`
 * bytes beyond the end of the file) to a HEIC's meta box, with the item's data at the end.
 */
function withExtraItem(heic: Buffer, infe: Buffer, data: Buffer, missing = 0): Buffer {
  const ftypEnd = heic.readUInt32BE(0);
  const metaSize = heic.readUInt32BE(ftypEnd);
  const metaBody = heic.subarray(ftypEnd + 8, ftypEnd + metaSize);
  const rest = heic.subarray(ftypEnd + metaSize);
  const iinf = fullBox("iinf", u16(1), infe);
  const ilocFor = (offset: number) =>
    fullBox(
      "iloc",
      Buffer.from([0x44, 0x00]),
      u16(1),
      u16(9),
      u16(0),
      u16(1),
      u32(offset),
      u32(data.length + missing),
    );
  const metaLength = 8 + metaBody.length + iinf.length + ilocFor(0).length;
  const offset = ftypEnd + metaLength + rest.length;
  // The first image item's offsets now point a little off: the gate never reads coded data.
  const meta = box("meta", metaBody, iinf, ilocFor(offset));
  return Buffer.concat([heic.subarray(0, ftypEnd), meta, rest, data]);
}
