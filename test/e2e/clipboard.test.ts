import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
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

const bed = useDropboxTestbed({ token: TOKEN });
let xvfb: ChildProcess | undefined;
const display = `:${90 + (process.pid % 9)}`;

afterAll(() => {
  xvfb?.kill();
});

async function send(env: Record<string, string | undefined>) {
  await writeFiles(bed.dir, { "beach.jpg": jpegBytes() });
  return bed.dmshare(["send", "beach.jpg", "--via", "dropbox"], { env });
}

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

  it("under Xvfb with --each: each copied line says which file it is, as printed", async () => {
    expect(xvfb, "the test above starts the X server").toBeDefined();
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(1000), "b.jpg": jpegBytes(2000) });
    const { code, stdout } = await bed.dmshare(
      ["send", "a.jpg", "b.jpg", "--each", "--via", "dropbox"],
      { env: { DISPLAY: display } },
    );
    expect(code).toBe(0);
    const clipboard = execFileSync("xsel", ["--clipboard", "--output"], {
      env: { ...process.env, DISPLAY: display },
      encoding: "utf8",
    });
    expect(clipboard).toBe(stdout.trimEnd());
    expect(clipboard.split("\n")).toEqual([
      expect.stringMatching(/^a\.jpg: Here's the photo: https:\/\/www\.dropbox\.com\/scl\/fi\//),
      expect.stringMatching(/^b\.jpg: Here's the photo: https:\/\/www\.dropbox\.com\/scl\/fi\//),
    ]);
  });
});
