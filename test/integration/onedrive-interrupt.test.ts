import { describe, expect, it } from "vitest";
import { waitFor, writeFiles } from "../helpers/cli.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// Ctrl-C while a OneDrive request is at the server, its answer held: the server goes on and
// makes what was asked after dmshare gave up. Nothing of the send may stay behind, not even
// its empty folder in the app folder.

const TOKEN = "integration-onedrive-interrupt";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });

const sendFolders = () =>
  bed.emulator
    .items()
    .filter((item) => item.folder && item.parentId === bed.emulator.appFolder().id);

async function interruptedAt(route: RegExp, method: string) {
  await writeFiles(bed.dir, { "stop.jpg": jpegBytes(2000) });
  bed.emulator.appFolder();
  const foldersBefore = sendFolders().length;
  let release = () => {};
  const until = new Promise<void>((resolve) => {
    release = resolve;
  });
  bed.emulator.inject({ kind: "hold", until, route, method });
  const before = bed.emulator.requests.length;
  try {
    const result = await runInProcess(["send", "stop.jpg", "--via", "onedrive", "--no-copy"], {
      cwd: bed.dir,
      env: bed.env(),
      started: (test) => {
        void waitFor(async () =>
          bed.emulator.requests.slice(before).some((r) => r.method === method && route.test(r.path))
            ? true
            : undefined,
        ).then(() => {
          test.interrupt();
          release();
        });
      },
    });
    expect(result.code, result.stderr).toBe(130);
  } finally {
    release();
    bed.emulator.clearFaults();
  }
  // What the held request made (the emulator handles it at once) is gone again, with no sync.
  expect(bed.emulator.items().filter((item) => item.name === "stop.jpg")).toEqual([]);
  expect(sendFolders()).toHaveLength(foldersBefore);
  expect(bed.emulator.permissions().filter((p) => bed.emulator.item(p.itemId))).toEqual([]);
}

describe("OneDrive: Ctrl-C while a request is held at the server", () => {
  it("while the send's folder is being made: no empty folder stays", async () => {
    await interruptedAt(/\/children$/, "POST");
  });

  it("while the file is being uploaded: neither file nor folder stays", async () => {
    await interruptedAt(/:\/content$/, "PUT");
  });
});
