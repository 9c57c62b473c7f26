import { copyFile, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "../../src/main.ts";
import { closeLedgers } from "../../src/store/ledger.ts";
import { tempDir } from "../helpers/cli.ts";
import { testContext } from "../helpers/context.ts";
import { readLedger } from "../helpers/ledger.ts";

const FIXTURE = fileURLToPath(new URL("../fixtures/ledger-615514d.json", import.meta.url));

let work: { dir: string; cleanup: () => Promise<void> };
beforeEach(async () => {
  work = await tempDir();
});
afterEach(async () => {
  closeLedgers();
  await work.cleanup();
});

async function dmshare(configDir: string, args: string[], stdin?: string) {
  const test = testContext({ configDir, stdin, cwd: work.dir });
  const code = await run(args, test.ctx);
  return { code, stdout: test.stdout(), stderr: test.stderr() };
}

const fixtureEntries = async () => JSON.parse(await readFile(FIXTURE, "utf8")).entries;

describe("dmshare export and import", () => {
  it("export prints the whole ledger as JSON; import into an empty ledger gives it all back", async () => {
    const from = path.join(work.dir, "from");
    const to = path.join(work.dir, "to");
    await copyFile(FIXTURE, path.join(work.dir, "ledger.json"));
    const migrated = await dmshare(from, ["import", path.join(work.dir, "ledger.json")]);
    expect(migrated.code, migrated.stderr).toBe(0);
    const exported = await dmshare(from, ["export"]);
    expect(exported.code, exported.stderr).toBe(0);
    const document = JSON.parse(exported.stdout);
    expect(document).toEqual({ version: 1, entries: await fixtureEntries() });

    const imported = await dmshare(to, ["import", "-", "--json"], exported.stdout);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 4, same: 0, kept: [] });
    expect((await readLedger(to)).entries).toEqual(await fixtureEntries());
    // Again: nothing twice.
    const again = await dmshare(to, ["import", "-"], exported.stdout);
    expect(again.stderr).toContain("Imported 0 links; 4 already in the ledger");
    expect((await readLedger(to)).entries).toHaveLength(4);
  });

  it("an empty ledger exports as an empty list", async () => {
    const exported = await dmshare(path.join(work.dir, "none"), ["export"]);
    expect(JSON.parse(exported.stdout)).toEqual({ version: 1, entries: [] });
  });

  it("never replaces an entry the ledger has: the same id with other contents stays as it was", async () => {
    const config = path.join(work.dir, "config");
    const file = path.join(work.dir, "links.json");
    await writeFile(file, await readFile(FIXTURE, "utf8"));
    await dmshare(config, ["import", file]);
    const [first, ...others] = await fixtureEntries();
    const changed = { ...first, status: "revoked", revokedAt: "2026-12-07T00:00:00.000Z" };
    await writeFile(file, JSON.stringify({ version: 1, entries: [changed, ...others] }));
    const imported = await dmshare(config, ["import", file, "--json"]);
    expect(JSON.parse(imported.stdout)).toMatchObject({ added: 0, same: 3, kept: [first.id] });
    expect((await readLedger(config)).entries[0]).toEqual(first);
  });

  describe("a file that is not a clean export is refused whole, each problem named", () => {
    const refused = async (text: string) => {
      const config = path.join(work.dir, "config");
      await dmshare(config, ["import", FIXTURE]);
      const file = path.join(work.dir, "hostile.json");
      await writeFile(file, text);
      const result = await dmshare(config, ["import", file]);
      // Nothing imported, nothing of the ledger changed.
      expect((await readLedger(config)).entries).toEqual(await fixtureEntries());
      expect(result.code).toBe(2);
      return result.stderr;
    };

    it("not JSON, or not a ledger", async () => {
      expect(await refused("{ nope")).toContain("it is not valid JSON");
      expect(await refused('{"version": 2, "entries": []}')).toContain(
        "it is not a dmshare ledger (version 1 with a list of entries)",
      );
      expect(await refused("[]")).toContain("Nothing was imported");
    });

    it("invalid entries, unknown providers, an id twice, prototype keys", async () => {
      const [good] = await fixtureEntries();
      const fresh = { ...good, id: "newid001" };
      const stderr = await refused(
        JSON.stringify({
          version: 1,
          entries: [
            fresh,
            { ...good, id: "badurl01", url: 42 },
            { ...good, id: "evilprov", provider: "evil-cloud" },
            { ...fresh },
            "not an object",
            JSON.parse('{"__proto__": {"polluted": true}, "id": "proto001"}'),
          ],
        }),
      );
      expect(stderr).toContain(`Can't import ${path.join(work.dir, "hostile.json")}:`);
      expect(stderr).toContain('entry "badurl01": "url" is 42, not a text or null');
      expect(stderr).toContain('entry "evilprov": "provider" is "evil-cloud", not one of');
      expect(stderr).toContain('entry "newid001": the file holds this id twice');
      expect(stderr).toContain("entry 5: it is not an object");
      expect(stderr).toContain('entry "proto001": "provider" is missing');
      expect(stderr).toContain("Nothing was imported");
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });

    it("a file that does not exist", async () => {
      const result = await dmshare(path.join(work.dir, "c"), ["import", "nothere.json"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain("Can't import nothere.json: there is no such file.");
    });
  });
});
