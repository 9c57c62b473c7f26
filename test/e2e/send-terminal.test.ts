import { afterEach, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";
import { COLOUR_TERMINAL, colouredScreen, useTerminals } from "../helpers/tmux.ts";

// What send shows in a real terminal. Upload progress as a person sees it in a real terminal (tmux), with colour, without it
// (NO_COLOR, TERM=dumb), and in a pipe. The emulator's bandwidth makes the upload last seconds:
// 12 MB, since on loopback the socket buffers take the first few MB at once (a 2 MB file went
// to 100% at once, and only a false "100% … ETA 0s" frame matched MOVING).
const TOKEN = "progress-token";
const bed = useDropboxTestbed({ token: TOKEN });

const openTerminal = useTerminals();
afterEach(() => {
  bed.emulator.bandwidthBytesPerSecond = 0;
});

/** The line while bytes go up: name, bytes of total, %, rate and ETA. */
const MOVING =
  /Uploading big\.jpg {2}\d[\d.]* [KM]?B of 12 MB {2}\d+% {2}\d[\d.]* [KM]?B\/s {2}ETA [1-9]\d*s/;

async function sendAtTerminal(env: Record<string, string | undefined>, columns = 80) {
  await writeFiles(bed.dir, { "big.jpg": jpegBytes(12_000_000) });
  bed.emulator.bandwidthBytesPerSecond = 4_000_000;
  return openTerminal(["send", "big.jpg", "--via", "dropbox", "--no-copy"], {
    cwd: bed.dir,
    columns,
    env: bed.env({ ...COLOUR_TERMINAL, ...env }),
  });
}

describe("upload progress in a real terminal", () => {
  it("with colour: one line redrawn in place with the name, bytes, %, rate and ETA", async () => {
    const term = await sendAtTerminal({});
    await term.waitFor(MOVING);
    expect(await colouredScreen(term)).toContain("\u001b[");
    expect(await term.exitCode()).toBe(0);
    const screen = await term.screen();
    // Redrawn in place: no progress line is left behind, only the outcome.
    expect(screen).not.toContain("Uploading");
    expect(screen).toMatch(/✔ Uploaded big\.jpg \(12 MB/);
  });

  for (const [label, env] of [
    ["NO_COLOR=1", { NO_COLOR: "1" }],
    ["TERM=dumb", { TERM: "dumb" }],
  ] as const) {
    it(`with ${label}: plain lines, at most one a second, no escape codes`, async () => {
      const term = await sendAtTerminal(env);
      await term.waitFor(MOVING);
      expect(await term.exitCode()).toBe(0);
      const screen = await term.screen(true);
      expect(screen).not.toContain("\u001b[");
      const lines = screen.split("\n").filter((line) => line.startsWith("Uploading big.jpg"));
      // About 3 s of upload: the first line, then one a second at most.
      expect(screen).not.toContain("ETA 0s");
      expect(lines.length).toBeGreaterThanOrEqual(2);
      expect(lines.length).toBeLessThanOrEqual(6);
      expect(screen).toMatch(/✔ Uploaded big\.jpg \(12 MB/);
    });
  }

  it("in a pipe: no progress at all, only the outcome", async () => {
    await writeFiles(bed.dir, { "big.jpg": jpegBytes(2_000_000) });
    bed.emulator.bandwidthBytesPerSecond = 700_000;
    const { code, stderr } = await bed.dmshare([
      "send",
      "big.jpg",
      "--via",
      "dropbox",
      "--no-copy",
    ]);
    expect(code).toBe(0);
    expect(stderr).not.toContain("Uploading");
    expect(stderr).toMatch(/^✔ Uploaded big\.jpg \(2\.0 MB/m);
  });
});

describe("send --dry-run in a real terminal", () => {
  it("asks for the account as the real run does, then shows the plan", async () => {
    await writeFiles(bed.dir, { "cat.jpg": jpegBytes(4000) });
    const before = bed.emulator.requests.length;
    const terminal = await openTerminal(["send", "cat.jpg", "--dry-run"], {
      cwd: bed.dir,
      env: bed.env({ ...COLOUR_TERMINAL }),
    });
    await terminal.waitFor("Send with");
    await terminal.press("Enter");
    expect(await terminal.exitCode()).toBe(0);
    expect(await terminal.screen()).toContain(
      "Would upload cat.jpg (4.0 KB) to Dropbox and make a view-only link.",
    );
    expect(bed.emulator.requests.slice(before)).toEqual([]);
  });
});

describe("picking photos at a terminal", () => {
  it("twelve photos picked: a summary line, not a wall of names", async () => {
    const { mkdir } = await import("node:fs/promises");
    const folder = `${bed.dir}/twelve`;
    await mkdir(folder, { recursive: true });
    const names = Array.from({ length: 12 }, (_, i) => `p${String(i).padStart(2, "0")}.jpg`);
    await writeFiles(folder, Object.fromEntries(names.map((name) => [name, jpegBytes(4000)])));
    const terminal = await openTerminal(["send"], {
      cwd: folder,
      env: bed.env({ ...COLOUR_TERMINAL }),
    });
    await terminal.waitFor("Photos to send");
    await terminal.press("a", "Enter");
    const screen = await terminal.waitFor("Send with");
    expect(screen).toMatch(/Photos to send 12 photos selected, 48 KB/);
    expect(screen).not.toMatch(/p00\.jpg \(4\.0 KB\), p01/);
    await terminal.press("C-c");
    expect(await terminal.exitCode()).toBe(130);
  });
});
