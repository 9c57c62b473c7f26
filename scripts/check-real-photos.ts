// Sends each real camera/phone file of ../shared/real-photos through the built binary to the
// Dropbox emulator and checks what arrived with readers that are not dmshare's: exifr, and
// exiftool when it is on PATH. For each file: no GPS, serial number, owner/artist/copyright
// name, maker notes, XMP/IPTC location, nor (in a video) the device's make, model, software or
// creation date, which a photo from the same phone loses too; the picture (decoded pixels, and a JPEG's coded scan
// data) and the orientation unchanged; MANIFEST.tsv's `expect` honoured (`clean`: sent clean;
// `clean-or-refuse`: sent clean or refused with exit 2).
//
//   npm run check:real-photos [-- DIR]      (DIR defaults to <repo>/../shared/real-photos)
//
// Prints one row per file and a summary line; exits 1 if any file fails.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import exifr from "exifr";
import sharp from "sharp";
import { startDropboxEmulator } from "../test/emulators/dropbox.ts";
import { runCli } from "../test/helpers/cli.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const folder = path.resolve(process.argv[2] ?? path.join(root, "..", "shared", "real-photos"));
const TOKEN = "real-photos-token";

/** Tag names that locate or identify: GPS, serials, people, maker notes, XMP/IPTC places. */
const FORBIDDEN =
  /GPS|Latitude|Longitude|Serial|Owner|Artist|Copyright|Creator(?!Tool)|By-?line|Author|MakerNote|^City$|Country|Sub-?location|Province|^State$|^Location|LocationCreated|LocationShown|ISO6709/i;

/**
 * What a video's user data and QuickTime keys say about the device and the time (exiftool's
 * names). The movie, track and media headers' own CreateDate/ModifyDate must be zero.
 */
const VIDEO_DEVICE =
  /^(Android)?(Make|Model)$|^Software(Version)?$|^(Content)?Creat(e|ion)Date$|^AndroidVersion$/;

interface Row {
  file: string;
  expect: string;
  sent: string;
  problems: string[];
}

if (!existsSync(path.join(root, "dist", "main.js"))) {
  console.error(
    "dist/ is missing: run npm run build first (the check sends through the built binary).",
  );
  process.exit(1);
}
if (!existsSync(path.join(folder, "MANIFEST.tsv"))) {
  console.error(`No MANIFEST.tsv in ${folder}: nothing to check.`);
  process.exit(1);
}

const manifest = (await readFile(path.join(folder, "MANIFEST.tsv"), "utf8"))
  .split("\n")
  .filter((line) => line.trim() !== "");
const header = manifest[0]?.split("\t") ?? [];
const column = (name: string) => header.indexOf(name);
const entries = manifest.slice(1).map((line) => {
  const cells = line.split("\t");
  return { file: cells[column("file")] ?? "", expect: cells[column("expect")] ?? "clean" };
});

const exiftool = await promisify(execFile)("exiftool", ["-ver"]).then(
  () => true,
  () => false,
);

const emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
const work = await mkdtemp(path.join(tmpdir(), "dmshare-real-photos-"));
const rows: Row[] = [];
try {
  for (const entry of entries) rows.push(await check(entry.file, entry.expect));
} finally {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}

const width = Math.max(...rows.map((row) => row.file.length), 4);
console.log(`${"file".padEnd(width)}  expect           sent      result`);
for (const row of rows) {
  const result = row.problems.length === 0 ? "ok" : `FAIL: ${row.problems.join("; ")}`;
  console.log(
    `${row.file.padEnd(width)}  ${row.expect.padEnd(15)}  ${row.sent.padEnd(8)}  ${result}`,
  );
}
const failed = rows.filter((row) => row.problems.length > 0).length;
const refused = rows.filter((row) => row.sent === "refused" && row.problems.length === 0).length;
console.log(
  `\n${rows.length} files (readers: exifr${exiftool ? ", exiftool" : ""}): ${rows.length - failed - refused} sent clean, ${refused} refused as allowed, ${failed} failed`,
);
process.exit(failed > 0 ? 1 : 0);

function firstLine(text: string): string {
  return text.trim().split("\n")[0]?.replace(/^✖ /, "") ?? "";
}

async function check(name: string, expect: string): Promise<Row> {
  const row: Row = { file: name, expect, sent: "-", problems: [] };
  const dir = await mkdtemp(path.join(work, "send-"));
  const original = path.join(dir, name);
  await copyFile(path.join(folder, name), original);
  await mkdir(path.join(dir, "config"));
  const result = await runCli(["send", name, "--via", "dropbox", "--no-copy", "--json"], {
    cwd: dir,
    timeoutMs: 120_000,
    env: {
      DMSHARE_CONFIG_DIR: path.join(dir, "config"),
      DMSHARE_DROPBOX_API_URL: emulator.url,
      DMSHARE_DROPBOX_TOKEN: TOKEN,
    },
  });
  if (result.code === 2) {
    row.sent = "refused";
    if (expect !== "clean-or-refuse") {
      row.problems.push(`refused (exit 2): ${firstLine(result.stderr)}`);
    }
    return row;
  }
  if (result.code !== 0) {
    row.sent = `exit ${result.code}`;
    row.problems.push(firstLine(result.stderr));
    return row;
  }
  row.sent = "sent";
  const remote = (JSON.parse(result.stdout) as { files: { remotePath: string }[] }).files[0];
  const uploaded = remote ? emulator.readFile(remote.remotePath) : null;
  if (!uploaded) {
    row.problems.push("the emulator holds no uploaded file");
    return row;
  }
  const before = await readFile(original);
  row.problems.push(...(await metadataProblems(uploaded, before, name)));
  row.problems.push(...(await pictureProblems(uploaded, before)));
  return row;
}

/** What an independent reader still finds in the uploaded bytes. */
async function metadataProblems(
  uploaded: Buffer,
  original: Buffer,
  name: string,
): Promise<string[]> {
  const problems: string[] = [];
  const isVideo = isIsoVideo(uploaded);
  if (!isVideo) {
    const gps = await exifr.gps(uploaded).catch(() => undefined);
    if (gps && (gps.latitude || gps.longitude))
      problems.push(`exifr: GPS ${gps.latitude}, ${gps.longitude}`);
    const parsed = (await exifr
      .parse(uploaded, {
        tiff: true,
        exif: true,
        gps: true,
        interop: true,
        ifd1: true,
        xmp: true,
        iptc: true,
        makerNote: true,
        userComment: true,
        mergeOutput: true,
        translateKeys: true,
      })
      .catch(() => undefined)) as Record<string, unknown> | undefined;
    for (const key of Object.keys(parsed ?? {})) {
      if (FORBIDDEN.test(key)) problems.push(`exifr: ${key}`);
    }
  }
  if (exiftool) {
    const file = path.join(work, `uploaded-${createHash("sha1").update(name).digest("hex")}`);
    await writeFile(file, uploaded);
    const { stdout } = await promisify(execFile)("exiftool", ["-j", "-G1", "-a", "-u", file], {
      maxBuffer: 64 << 20,
    });
    const tags = (JSON.parse(stdout) as Record<string, unknown>[])[0] ?? {};
    for (const [key, value] of Object.entries(tags)) {
      const [group = "", tag = key] = key.includes(":") ? key.split(":") : ["", key];
      // File system facts, exiftool's own, derived values, and ICC profiles (which name the
      // profile's maker, e.g. "Apple Computer Inc.", not the person).
      if (/^(System|File|ExifTool|Composite|ICC.*)$/.test(group)) continue;
      if (FORBIDDEN.test(tag)) problems.push(`exiftool: ${key}=${String(value).slice(0, 40)}`);
      else if (isVideo && !/^(QuickTime|Track\d+)$/.test(group) && VIDEO_DEVICE.test(tag)) {
        problems.push(`exiftool: ${key}=${String(value).slice(0, 40)} (device or date in a video)`);
      } else if (
        isVideo &&
        /^(QuickTime|Track\d+)$/.test(group) &&
        /(Create|Modify)Date$/.test(tag) &&
        !/^0000:00:00/.test(String(value))
      ) {
        problems.push(`exiftool: ${key}=${String(value)} (a video header's time)`);
      }
    }
  }
  // The original's ISO 6709 position must not appear anywhere in the copy (video location).
  const iso = /[+-]\d{2}\.\d{3,}[+-]\d{3}\.\d{3,}/.exec(original.toString("latin1"))?.[0];
  if (iso && uploaded.includes(Buffer.from(iso, "latin1")))
    problems.push(`ISO 6709 position ${iso} still in the bytes`);
  return problems;
}

function isIsoVideo(bytes: Buffer): boolean {
  const type = bytes.toString("latin1", 4, 8);
  if (type !== "ftyp") return ["moov", "mdat", "wide"].includes(type);
  return /^(isom|iso\d|mp4\d|qt {2}|M4V |avc1|dash|mp41|mp42)$/.test(
    bytes.toString("latin1", 8, 12),
  );
}

/** The picture must be the one taken: pixels, coded data and orientation unchanged. */
async function pictureProblems(uploaded: Buffer, original: Buffer): Promise<string[]> {
  const problems: string[] = [];
  if (isIsoVideo(original)) {
    if (!mediaData(uploaded).equals(mediaData(original)))
      problems.push("media data (mdat) changed");
    return problems;
  }
  const before = await pixels(original);
  const after = await pixels(uploaded);
  if (before && !after) problems.push("the copy can't be decoded");
  else if (before && after && !before.equals(after)) problems.push("decoded pixels differ");
  if (original[0] === 0xff && original[1] === 0xd8) {
    if (!scanData(uploaded).equals(scanData(original))) problems.push("JPEG scan data differs");
  }
  const orientation = async (bytes: Buffer) =>
    (await exifr.orientation(bytes).catch(() => undefined)) ?? 1;
  const [was, is] = [await orientation(original), await orientation(uploaded)];
  if (was !== is) problems.push(`orientation ${was} became ${is}`);
  return problems;
}

async function pixels(bytes: Buffer): Promise<Buffer | null> {
  const brand = bytes.toString("latin1", 8, 12);
  if (bytes.toString("latin1", 4, 8) === "ftyp" && /^(heic|heix|mif1|msf1|hevc)$/.test(brand)) {
    try {
      const { default: decode } = await import("heic-decode");
      return Buffer.from((await decode({ buffer: bytes })).data);
    } catch {
      return null;
    }
  }
  return sharp(bytes, { animated: true })
    .raw()
    .toBuffer()
    .catch(() => null);
}

/**
 * A JPEG's entropy-coded data: from its first start-of-scan marker (found by walking the
 * segments, so a thumbnail inside EXIF is not taken for it) to the end-of-image marker.
 */
function scanData(jpeg: Buffer): Buffer {
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    if (marker === 0xda) break;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  // 0xFF is always stuffed in coded data, so the first FFD9 after the scan is its end.
  const end = jpeg.indexOf(Buffer.from([0xff, 0xd9]), at);
  return jpeg.subarray(at, end === -1 ? jpeg.length : end);
}

/** The bodies of every top-level mdat box, hashed in order. */
function mediaData(bytes: Buffer): Buffer {
  const hash = createHash("sha256");
  for (let at = 0; at + 8 <= bytes.length; ) {
    let size = bytes.readUInt32BE(at);
    let header = 8;
    if (size === 1) {
      size = Number(bytes.readBigUInt64BE(at + 8));
      header = 16;
    } else if (size === 0) size = bytes.length - at;
    if (size < header) break;
    if (bytes.toString("latin1", at + 4, at + 8) === "mdat")
      hash.update(bytes.subarray(at + header, at + size));
    at += size;
  }
  return hash.digest();
}
