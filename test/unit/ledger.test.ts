import { readdir, stat } from "node:fs/promises";
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
    expect(await readdir(work.dir)).toEqual(["ledger.json"]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
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

  it("makes short ids from an unambiguous alphabet", () => {
    for (let i = 0; i < 100; i++) expect(newLinkId()).toMatch(/^[0-9a-hjkmnp-tv-z]{8}$/);
  });
});
