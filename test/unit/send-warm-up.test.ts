import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { parseSendOptions, type SendObserver, send } from "../../src/core/send/index.ts";
import { type GoogleEmulator, startGoogleEmulator } from "../emulators/google.ts";
import { tempDir, waitFor } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

// Drive's upload needs the dmshare folder's id: the send looks it up while the files are
// prepared (Provider.warmUp), not after, one round trip less one after another.

const TOKEN = "warm-up-token";
let emulator: GoogleEmulator;
beforeAll(async () => {
  emulator = await startGoogleEmulator({ staticTokens: [TOKEN] });
});
afterAll(() => emulator.close());

const lookedUp = (since: number) =>
  emulator.requests
    .slice(since)
    .some((request) => request.method === "GET" && request.path === "/drive/v3/files");

it("a Drive send looks up the dmshare folder before its upload starts", async () => {
  const work = await tempDir();
  try {
    await writeFile(path.join(work.dir, "warm.jpg"), jpegBytes(4200));
    const { ctx } = testContext({
      configDir: path.join(work.dir, "config"),
      cwd: work.dir,
      env: { DMSHARE_GOOGLE_API_URL: emulator.url, DMSHARE_GDRIVE_TOKEN: TOKEN },
      now: new Date(),
    });
    const before = emulator.requests.length;
    let lookedUpBeforeUpload = false;
    const observer: SendObserver = {
      // The upload waits for this: without the warm-up no look-up could arrive meanwhile.
      uploading: async () => {
        lookedUpBeforeUpload = await waitFor(
          async () => (lookedUp(before) ? true : undefined),
          3_000,
        ).catch(() => false);
      },
      progress: () => {},
      uploaded: () => {},
      linked: () => {},
      reusedEarlier: () => {},
      failed: () => {},
    };
    const request = {
      paths: ["warm.jpg"],
      via: "gdrive",
      each: false,
      noDownload: false,
      dryRun: false,
    };
    const outcome = await send(ctx, parseSendOptions(request, ctx.now()), observer);
    expect(outcome.links[0]?.entry.status).toBe("active");
    expect(lookedUpBeforeUpload).toBe(true);
  } finally {
    await work.cleanup();
  }
});
