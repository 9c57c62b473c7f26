// Link lifecycle on Google through the built binary: Drive has no expiry for anyone-links, so
// dmshare enforces --expires itself with `prune`; `sync` against Drive state changed behind
// dmshare's back; Google Photos has nothing to sync.

import { copyFile } from "node:fs/promises";
import { beforeEach, describe, expect, it } from "vitest";
import { type GoogleEmulator, startGoogleEmulator } from "../emulators/google.ts";
import { writeFiles } from "../helpers/cli.ts";
import { ledgerDb } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTestbed } from "../helpers/testbed.ts";

const TOKEN = "lifecycle-google-token";
const DAY = 86_400_000;

// A fresh emulator per test: sync looks at every shared item in the dmshare folder.
let emulator: GoogleEmulator;
beforeEach(async () => {
  emulator = await startGoogleEmulator({ staticTokens: [TOKEN] });
  return () => emulator.close();
});
const bed = useTestbed(
  async () => ({ close: async () => {} }),
  () => ({ DMSHARE_GDRIVE_TOKEN: TOKEN }),
  "in-process",
);
const run = (args: string[], env: Record<string, string> = {}) =>
  bed.dmshare(args, { env: { DMSHARE_GOOGLE_API_URL: emulator.url, ...env } });
const runAt = (shiftMs: number, args: string[]) =>
  run(args, { DMSHARE_NOW: new Date(Date.now() + shiftMs).toISOString() });

interface SentLink {
  id: string;
  url: string;
  kind: string;
  name: string;
  status: string;
  expiryEnforcedBy: string | null;
  expiresAt: string | null;
}

async function send(names: string[], extra: string[] = []): Promise<SentLink> {
  await writeFiles(bed.dir, Object.fromEntries(names.map((name) => [name, jpegBytes()])));
  const result = await run(["send", ...names, "--via", "gdrive", "--no-copy", "--json", ...extra]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as SentLink;
}

const driveId = (url: string) => /\/(?:file\/d|folders)\/([\w-]+)/.exec(url)?.[1] ?? "";
const opens = (url: string) => Boolean(emulator.resolveDriveLink(url)?.access);
const ledgerFile = () => ledgerDb(bed.configDir);

describe("Google Drive", () => {
  it("--expires is enforced by dmshare: with auto-prune off the link works (overdue) until prune revokes it", async () => {
    expect((await run(["config", "set", "auto-prune", "off"])).code).toBe(0);
    const sent = await send(["drive.jpg"], ["--expires", "2d"]);
    expect(sent.expiryEnforcedBy).toBe("dmshare");
    expect((await runAt(DAY, ["prune", "--json"])).stdout).toBe("[]\n");
    const listed = await runAt(3 * DAY, ["list"]);
    expect(listed.stdout.split("\t").slice(5, 7)).toEqual([
      `${sent.expiresAt?.slice(0, 19)}Z`,
      "overdue",
    ]);
    expect(opens(sent.url)).toBe(true);
    const pruned = await runAt(3 * DAY, ["prune", "--yes"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe(`Revoked ${sent.id} drive.jpg\n`);
    expect(opens(sent.url)).toBe(false);
  });

  it("--expires is enforced by dmshare: the first command after the expiry revokes the link", async () => {
    const sent = await send(["auto.jpg"], ["--expires", "2d"]);
    const listed = await runAt(3 * DAY, ["list", "--all"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toBe(`Revoked a link past the expiry you gave: ${sent.id} auto.jpg\n`);
    expect(listed.stdout.split("\t")[6]).toBe("revoked");
    expect(opens(sent.url)).toBe(false);
    // With --json, stderr stays quiet: nothing is left to revoke anyway.
    const json = await runAt(3 * DAY, ["list", "--json", "--all"]);
    expect(json.stderr).toBe("");
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ id: sent.id, status: "revoked" }),
    ]);
  });

  it("sync marks a link whose permission was removed in Drive as revoked, and adopts one the ledger forgot", async () => {
    const removed = await send(["removed.jpg"]);
    await copyFile(ledgerFile(), `${ledgerFile()}.backup`);
    const album = await send(["a1.jpg", "a2.jpg"], ["--album", "Forgotten"]);
    await copyFile(`${ledgerFile()}.backup`, ledgerFile());
    const id = driveId(removed.url);
    const anyone = emulator.drivePermissions(id).find((each) => each.type === "anyone");
    emulator.removeDrivePermission(id, anyone?.id ?? "");

    const { code, stdout, stderr } = await run(["sync", "--json"]);
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ id: removed.id, change: "revoked", status: "revoked" }),
      expect.objectContaining({
        change: "adopted",
        kind: "album",
        name: "Forgotten",
        url: album.url,
        status: "active",
      }),
    ]);
    const again = await run(["sync"]);
    expect(again.stdout).toBe("");
    expect(again.stderr).toContain("Google Drive: the list matches (1 link checked)");
  });
});

describe("Google Photos", () => {
  it("sync says there is nothing to reconcile", async () => {
    const { code, stdout, stderr } = await run(["sync", "--provider", "gphotos"], {
      DMSHARE_GPHOTOS_TOKEN: TOKEN,
    });
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toContain("Google Photos: nothing to reconcile");
  });
});
