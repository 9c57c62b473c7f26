// What the in-process context lets a test control without a process or a terminal: whether
// stdout is a terminal (and how wide), Ctrl-C, and the retry waits (on the test's clock).
import { describe, expect, it } from "vitest";
import { waitFor, writeFiles } from "../helpers/cli.ts";
import type { TestContext } from "../helpers/context.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { jpegBytes } from "../helpers/media.ts";

const bed = useDropboxTestbed({ token: "in-process-token", runner: "in-process" });

async function sendPhoto(name: string) {
  await writeFiles(bed.dir, { [name]: jpegBytes() });
  const sent = await bed.dmshare(["send", name, "--via", "dropbox", "--no-copy", "--json"]);
  expect(sent.code, sent.stderr).toBe(0);
  return JSON.parse(sent.stdout) as { id: string; url: string };
}

describe("the in-process context", () => {
  it("list on a terminal is an aligned table with a header; piped, tab-separated rows", async () => {
    const sent = await sendPhoto("beach.jpg");
    const onTerminal = await runInProcess(["list"], {
      cwd: bed.dir,
      env: bed.env(),
      stdout: { isTTY: true, columns: 120 },
    });
    expect(onTerminal.code).toBe(0);
    const [header, row] = onTerminal.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID {2,}/);
    expect(row?.startsWith(`${sent.id}  `)).toBe(true);
    expect(onTerminal.stdout).not.toContain("\t");

    const piped = await bed.dmshare(["list"]);
    expect(piped.stdout.startsWith(`${sent.id}\t`)).toBe(true);
  });

  it("Ctrl-C while the link is being made: exit 130, said on stderr, no active link recorded", async () => {
    await writeFiles(bed.dir, { "held.jpg": jpegBytes() });
    let release = () => {};
    const until = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({
      route: "/2/sharing/create_shared_link_with_settings",
      kind: "hold",
      until,
    });
    const before = bed.emulator.requests.length;
    try {
      const result = await runInProcess(["send", "held.jpg", "--via", "dropbox", "--no-copy"], {
        cwd: bed.dir,
        env: bed.env(),
        started: (test) => {
          // Pressed once the link request is at Dropbox, its answer held.
          void waitFor(async () =>
            bed.emulator.requests
              .slice(before)
              .some((request) => request.path === "/2/sharing/create_shared_link_with_settings")
              ? true
              : undefined,
          ).then(() => {
            test.interrupt();
            release();
          });
        },
      });
      expect(result.code).toBe(130);
      expect(result.stderr).toContain("Interrupted");
    } finally {
      release();
      bed.emulator.clearFaults();
    }
    const listed = JSON.parse((await bed.dmshare(["list", "--json", "--all"])).stdout) as {
      status: string;
    }[];
    expect(listed.filter((link) => link.status === "active")).toEqual([]);
  });

  it("a retry waits on the test's clock, not for real: each wait is recorded", async () => {
    await writeFiles(bed.dir, { "flaky.jpg": jpegBytes() });
    bed.emulator.inject({ route: "/2/files/upload", kind: "status", status: 503, times: 3 });
    const before = bed.emulator.requests.length;
    let context: TestContext | undefined;
    try {
      const result = await runInProcess(["send", "flaky.jpg", "--via", "dropbox", "--no-copy"], {
        cwd: bed.dir,
        env: bed.env(),
        started: (test) => {
          context = test;
        },
      });
      expect(result.code, result.stderr).toBe(0);
    } finally {
      bed.emulator.clearFaults();
    }
    expect(context?.slept).toHaveLength(3);
    const uploads = bed.emulator.requests
      .slice(before)
      .filter((request) => request.path === "/2/files/upload");
    expect(uploads).toHaveLength(4);
  });
});
