import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { runCli, tempDir, writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";

const TOKEN = "clipboard-token";
const hasCommand = (name: string) => {
  try {
    execFileSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

let emulator: DropboxEmulator;
let work: { dir: string; cleanup: () => Promise<void> };
let xvfb: ChildProcess | undefined;
const display = `:${90 + (process.pid % 9)}`;

beforeAll(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  work = await tempDir();
  await writeFiles(work.dir, { "beach.jpg": jpegBytes() });
});
afterAll(async () => {
  xvfb?.kill();
  await emulator.close();
  await work.cleanup();
});

const send = (env: Record<string, string | undefined>) =>
  runCli(["send", "beach.jpg", "--via", "dropbox"], {
    cwd: work.dir,
    env: {
      DMSHARE_CONFIG_DIR: path.join(work.dir, "config"),
      DMSHARE_DROPBOX_API_URL: emulator.url,
      DMSHARE_DROPBOX_TOKEN: TOKEN,
      ...env,
    },
  });

describe("the clipboard", () => {
  it("without a display: a warning on stderr, the message on stdout, exit 0", async () => {
    const { code, stdout, stderr } = await send({ DISPLAY: undefined, WAYLAND_DISPLAY: undefined });
    expect(code).toBe(0);
    expect(stderr).toMatch(/Could not copy to the clipboard: .+\./);
    expect(stdout).toMatch(/^Here's the photo: https:\/\/\S+\n$/);
  });

  // A real X server and clipboard: CI installs xvfb and xsel (.ci/run); elsewhere they must be
  // installed too, or this test fails saying so.
  it("under Xvfb: the clipboard holds exactly the printed message", async () => {
    for (const tool of ["Xvfb", "xsel"]) {
      expect(hasCommand(tool), `${tool} is needed for this test: apt-get install xvfb xsel`).toBe(
        true,
      );
    }
    xvfb = spawn("Xvfb", [display, "-nolisten", "tcp"], { stdio: "ignore" });
    const socket = `/tmp/.X11-unix/X${display.slice(1)}`;
    for (let waited = 0; !existsSync(socket) && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { code, stdout, stderr } = await send({ DISPLAY: display });
    expect(code).toBe(0);
    expect(stderr).toContain("Copied the message to the clipboard");
    const clipboard = execFileSync("xsel", ["--clipboard", "--output"], {
      env: { ...process.env, DISPLAY: display },
      encoding: "utf8",
    });
    expect(clipboard).toBe(stdout.trimEnd());
    expect(clipboard).toMatch(/^Here's the photo: https:\/\/www\.dropbox\.com\/scl\/fi\//);
  });
});
