import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { interruptOnRequest, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";
import { startTerminal, type Terminal } from "../helpers/tmux.ts";

// Flaky networks through the built binary: the retry notice on a real terminal, and Ctrl-C
// during a Drive upload. The rest runs in-process: test/integration/network-faults.test.ts.

const MIB = 1024 * 1024;
const BIG = 50 * MIB;

/** A 50 MiB JPEG-typed file (sparse after its header), and its bytes for comparison. */
async function bigPhoto(dir: string, name: string): Promise<Buffer> {
  const file = path.join(dir, name);
  await writeFile(file, jpegBytes(4096));
  await truncate(file, BIG);
  return readFile(file);
}

let terminal: Terminal | undefined;
afterEach(async () => {
  await terminal?.close();
  terminal = undefined;
});

describe("Dropbox on a flaky network", () => {
  const bed = useDropboxTestbed({ token: "flaky-dropbox-token" });

  it("waits out a rate limit (429 too_many_write_operations, Retry-After) and says so on a terminal", async () => {
    await writeFiles(bed.dir, { "busy.jpg": jpegBytes() });
    bed.emulator.inject({
      route: "/2/files/upload",
      kind: "status",
      status: 429,
      reason: "too_many_write_operations",
      retryAfterSeconds: 2,
    });
    terminal = await startTerminal(["send", "busy.jpg", "--via", "dropbox", "--no-copy"], {
      cwd: bed.dir,
      env: bed.env({ DISPLAY: undefined }),
    });
    await terminal.waitFor("retrying in 2 s (rate limited)");
    expect(await terminal.exitCode()).toBe(0);
    expect(await terminal.screen()).toMatch(/https:\/\/www\.dropbox\.com\/scl\/fi\//);
  });
});

describe("Google Drive on a flaky network", () => {
  const bed = useGoogleTestbed({ token: "flaky-google-token" });

  it("Ctrl-C during an upload exits 130 and leaves no file in Drive", async () => {
    await bigPhoto(bed.dir, "stopped.jpg");
    bed.emulator.bandwidthBytesPerSecond = 4 * MIB;
    try {
      const { code, stdout, stderr } = await interruptOnRequest(
        ["send", "stopped.jpg", "--via", "gdrive", "--no-copy"],
        { cwd: bed.dir, env: bed.env(), requests: bed.emulator.requests },
        (request) => request.method === "PUT" && request.path.startsWith("/upload/"),
      );
      expect(code).toBe(130);
      expect(stdout).toBe("");
      expect(stderr).toContain("Interrupted");
      expect(stderr).not.toContain("Unexpected");
    } finally {
      bed.emulator.bandwidthBytesPerSecond = 0;
    }
    expect(bed.emulator.driveFiles().filter((file) => file.name === "stopped.jpg")).toEqual([]);
    expect((await bed.dmshare(["list", "--json"])).stdout.trim()).toBe("[]");
  });
});
