// `npm run demo`: a full send → list → revoke against the local Dropbox emulator, printing
// what a user would see. No account, no network; nothing outside a temp dir is touched.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDropboxEmulator } from "../test/emulators/dropbox.ts";
import { writeFiles } from "../test/helpers/cli.ts";
import { jpegBytes, pngBytes } from "../test/helpers/media.ts";

const bin = fileURLToPath(new URL("../bin/dmshare.js", import.meta.url));
const token = "demo-token";
const emulator = await startDropboxEmulator({ staticTokens: [token] });
const work = await mkdtemp(path.join(tmpdir(), "dmshare-demo-"));
const env = {
  ...process.env,
  DMSHARE_CONFIG_DIR: path.join(work, "config"),
  DMSHARE_DROPBOX_API_URL: emulator.url,
  DMSHARE_DROPBOX_TOKEN: token,
};

function dmshare(args: string[], { quietly = false } = {}): string {
  if (!quietly)
    console.log(
      `\n$ dmshare ${args.map((arg) => (/[\s"']/.test(arg) ? `"${arg}"` : arg)).join(" ")}`,
    );
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: work,
    env,
    encoding: "utf8",
    stdio: ["ignore", quietly ? "pipe" : "inherit", "inherit"],
  });
  if (result.status !== 0)
    throw new Error(`dmshare ${args.join(" ")} exited with ${result.status}`);
  return result.stdout ?? "";
}

try {
  console.log(`Dropbox emulator on ${emulator.url}; config in ${env.DMSHARE_CONFIG_DIR}`);
  await writeFiles(work, {
    "beach.jpg": jpegBytes(2_400_000),
    "day1-sunset.jpg": jpegBytes(1_800_000),
    "day1-tram.jpg": jpegBytes(2_100_000),
    "day1-map.png": pngBytes(600_000),
  });
  dmshare(["status"]);
  dmshare(["send", "beach.jpg", "--via", "dropbox"]);
  dmshare([
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
  dmshare(["list"]);
  const [newest] = JSON.parse(dmshare(["list", "--json"], { quietly: true })) as { id: string }[];
  dmshare(["revoke", newest?.id ?? "", "--delete-files"]);
  dmshare(["list", "--all"]);
  console.log("\nDemo finished: the album link above no longer opens, the photo link still does.");
} finally {
  await emulator.close();
  await rm(work, { recursive: true, force: true });
}
