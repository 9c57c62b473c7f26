import { execFileSync } from "node:child_process";
import { mkdir, readdir, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Ledger, type LedgerEntry, newLinkId } from "../../src/store/ledger.ts";
import { tempDir } from "../helpers/cli.ts";

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(() => work.cleanup());

const entry = (id: string): LedgerEntry => ({
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
});

describe("the ledger", () => {
  it("keeps every entry when many writers add at once, and leaves no temp or lock files", async () => {
    const file = path.join(work.dir, "ledger.json");
    const ids = Array.from({ length: 40 }, () => newLinkId());
    await Promise.all(ids.map((id) => new Ledger(file).add(entry(id))));
    const stored = await new Ledger(file).entries();
    expect(stored.map((e) => e.id).sort()).toEqual([...ids].sort());
    expect((await readdir(work.dir)).sort()).toEqual(["ledger.index.json", "ledger.json"]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(work.dir, "ledger.index.json"))).mode & 0o777).toBe(0o600);
  });

  it("patches and removes entries", async () => {
    const ledger = new Ledger(path.join(work.dir, "ledger.json"));
    await ledger.add(entry("aaaaaaaa"));
    await ledger.add(entry("bbbbbbbb"));
    const patched = await ledger.patch("aaaaaaaa", { status: "active", url: "https://x.test/a" });
    expect(patched).toMatchObject({ id: "aaaaaaaa", status: "active", url: "https://x.test/a" });
    await ledger.remove("bbbbbbbb");
    expect((await ledger.entries()).map((e) => e.id)).toEqual(["aaaaaaaa"]);
  });

  describe("the index `list` reads", () => {
    const summary = ({
      id,
      provider,
      kind,
      name,
      url,
      createdAt,
      expiresAt,
      status,
    }: LedgerEntry) => ({ id, provider, kind, name, url, createdAt, expiresAt, status });
    const indexFile = () => path.join(work.dir, "ledger.index.json");

    /** Renames every link in the index (not the ledger), to see which one a read used. */
    async function relabelIndex() {
      const index = JSON.parse(await readFile(indexFile(), "utf8"));
      for (const link of index.links) link.name = "from the index";
      await writeFile(indexFile(), JSON.stringify(index));
    }

    it("holds what list shows of every entry, kept up to date by each change", async () => {
      const ledger = new Ledger(path.join(work.dir, "ledger.json"));
      await ledger.add(entry("aaaaaaaa"));
      await ledger.add({
        ...entry("bbbbbbbb"),
        expiresAt: "2030-01-01T00:00:00.000Z",
        expiryEnforcedBy: "dmshare",
      });
      await ledger.patch("aaaaaaaa", { status: "active", url: "https://x.test/a" });
      const entries = await ledger.entries();
      expect(await ledger.summaries()).toEqual([
        summary(entries[0] as LedgerEntry),
        { ...summary(entries[1] as LedgerEntry), expiryEnforcedBy: "dmshare" },
      ]);
      await relabelIndex();
      expect((await ledger.summaries()).map((link) => link.name)).toEqual([
        "from the index",
        "from the index",
      ]);
    });

    it("is not used once the ledger changed without it: restored, edited or moved away", async () => {
      const file = path.join(work.dir, "ledger.json");
      const ledger = new Ledger(file);
      /** A ledger of one link, whose index is relabelled: a read of the index says so. */
      const indexed = async () => {
        await rm(file, { force: true });
        await ledger.add(entry("aaaaaaaa"));
        await relabelIndex();
        return readFile(file, "utf8");
      };
      const names = async () => (await ledger.summaries()).map((link) => link.name);

      // A backup restored over it: the same bytes, another file.
      const saved = await indexed();
      await rm(file);
      await writeFile(file, saved);
      expect(await names()).toEqual(["aaaaaaaa.jpg"]);

      // Edited in place to the same size, later: its modification time says so (set here,
      // a second on, instead of waiting for the file system's clock to tick).
      const before = await indexed();
      const { mtime } = await stat(file);
      await writeFile(file, before.replace("aaaaaaaa.jpg", "zzzzzzzz.jpg"));
      await utimes(file, mtime, new Date(mtime.getTime() + 1000));
      expect(await names()).toEqual(["zzzzzzzz.jpg"]);

      await indexed();
      await rename(file, `${file}.old`);
      expect(await ledger.summaries()).toEqual([]);
    });

    it("a change is saved even when the index can't be written; list then reads the ledger", async () => {
      const ledger = new Ledger(path.join(work.dir, "ledger.json"));
      await mkdir(indexFile());
      await ledger.add(entry("aaaaaaaa"));
      expect((await ledger.entries()).map((e) => e.id)).toEqual(["aaaaaaaa"]);
      expect((await ledger.summaries()).map((link) => link.id)).toEqual(["aaaaaaaa"]);
      expect((await readdir(work.dir)).sort()).toEqual(["ledger.index.json", "ledger.json"]);
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

    it("are kept as they are on disk when the ledger is rewritten, and list still reports them", async () => {
      const { file, ledger, skipped } = await ledgerWithBadEntries();
      await ledger.add(entry("added000"));
      await ledger.remove("good0000");
      const stored = JSON.parse(await readFile(file, "utf8"));
      expect(stored.entries[0].id).toBe("added000");
      expect(stored.entries.slice(1)).toEqual(bad);
      skipped.length = 0;
      expect((await ledger.summaries()).map((link) => link.id)).toEqual(["added000"]);
      expect(skipped.map((s) => s.id)).toEqual(["badurl00", "nofields", "badfile0", "entry 5"]);
    });
  });

  it("a ledger path that is a directory or a named pipe is a clear error, not a crash or a hang", async () => {
    const file = path.join(work.dir, "ledger.json");
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
    expect((await readdir(work.dir)).sort()).toEqual(["ledger.json"]);
  });

  it("makes short ids from an unambiguous alphabet", () => {
    for (let i = 0; i < 100; i++) expect(newLinkId()).toMatch(/^[0-9a-hjkmnp-tv-z]{8}$/);
  });
});
