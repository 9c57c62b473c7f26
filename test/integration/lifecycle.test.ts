// Link lifecycle through the built binary against the Dropbox emulator: expiry (Dropbox's
// own, or dmshare's with `prune`), list's relative times and filters, revoke --album, and
// `sync` after the emulator's state changed behind dmshare's back. DMSHARE_NOW moves
// dmshare's clock (only dmshare's: the emulator keeps the real one).

import { copyFile, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { writeFiles } from "../helpers/cli.ts";
import { ledgerDb, readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTestbed } from "../helpers/testbed.ts";

const TOKEN = "lifecycle-static-token";
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A fresh emulator per test: sync looks at every link in the account, so links of earlier
// tests must not be there.
let emulator: DropboxEmulator;
beforeEach(async () => {
  emulator = await startDropboxEmulator({ staticTokens: [TOKEN] });
  return () => emulator.close();
});
const bed = useTestbed(
  async () => ({ close: async () => {} }),
  () => ({ DMSHARE_DROPBOX_TOKEN: TOKEN }),
  "in-process",
);
const run = (args: string[], env: Record<string, string> = {}) =>
  bed.dmshare(args, { env: { DMSHARE_DROPBOX_API_URL: emulator.url, ...env } });

/** dmshare with its clock moved by `shiftMs` from now (DMSHARE_NOW). */
const dmshareAt = (shiftMs: number, args: string[]) =>
  run(args, { DMSHARE_NOW: new Date(Date.now() + shiftMs).toISOString() });
const dmshare = (args: string[]) => run(args);

interface SentLink {
  id: string;
  url: string;
  kind: string;
  name: string;
  createdAt: string;
  expiresAt: string | null;
  expiryEnforcedBy: string | null;
  status: string;
  files: { remotePath: string }[];
}

async function send(names: string[], extra: string[] = [], shiftMs = 0): Promise<SentLink> {
  await writeFiles(bed.dir, Object.fromEntries(names.map((name) => [name, jpegBytes()])));
  const { code, stdout, stderr } = await dmshareAt(shiftMs, [
    "send",
    ...names,
    "--via",
    "dropbox",
    "--no-copy",
    "--json",
    ...extra,
  ]);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as SentLink;
}

const listJson = async (args: string[] = [], shiftMs = 0) => {
  const { code, stdout, stderr } = await dmshareAt(shiftMs, ["list", "--json", ...args]);
  expect(code, stderr).toBe(0);
  return JSON.parse(stdout) as SentLink[];
};

/** A call to the emulator's Dropbox API, as the website or another app would make it. */
async function dropboxApi(route: string, body: unknown) {
  const response = await fetch(`${emulator.url}/2/${route}`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
}

/** Uploads a file without dmshare; returns its metadata. */
async function uploadElsewhere(remotePath: string) {
  const response = await fetch(`${emulator.url}/2/files/upload`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${TOKEN}`,
      "content-type": "application/octet-stream",
      "dropbox-api-arg": JSON.stringify({ path: remotePath, mode: "add", autorename: true }),
    },
    body: jpegBytes(),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { id: string; path_display: string; name: string };
}

const ledgerFile = () => path.join(bed.configDir, "ledger.json");
const ledgerDbFile = () => ledgerDb(bed.configDir);

describe("expiry", () => {
  it("Dropbox Basic, auto-prune off: dmshare records the expiry, list shows it overdue once passed, and prune --yes revokes it at Dropbox", async () => {
    expect((await dmshare(["config", "set", "auto-prune", "off"])).code).toBe(0);
    const expiring = await send(["soon.jpg"], ["--expires", "3d"]);
    const lasting = await send(["forever.jpg"]);
    expect(expiring).toMatchObject({ expiryEnforcedBy: "dmshare", status: "active" });
    expect(lasting).toMatchObject({ expiryEnforcedBy: null, expiresAt: null });
    // Dropbox Basic can't expire it: the link at Dropbox has no expiry of its own.
    expect(emulator.resolveSharedLink(expiring.url)?.expiresAt).toBeUndefined();

    // Nothing is due yet: prune revokes nothing.
    const early = await dmshare(["prune", "--yes", "--json"]);
    expect(early.code).toBe(0);
    expect(JSON.parse(early.stdout)).toEqual([]);

    // Four days on, the link is overdue in the list: it still works until prune runs.
    const later = 4 * DAY;
    const listed = await listJson([], later);
    expect(listed.find((link) => link.id === expiring.id)?.status).toBe("overdue");
    expect(listed.find((link) => link.id === lasting.id)?.status).toBe("active");
    expect((await listJson(["--status", "overdue"], later)).map((link) => link.id)).toEqual([
      expiring.id,
    ]);
    expect(await listJson(["--status", "expired"], later)).toEqual([]);
    const table = await dmshareAt(later, ["list"]);
    const row = table.stdout.split("\n").find((line) => line.startsWith(expiring.id)) ?? "";
    // Piped: the expiry as a time (RFC 3339 UTC), the state in STATUS.
    expect(row.split("\t").slice(5, 7)).toEqual([
      `${expiring.expiresAt?.slice(0, 19)}Z`,
      "overdue",
    ]);
    expect(emulator.resolveSharedLink(expiring.url)).not.toBeNull();

    const dry = await dmshareAt(later, ["prune", "--dry-run"]);
    expect(dry.stdout).toBe(`Would revoke ${expiring.id} soon.jpg (${expiring.url})\n`);
    expect(emulator.resolveSharedLink(expiring.url)).not.toBeNull();

    const pruned = await dmshareAt(later, ["prune", "--yes", "--json"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(JSON.parse(pruned.stdout)).toEqual([
      expect.objectContaining({ id: expiring.id, outcome: "revoked", status: "revoked" }),
    ]);
    expect(emulator.resolveSharedLink(expiring.url)).toBeNull();
    expect(emulator.resolveSharedLink(lasting.url)).not.toBeNull();
    // Pruning again finds nothing; `revoke --expired` is the same command.
    const again = await dmshareAt(later, ["revoke", "--expired", "--json"]);
    expect(JSON.parse(again.stdout)).toEqual([]);
  });

  it("prune revokes several expired links without a terminal and without --yes (their expiry was chosen at send time); --delete-files still asks", async () => {
    expect((await dmshare(["config", "set", "auto-prune", "off"])).code).toBe(0);
    const a = await send(["a.jpg"], ["--expires", "1h"]);
    const b = await send(["b.jpg"], ["--expires", "2h"]);
    const asks = await dmshareAt(3 * HOUR, ["prune", "--delete-files"]);
    expect(asks.code).toBe(2);
    expect(asks.stderr).toContain("Refusing to revoke 2 links (and their files)");
    const pruned = await dmshareAt(3 * HOUR, ["prune"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toBe(`Revoked ${a.id} a.jpg\nRevoked ${b.id} b.jpg\n`);
    expect(emulator.resolveSharedLink(a.url)).toBeNull();
    expect(emulator.resolveSharedLink(b.url)).toBeNull();
  });

  it("a paid Dropbox plan enforces the expiry itself, and send says nothing about prune", async () => {
    emulator.setAccountType("pro");
    await writeFiles(bed.dir, { "pro.jpg": jpegBytes() });
    const { code, stdout, stderr } = await dmshare([
      "send",
      "pro.jpg",
      "--via",
      "dropbox",
      "--expires",
      "2d",
      "--no-copy",
      "--json",
    ]);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const sent = JSON.parse(stdout) as SentLink;
    expect(sent.expiryEnforcedBy).toBe("provider");
    expect(emulator.resolveSharedLink(sent.url)?.expiresAt).toBe(
      `${sent.expiresAt?.slice(0, 19)}Z`,
    );
    const [listed] = await listJson([], 3 * DAY);
    expect(listed).toMatchObject({ id: sent.id, status: "expired", expiryEnforcedBy: "provider" });
    // Expired, not overdue: Dropbox stopped the link itself.
    const table = await dmshareAt(3 * DAY, ["list"]);
    expect(table.stdout.split("\t").slice(5, 7)).toEqual([
      `${sent.expiresAt?.slice(0, 19)}Z`,
      "expired",
    ]);
  });

  it("refuses a DMSHARE_NOW that is not a time, with exit 2", async () => {
    const { code, stderr } = await run(["list"], { DMSHARE_NOW: "tomorrow" });
    expect(code).toBe(2);
    expect(stderr).toContain('DMSHARE_NOW "tomorrow" is not a date and time');
    expect(stderr).toContain("for tests only");
  });
});

describe("list", () => {
  it("piped, times are RFC 3339 UTC and a link that never expires has an empty EXPIRES", async () => {
    const expiring = await send(["week.jpg"], ["--expires", "3d"]);
    const lasting = await send(["keep.jpg"]);
    const { stdout } = await dmshare(["list"]);
    const rows = Object.fromEntries(
      stdout
        .trimEnd()
        .split("\n")
        .map((line) => line.split("\t"))
        .map((row) => [row[0], [row[4], row[5]]]),
    );
    const utc = (iso: string | null | undefined) => `${iso?.slice(0, 19)}Z`;
    expect(rows).toEqual({
      [expiring.id]: [utc(expiring.createdAt), utc(expiring.expiresAt)],
      [lasting.id]: [utc(lasting.createdAt), ""],
    });
    expect(stdout).toMatch(/^(\S+\t){4}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\t/);
    // JSON keeps the ISO time.
    const json = await listJson(["--status", "active", "--since", "1h"]);
    expect(json.find((link) => link.id === expiring.id)?.expiresAt).toBe(expiring.expiresAt);
  });

  it("--since takes a duration or a date, and refuses anything else", async () => {
    const old = await send(["old.jpg"], [], -10 * DAY);
    const recent = await send(["recent.jpg"]);
    expect(Date.now() - Date.parse(old.createdAt)).toBeGreaterThan(9.9 * DAY);
    const ids = (links: SentLink[]) => links.map((link) => link.id);
    expect(ids(await listJson(["--since", "7d"]))).toEqual([recent.id]);
    expect(ids(await listJson(["--since", "2w"]))).toEqual([recent.id, old.id]);
    const elevenDaysAgo = new Date(Date.now() - 11 * DAY).toISOString().slice(0, 10);
    expect(ids(await listJson(["--since", elevenDaysAgo]))).toEqual([recent.id, old.id]);
    // Relative to dmshare's clock: a week from now, "the last 7 days" holds neither.
    expect(ids(await listJson(["--since", "7d"], 8 * DAY))).toEqual([]);
    const empty = await dmshareAt(8 * DAY, ["list", "--since", "7d"]);
    expect(empty.stderr).toContain("No links match.");
    const bad = await dmshare(["list", "--since", "last tuesday"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--since "last tuesday": it is not a duration or a date');
  });
});

describe("revoke", () => {
  it("--album revokes only album links, after a confirmation (--yes without a terminal)", async () => {
    const trip = await send(["t1.jpg", "t2.jpg"], ["--album", "Trip"]);
    const party = await send(["p1.jpg", "p2.jpg"], ["--album", "Party"]);
    const photo = await send(["single.jpg"]);
    expect([trip.kind, party.kind, photo.kind]).toEqual(["album", "album", "photo"]);

    const refused = await dmshare(["revoke", "--album"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Refusing to revoke 2 links without a confirmation");
    expect(emulator.resolveSharedLink(trip.url)).not.toBeNull();

    const dry = await dmshare(["revoke", "--all", "--album", "--dry-run", "--json"]);
    expect(JSON.parse(dry.stdout).map((link: SentLink) => link.id)).toEqual(
      expect.arrayContaining([trip.id, party.id]),
    );
    expect(JSON.parse(dry.stdout)).toHaveLength(2);

    const done = await dmshare(["revoke", "--album", "--yes", "--json"]);
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toHaveLength(2);
    expect(emulator.resolveSharedLink(trip.url)).toBeNull();
    expect(emulator.resolveSharedLink(party.url)).toBeNull();
    expect(emulator.resolveSharedLink(photo.url)).not.toBeNull();
    expect((await listJson()).map((link) => link.id)).toEqual([photo.id]);
  });

  it("--older-than and --album together: only albums made before then", async () => {
    const oldAlbum = await send(["o1.jpg", "o2.jpg"], ["--album", "Old"], -40 * DAY);
    await send(["o3.jpg"], [], -40 * DAY);
    await send(["n1.jpg", "n2.jpg"], ["--album", "New"]);
    const { code, stdout } = await dmshare(["revoke", "--older-than", "30d", "--album", "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ id: oldAlbum.id, outcome: "revoked" }),
    ]);
  });
});

describe("sync", () => {
  it("marks links revoked or deleted at Dropbox as revoked, and then finds nothing to change", async () => {
    const revoked = await send(["revoked.jpg"]);
    const deleted = await send(["deleted.jpg"]);
    const kept = await send(["kept.jpg"]);
    await dropboxApi("sharing/revoke_shared_link", { url: revoked.url });
    await dropboxApi("files/delete_v2", { path: deleted.files[0]?.remotePath });

    const dry = await dmshare(["sync", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain(`Would mark revoked ${revoked.id} revoked.jpg`);
    expect((await listJson()).map((link) => link.status)).toEqual(["active", "active", "active"]);

    const { code, stdout } = await dmshare(["sync"]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split("\n").sort()).toEqual(
      [
        `Marked revoked ${revoked.id} revoked.jpg: the link was removed at Dropbox`,
        `Marked revoked ${deleted.id} deleted.jpg: its file was deleted at Dropbox`,
      ].sort(),
    );
    const all = await listJson(["--all"]);
    expect(Object.fromEntries(all.map((link) => [link.id, link.status]))).toEqual({
      [revoked.id]: "revoked",
      [deleted.id]: "revoked",
      [kept.id]: "active",
    });
    const again = await dmshare(["sync", "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([]);
    expect(again.stderr).toBe("");
    const human = await dmshare(["sync"]);
    expect(human.stderr).toContain("Dropbox: the list matches (1 link checked); nothing changed.");
  });

  it("completes a pending entry whose link exists, cleans one with none (deleting its upload), and leaves a recent one alone", async () => {
    // What a crash between "upload" and "record the link" leaves: pending entries with targets.
    const linked = await uploadElsewhere("/dmshare/linked.jpg");
    const { url } = (await dropboxApi("sharing/create_shared_link_with_settings", {
      path: linked.path_display,
      settings: { audience: "public", access: "viewer" },
    })) as { url: string };
    const unlinked = await uploadElsewhere("/dmshare/unlinked.jpg");
    const recent = await uploadElsewhere("/dmshare/recent.jpg");
    const twoHoursAgo = new Date(Date.now() - 2 * HOUR).toISOString();
    const pending = (id: string, file: typeof linked, createdAt: string) => ({
      id,
      provider: "dropbox",
      kind: "photo",
      name: file.name,
      url: null,
      message: null,
      target: { remotePath: file.path_display, remoteId: file.id },
      files: [
        {
          path: path.join(bed.dir, file.name),
          remotePath: file.path_display,
          remoteId: file.id,
          bytes: 1000,
        },
      ],
      createdAt,
      expiresAt: null,
      revokedAt: null,
      status: "pending",
    });
    await mkdir(bed.configDir, { recursive: true });
    await writeFile(
      ledgerFile(),
      JSON.stringify({
        version: 1,
        entries: [
          pending("pend0001", linked, twoHoursAgo),
          pending("pend0002", unlinked, twoHoursAgo),
          pending("pend0003", recent, new Date().toISOString()),
        ],
      }),
    );

    const { code, stdout, stderr } = await dmshare(["sync", "--json"]);
    expect(code, stderr).toBe(0);
    const changes = JSON.parse(stdout);
    expect(changes).toEqual([
      expect.objectContaining({ id: "pend0001", change: "completed", status: "active", url }),
      expect.objectContaining({ id: "pend0002", change: "cleaned" }),
    ]);
    expect(stderr).toContain("left pend0003 recent.jpg pending");
    expect(emulator.readFile(unlinked.path_display)).toBeNull();
    expect(emulator.readFile(linked.path_display)).not.toBeNull();
    expect(emulator.readFile(recent.path_display)).not.toBeNull();
    const all = await listJson(["--all"]);
    expect(Object.fromEntries(all.map((link) => [link.id, [link.status, link.url]]))).toEqual({
      pend0001: ["active", url],
      pend0003: ["pending", null],
    });
    // The completed link is dmshare's again: revoke works on it.
    expect((await dmshare(["revoke", "pend0001"])).code).toBe(0);
    expect(emulator.resolveSharedLink(url)).toBeNull();
  });

  it("adopts a link dmshare made but the ledger forgot (restored from a backup), not links outside its folder", async () => {
    const kept = await send(["kept.jpg"]);
    await copyFile(ledgerDbFile(), `${ledgerDbFile()}.backup`);
    const forgotten = await send(["forgotten.jpg"]);
    const album = await send(["f1.jpg", "f2.jpg"], ["--album", "Forgotten album"]);
    await copyFile(`${ledgerDbFile()}.backup`, ledgerDbFile());
    // Someone else's link elsewhere in the Dropbox is not dmshare's to adopt.
    const other = await uploadElsewhere("/Photos/other.jpg");
    await dropboxApi("sharing/create_shared_link_with_settings", { path: other.path_display });

    const { code, stdout, stderr } = await dmshare(["sync"]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines.join("\n")).toContain(`forgotten.jpg ${forgotten.url}: a link to /dmshare/`);
    expect(lines.join("\n")).toContain(`Forgotten album ${album.url}`);
    const listed = await listJson();
    expect(listed.map((link) => [link.url, link.kind, link.name, link.status]).sort()).toEqual(
      [
        [kept.url, "photo", "kept.jpg", "active"],
        [forgotten.url, "photo", "forgotten.jpg", "active"],
        [album.url, "album", "Forgotten album", "active"],
      ].sort(),
    );
    const ledger = await readLedger(bed.configDir);
    expect(ledger.entries.filter((entry: { adoptedAt?: string }) => entry.adoptedAt)).toHaveLength(
      2,
    );
    // Adopted links are revocable like any other.
    const adopted = listed.find((link) => link.url === forgotten.url);
    expect((await dmshare(["revoke", adopted?.id ?? "?"])).code).toBe(0);
    expect(emulator.resolveSharedLink(forgotten.url)).toBeNull();
    expect(JSON.parse((await dmshare(["sync", "--json"])).stdout)).toEqual([]);
  });

  it("--provider limits it, and an unknown provider is refused", async () => {
    const ok = await dmshare(["sync", "--provider", "dropbox", "--json"]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual([]);
    const bad = await dmshare(["sync", "--provider", "flickr"]);
    expect(bad.code).toBe(2);
  });
});
