import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
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

      // Edited in place to the same size, later (file times advance in clock ticks of a few ms).
      const before = await indexed();
      await new Promise((resolve) => setTimeout(resolve, 50));
      await writeFile(file, before.replace("aaaaaaaa.jpg", "zzzzzzzz.jpg"));
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

  it("makes short ids from an unambiguous alphabet", () => {
    for (let i = 0; i < 100; i++) expect(newLinkId()).toMatch(/^[0-9a-hjkmnp-tv-z]{8}$/);
  });
});
