import { stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  parseSendOptions,
  type SendObserver,
  type SendRequest,
  send,
} from "../../src/core/send/index.ts";
import { shareOne } from "../../src/core/send/share-one.ts";
import { connectProvider } from "../../src/core/session.ts";
import { DmshareError } from "../../src/lib/errors.ts";
import { Ledger, type LedgerEntry } from "../../src/store/ledger.ts";
import { ledgerPath } from "../../src/store/paths.ts";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { jpegBytes } from "../helpers/media.ts";

// The share pipeline in-process against the Dropbox emulator: intent on record → upload →
// check the file did not change → link → record. The observer's calls are the seams where a
// test acts between two steps.

const TOKEN = "pipeline-token";
const LINK_ROUTE = "/2/sharing/create_shared_link_with_settings";
let emulator: DropboxEmulator;
beforeAll(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
});
afterAll(() => emulator.close());

let dir = "";
beforeEach(async () => {
  const work = await tempDir();
  dir = work.dir;
  return () => work.cleanup();
});

const configDir = () => path.join(dir, "config");
const ledger = () => new Ledger(ledgerPath(configDir()));
const context = () =>
  testContext({
    configDir: configDir(),
    cwd: dir,
    env: { DMSHARE_DROPBOX_API_URL: emulator.url, DMSHARE_DROPBOX_TOKEN: TOKEN },
    now: new Date(),
  }).ctx;

/**
 * `dmshare send NAME --via dropbox` (plus `extra`) in-process, NAME a new photo (the emulator
 * lives as long as the file); `steps` logs what the observer was told.
 */
async function sendPhoto(
  name: string,
  extra: Partial<SendRequest>,
  act: Partial<SendObserver> = {},
) {
  await writeFile(path.join(dir, name), jpegBytes(5000 + name.length));
  const ctx = context();
  const steps: string[] = [];
  const observer: SendObserver = {
    uploading: async (plan) => {
      steps.push("uploading");
      await act.uploading?.(plan);
    },
    progress: () => {},
    uploaded: (plan, to) => {
      steps.push("uploaded");
      act.uploaded?.(plan, to);
    },
    linked: (plan, link) => {
      steps.push("linked");
      act.linked?.(plan, link);
    },
    reusedEarlier: () => steps.push("reused"),
    failed: () => steps.push("failed"),
  };
  const request: SendRequest = {
    paths: [name],
    via: "dropbox",
    each: false,
    noDownload: false,
    dryRun: false,
    ...extra,
  };
  const run = send(ctx, parseSendOptions(request, ctx.now()), observer);
  return { run, steps };
}

const requestsSince = (before: number) => emulator.requests.slice(before).map((r) => r.path);

describe("one share, step by step", () => {
  it("records the intent before uploading, then uploads, links and records the link", async () => {
    const before = emulator.requests.length;
    let atUpload: LedgerEntry[] = [];
    const { run, steps } = await sendPhoto(
      "order.jpg",
      {},
      {
        uploading: async () => {
          atUpload = await ledger().entries();
        },
      },
    );
    const outcome = await run;
    expect(steps).toEqual(["uploading", "uploaded", "linked"]);
    // Nothing existed remotely yet, but the intent was on disk, owned by this process.
    expect(atUpload).toHaveLength(1);
    expect(atUpload[0]).toMatchObject({ status: "pending", url: null, target: null });
    expect(atUpload[0]?.owner?.pid).toBe(process.pid);
    const paths = requestsSince(before);
    expect(paths.indexOf("/2/files/upload")).toBeGreaterThanOrEqual(0);
    expect(paths.indexOf(LINK_ROUTE)).toBeGreaterThan(paths.indexOf("/2/files/upload"));
    const [entry] = await ledger().entries();
    expect(entry).toMatchObject({ status: "active", url: outcome.links[0]?.entry.url });
    expect(entry?.owner).toBeUndefined();
  });

  it("a file that changes after the upload began is not linked: upload and entry go", async () => {
    const file = path.join(dir, "changing.jpg");
    const before = emulator.requests.length;
    const { run, steps } = await sendPhoto(
      "changing.jpg",
      // Streamed as it is: the upload reads the user's own file.
      { keepMetadata: true },
      {
        uploading: async () => {
          await utimes(file, new Date(), new Date("2030-01-01T00:00:00Z"));
        },
      },
    );
    const error = await run.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DmshareError);
    expect(error).toMatchObject({
      kind: "usage",
      message: `${file} changed while it was being uploaded.`,
    });
    expect(steps).toEqual(["uploading"]);
    expect(requestsSince(before)).toContain("/2/files/upload");
    expect(requestsSince(before)).not.toContain(LINK_ROUTE);
    expect(emulator.listFiles().filter((f) => f.pathLower.includes("changing"))).toEqual([]);
    expect(await ledger().entries()).toEqual([]);
  });

  it("an entry revoked while it uploads gets no link, and keeps what was uploaded on record", async () => {
    const before = emulator.requests.length;
    let revoking: Promise<unknown> = Promise.resolve();
    const { run, steps } = await sendPhoto(
      "revoked.jpg",
      {},
      {
        uploaded: () => {
          // What `dmshare revoke ID` does to a pending entry, between upload and link.
          revoking = ledger().update((entries) => {
            for (const entry of entries) {
              entry.status = "revoked";
              entry.revokedAt = new Date().toISOString();
            }
          });
        },
      },
    );
    const error = await run.catch((caught: unknown) => caught);
    await revoking;
    expect((error as Error).message).toMatch(/^Link \w+ was revoked while it was being made\.$/);
    expect(steps).toEqual(["uploading", "uploaded"]);
    expect(requestsSince(before)).not.toContain(LINK_ROUTE);
    const [entry] = await ledger().entries();
    expect(entry).toMatchObject({ status: "revoked", url: null });
    expect(entry?.target?.remotePath).toBe(`/dmshare/${entry?.id}/revoked.jpg`);
  });
});

describe("the link does not wait for the content hash", () => {
  it("asks for the link while the hash is still being read, and records the hash after", async () => {
    const file = path.join(dir, "slow-hash.jpg");
    const content = jpegBytes(5100);
    await writeFile(file, content);
    const ctx = context();
    const provider = await connectProvider(ctx, "dropbox");
    const local = {
      path: file,
      contentPath: file,
      name: "slow-hash.jpg",
      bytes: content.length,
      mime: "image/jpeg",
      modifiedAt: (await stat(file)).mtime,
      preparation: { metadata: null, reencoded: [], notes: [] },
    };
    // The hash is done only once the link exists: awaiting it first would never end.
    let hashDone: (hash: string) => void = () => {};
    const hashed = new Promise<string>((resolve) => {
      hashDone = resolve;
    });
    const observer: SendObserver = {
      uploading: () => {},
      progress: () => {},
      uploaded: () => {},
      linked: () => hashDone("f".repeat(64)),
      reusedEarlier: () => {},
      failed: () => {},
    };
    const sent = await shareOne(
      ctx,
      provider,
      { kind: "photo", name: "slow-hash.jpg", files: [local] },
      {
        expiresAt: null,
        noDownload: false,
        contentHash: () => hashed,
        expiryEnforcedBy: null,
        datedMessage: false,
        partial: false,
        concurrency: undefined,
      },
      {},
      observer,
    );
    expect(sent.entry).toMatchObject({ status: "active", contentHash: "f".repeat(64) });
  });
});
