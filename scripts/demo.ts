// `npm run demo`: send → list → revoke against the local Dropbox and Google emulators, printing
// what a user would see. No account, no network; nothing outside a temp dir is touched.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDropboxEmulator } from "../test/emulators/dropbox.ts";
import { startGoogleEmulator } from "../test/emulators/google.ts";
import { cameraJpeg } from "../test/helpers/camera.ts";
import { writeFiles } from "../test/helpers/cli.ts";
import { jpegBytes, pngBytes } from "../test/helpers/media.ts";

const bin = fileURLToPath(new URL("../bin/dmshare.js", import.meta.url));
const token = "demo-token";
const emulator = await startDropboxEmulator({ staticTokens: [token] });
const google = await startGoogleEmulator({ staticTokens: [token] });
const work = await mkdtemp(path.join(tmpdir(), "dmshare-demo-"));
const env = {
  ...process.env,
  DMSHARE_CONFIG_DIR: path.join(work, "config"),
  DMSHARE_DROPBOX_API_URL: emulator.url,
  DMSHARE_DROPBOX_TOKEN: token,
  DMSHARE_GOOGLE_API_URL: google.url,
  DMSHARE_GDRIVE_TOKEN: token,
  DMSHARE_GPHOTOS_TOKEN: token,
};

/** Runs dmshare as a user would (async: the emulator answers from this same process). */
async function dmshare(args: string[], { quietly = false } = {}): Promise<string> {
  if (!quietly)
    console.log(
      `\n$ dmshare ${args.map((arg) => (/[\s"']/.test(arg) ? `"${arg}"` : arg)).join(" ")}`,
    );
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: work,
    env,
    stdio: ["ignore", quietly ? "pipe" : "inherit", "inherit"],
  });
  let stdout = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`dmshare ${args.join(" ")} exited with ${code}`);
  return stdout;
}

try {
  console.log(
    `Dropbox emulator on ${emulator.url}, Google emulator on ${google.url}; config in ${env.DMSHARE_CONFIG_DIR}`,
  );
  await writeFiles(work, {
    // A photo as a phone writes it, GPS included: dmshare removes the location before upload.
    "beach.jpg": await cameraJpeg({ width: 1600, height: 1200 }),
    "day1-sunset.jpg": jpegBytes(1_800_000),
    "day1-tram.jpg": jpegBytes(2_100_000),
    "day1-map.png": pngBytes(600_000),
  });
  await dmshare(["status"]);
  await dmshare(["send", "beach.jpg", "--via", "dropbox"]);
  await dmshare([
    "send",
    "day1-sunset.jpg",
    "day1-tram.jpg",
    "day1-map.png",
    "--album",
    "Lisbon trip",
    "--via",
    "dropbox",
    "--no-copy",
  ]);
  await dmshare(["list"]);
  const [album, photo] = JSON.parse(await dmshare(["list", "--json"], { quietly: true })) as {
    id: string;
    url: string;
  }[];
  if (!album || !photo) throw new Error("the demo expected two links in the ledger");
  await dmshare(["revoke", album.id, "--delete-files"]);

  await dmshare(["send", "beach.jpg", "--via", "gdrive", "--no-copy"]);
  await dmshare([
    "send",
    "day1-sunset.jpg",
    "day1-tram.jpg",
    "--album",
    "Lisbon trip",
    "--via",
    "gphotos",
  ]);
  const [photos, drive] = JSON.parse(await dmshare(["list", "--json"], { quietly: true })) as {
    id: string;
    url: string;
    status: string;
  }[];
  if (photos?.status !== "needs-sharing" || !drive) {
    throw new Error("the demo expected a Drive link and a Google Photos album to share");
  }
  await dmshare(["revoke", drive.id]);
  await dmshare(["list", "--all"]);
  if (
    emulator.resolveSharedLink(album.url) !== null ||
    emulator.resolveSharedLink(photo.url) === null ||
    google.resolveDriveLink(drive.url)?.access !== null
  ) {
    throw new Error("the emulators disagree with the ledger about which link works");
  }
  console.log(
    "\nDemo finished: the emulators confirm the Dropbox album link and the Drive link no longer open, and the Dropbox photo link still does.",
  );
} finally {
  await emulator.close();
  await google.close();
  await rm(work, { recursive: true, force: true });
}
