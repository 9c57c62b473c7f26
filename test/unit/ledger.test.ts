import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  closeLedgers,
  Ledger,
  type LedgerEntry,
  newLinkId,
  sizesKeyOf,
} from "../../src/store/ledger.ts";
import { tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(async () => {
  closeLedgers();
  await work.cleanup();
});

const WRITER = fileURLToPath(new URL("../helpers/ledger-writer.ts", import.meta.url));
const FIXTURE = fileURLToPath(new URL("../fixtures/ledger-615514d.json", import.meta.url));

const entry = (id: string, extra: Partial<LedgerEntry> = {}): LedgerEntry => ({
  id,
  provider: "dropbox",
  kind: "photo",
  name: `${id}.jpg`,
  url: null,
  message: null,
  target: null,
  files: [],
  createdAt: new Date().toISOString(),
  expiresAt: null,
  revokedAt: null,
  status: "pending",
  ...extra,
});

/** Runs the writer helper in its own process; resolves with the ids it saved. */
function writer(file: string, prefix: string, count: number, onId?: (id: string) => void) {
  const child = spawn(process.execPath, [WRITER, file, prefix, String(count)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const ids: string[] = [];
  let stderr = "";
  let rest = "";
  child.stdout.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop() ?? "";
    for (const id of lines) {
      ids.push(id);
      onId?.(id);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk;
  });
  const done = once(child, "close").then(([code, signal]) => ({ code, signal, ids, stderr }));
  return { child, done };
}

describe("the ledger", () => {
  it("keeps every entry when many writers add at once, and leaves only its private database", async () => {
    const file = path.join(work.dir, "ledger.db");
    const ids = Array.from({ length: 40 }, () => newLinkId());
    await Promise.all(ids.map((id) => new Ledger(file).add(entry(id))));
    const stored = await new Ledger(file).entries();
    expect(stored.map((e) => e.id).sort()).toEqual([...ids].sort());
    closeLedgers(); // as at the end of a command
    expect(await readdir(work.dir)).toEqual(["ledger.db"]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it("keeps every entry of several processes writing at once", async () => {
    const file = path.join(work.dir, "ledger.db");
    const runs = ["a", "b", "c", "d"].map((prefix) => writer(file, prefix, 25).done);
    const results = await Promise.all(runs);
    for (const result of results) expect(result.code, result.stderr).toBe(0);
    const stored = await new Ledger(file).entries();
    expect(stored.map((e) => e.id).sort()).toEqual(results.flatMap((r) => r.ids).sort());
    expect(stored.filter((e) => e.status === "revoked")).toHaveLength(4 * 2);
  });

  it("a kill -9 in the middle of writing loses no saved entry and tears nothing", async () => {
    const file = path.join(work.dir, "ledger.db");
    const run = writer(file, "k", 0, (id) => {
      if (id === "k000030") run.child.kill("SIGKILL");
    });
    const { signal, ids } = await run.done;
    expect(signal).toBe("SIGKILL");
    const stored = await new Ledger(file).entries();
    // Everything the writer said it saved is there, whole; at most the one being written more.
    expect(stored.map((e) => e.id).slice(0, ids.length)).toEqual(ids);
    expect(stored.length - ids.length).toBeLessThanOrEqual(1);
    for (const saved of stored) expect(saved.files).toHaveLength(50);
    // And it goes on working.
    await new Ledger(file).add(entry("after000"));
    expect((await new Ledger(file).entries()).at(-1)?.id).toBe("after000");
  });

  it("patches and removes entries", async () => {
    const ledger = new Ledger(path.join(work.dir, "ledger.db"));
    await ledger.add(entry("aaaaaaaa"));
    await ledger.add(entry("bbbbbbbb"));
    const patched = await ledger.patch("aaaaaaaa", { status: "active", url: "https://x.test/a" });
    expect(patched).toMatchObject({ id: "aaaaaaaa", status: "active", url: "https://x.test/a" });
    await ledger.remove("bbbbbbbb");
    expect((await ledger.entries()).map((e) => e.id)).toEqual(["aaaaaaaa"]);
    await ledger.patch("aaaaaaaa", { status: "revoked" });
    expect(await ledger.patchUnlessRevoked("aaaaaaaa", { status: "active" })).toBeUndefined();
    expect((await ledger.find("aaaaaaaa"))?.status).toBe("revoked");
    await expect(ledger.patch("zzzzzzzz", { status: "active" })).rejects.toThrow(/disappeared/);
  });

  it("a ledger that does not exist reads as empty and is not made by a read", async () => {
    const ledger = new Ledger(path.join(work.dir, "config", "ledger.db"));
    expect(await ledger.entries()).toEqual([]);
    expect(await ledger.summaries()).toEqual([]);
    expect(await ledger.find("aaaaaaaa")).toBeUndefined();
    expect(await readdir(work.dir)).toEqual([]);
  });

  describe("queries that read only what they need", () => {
    const summary = (e: LedgerEntry) => ({
      id: e.id,
      provider: e.provider,
      kind: e.kind,
      name: e.name,
      url: e.url,
      createdAt: e.createdAt,
      expiresAt: e.expiresAt,
      expiryEnforcedBy: e.expiryEnforcedBy,
      status: e.status,
    });

    it("by id prefix, by sizes, by expiry, and newest first in batches", async () => {
      const ledger = new Ledger(path.join(work.dir, "ledger.db"));
      const files = (...sizes: number[]) =>
        sizes.map((bytes) => ({ path: "/p", remotePath: null, remoteId: null, bytes }));
      const a = entry("abcd0001", {
        files: files(10, 20),
        kind: "album",
        createdAt: "2026-01-02T00:00:00.000Z",
      });
      const b = entry("abcd0002", {
        files: files(20, 10),
        kind: "album",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      const c = entry("bcde0003", {
        files: files(10, 20),
        kind: "album",
        provider: "gdrive",
        createdAt: "2026-01-02T00:00:00.000Z",
        expiresAt: "2026-01-05T00:00:00.000Z",
        expiryEnforcedBy: "dmshare",
        status: "active",
      });
      const d = entry("cdef0004", { expiresAt: "2026-01-03T00:00:00.000Z", status: "revoked" });
      for (const e of [a, b, c, d]) await ledger.add(e);

      expect(await ledger.withIdPrefixes(["abcd"])).toEqual([a, b]);
      expect(await ledger.withIdPrefixes(["abcd0002", "bcde"])).toEqual([b, c]);
      expect(await ledger.withIds(["cdef0004", "nothere0", "abcd0001"])).toEqual([a, d]);
      expect(await ledger.withSizes("dropbox", sizesKeyOf("album", files(10, 20)))).toEqual([a, b]);
      expect(await ledger.withSizes("dropbox", sizesKeyOf("photo", files(10, 20)))).toEqual([]);
      expect(await ledger.overdueBy(new Date("2026-01-04T00:00:00.000Z"))).toEqual([]);
      expect(await ledger.overdueBy(new Date("2026-01-05T00:00:00.000Z"))).toEqual([summary(c)]);

      const batches: string[][] = [];
      for await (const batch of ledger.newestFirst(2)) batches.push(batch.map((link) => link.id));
      // Newest first; links made at the same time in the order they were added.
      expect(batches).toEqual([
        [d.id, a.id],
        [c.id, b.id],
      ]);
      // Only what dmshare itself must revoke: not a link the provider stops, nor one inactive.
      await ledger.add(
        entry("efgh0005", { expiresAt: "2026-01-03T00:00:00.000Z", status: "active" }),
      );
      await ledger.add({ ...c, id: "fghi0006", status: "pending" });
      expect(await ledger.overdueBy(new Date("2026-02-01T00:00:00.000Z"))).toEqual([summary(c)]);
    });
  });

  describe("migration of the ledger.json of dmshare 0.1", () => {
    it("moves every entry of a real old ledger, keeps the old file as a backup, once", async () => {
      const legacy = path.join(work.dir, "ledger.json");
      await copyFile(FIXTURE, legacy);
      await writeFile(path.join(work.dir, "ledger.index.json"), "{}");
      const old = JSON.parse(await readFile(FIXTURE, "utf8")).entries;
      const migrated: string[] = [];
      const ledger = new Ledger(path.join(work.dir, "ledger.db"), {
        now: () => new Date("2026-12-06T07:30:38.123Z"),
        onMigrated: (_file, backup, report) =>
          migrated.push(`${path.basename(backup)} ${report.added}`),
      });
      expect(await ledger.entries()).toEqual(old);
      expect(migrated).toEqual(["ledger.json.bak-20261206T073038Z 4"]);
      closeLedgers();
      expect((await readdir(work.dir)).sort()).toEqual([
        "ledger.db",
        "ledger.json.bak-20261206T073038Z",
      ]);
      expect(await readFile(path.join(work.dir, "ledger.json.bak-20261206T073038Z"), "utf8")).toBe(
        await readFile(FIXTURE, "utf8"),
      );
      // Killed after saving, before the old file was set aside: the next run adds nothing twice.
      await copyFile(FIXTURE, legacy);
      expect(await ledger.entries()).toEqual(old);
      expect(migrated[1]).toBe("ledger.json.bak-20261206T073038Z-2 0");
      await expect(stat(legacy)).rejects.toMatchObject({ code: "ENOENT" });
    });

    it("a legacy file opened through its old name (.json) works the same", async () => {
      await copyFile(FIXTURE, path.join(work.dir, "ledger.json"));
      const ledger = new Ledger(path.join(work.dir, "ledger.json"));
      expect((await ledger.entries()).map((e) => e.id)).toEqual([
        "h25hzb09",
        "nv3cte2m",
        "bfa8mw6t",
        "awp8vzkd",
      ]);
      expect(ledger.file).toBe(path.join(work.dir, "ledger.db"));
    });

    it("a corrupt ledger.json is refused with a clear error and left as it is", async () => {
      const legacy = path.join(work.dir, "ledger.json");
      await writeFile(legacy, '{"version": 1, "entries": [');
      await expect(new Ledger(legacy).entries()).rejects.toMatchObject({
        kind: "usage",
        message: `The link ledger ${legacy} is corrupt: it is not valid JSON.`,
      });
      expect(await readdir(work.dir)).toEqual(["ledger.json"]);
      expect(await readFile(legacy, "utf8")).toBe('{"version": 1, "entries": [');
    });
  });

  describe("entries it can't use", () => {
    const bad = [
      { ...entry("badurl00"), url: 123 },
      { id: "nofields" },
      { ...entry("badfile0"), files: [{ path: 7 }] },
      "not an object",
    ];

    async function ledgerWithBadEntries() {
      const file = path.join(work.dir, "ledger.json");
      const good = { ...entry("good0000"), future: { field: "of a later version" } };
      await writeFile(file, JSON.stringify({ version: 1, entries: [good, ...bad] }));
      const skipped: { id: string; reason: string }[] = [];
      const ledger = new Ledger(file, { onSkipped: (found) => skipped.push(...found) });
      return { file, ledger, skipped };
    }

    it("are reported with their id and skipped; unknown extra fields are fine", async () => {
      const { ledger, skipped } = await ledgerWithBadEntries();
      expect((await ledger.entries()).map((e) => e.id)).toEqual(["good0000"]);
      expect(skipped.map((s) => s.id)).toEqual(["badurl00", "nofields", "badfile0", "entry 5"]);
      expect(skipped[0]?.reason).toBe('"url" is 123, not a text or null');
      expect(skipped[1]?.reason).toBe('"provider" is missing, not a provider name');
    });

    it("are kept as they were through changes, and exported as they are", async () => {
      const { ledger, skipped } = await ledgerWithBadEntries();
      await ledger.add(entry("added000"));
      await ledger.remove("good0000");
      const stored: unknown[] = [];
      for await (const texts of ledger.storedTexts())
        stored.push(...texts.map((text) => JSON.parse(text)));
      expect(stored).toEqual([
        ...bad,
        entry("added000", { createdAt: (stored[4] as LedgerEntry).createdAt }),
      ]);
      skipped.length = 0;
      expect((await ledger.summaries()).map((link) => link.id)).toEqual(["added000"]);
      expect(skipped.map((s) => s.id)).toEqual(["badurl00", "nofields", "badfile0", "entry 5"]);
    });
  });

  it("a ledger path that is a directory or a named pipe is a clear error, not a crash or a hang", async () => {
    const file = path.join(work.dir, "ledger.db");
    await mkdir(file);
    await expect(new Ledger(file).entries()).rejects.toMatchObject({
      kind: "usage",
      message: `Can't read ${file}: it is a directory, not a file dmshare wrote.`,
    });
    await rm(file, { recursive: true });
    execFileSync("mkfifo", [file]);
    await expect(new Ledger(file).entries()).rejects.toMatchObject({
      kind: "usage",
      message: `Can't read ${file}: it is a named pipe (FIFO), not a file dmshare wrote.`,
    });
    await expect(new Ledger(file).add(entry("aaaaaaaa"))).rejects.toMatchObject({ kind: "usage" });
    closeLedgers();
    expect(await readdir(work.dir)).toEqual(["ledger.db"]);
  });

  it("a database that is not one (damaged, overwritten) is a clear error and left alone", async () => {
    const file = path.join(work.dir, "ledger.db");
    await writeFile(file, "this is not an SQLite database, just some text ".repeat(100));
    await expect(new Ledger(file).entries()).rejects.toMatchObject({
      kind: "usage",
      message: expect.stringContaining(`The link ledger ${file} is corrupt`),
    });
    await expect(new Ledger(file).add(entry("aaaaaaaa"))).rejects.toMatchObject({ kind: "usage" });
    expect(await readFile(file, "utf8")).toMatch(/^this is not an SQLite database/);
  });

  it("makes short ids from an unambiguous alphabet", () => {
    for (let i = 0; i < 100; i++) expect(newLinkId()).toMatch(/^[0-9a-hjkmnp-tv-z]{8}$/);
  });
});
