import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

// `xargs -P` pipelines: many dmshare processes share one ledger. None may lose, duplicate or
// tear an entry.

const bed = useDropboxTestbed({ token: "stress-token" });

interface Entry {
  id: string;
  status: string;
  url: string | null;
  name: string;
}

describe("one ledger, many processes", () => {
  it("32 sends and 8 revokes at once: every entry there once, the file whole", async () => {
    const earlier = Array.from({ length: 8 }, (_, index) => `old${index}.jpg`);
    const fresh = Array.from({ length: 32 }, (_, index) => `new${index}.jpg`);
    // Each photo has its own bytes, so no send reuses another's link.
    await writeFiles(
      bed.dir,
      Object.fromEntries(
        [...earlier, ...fresh].map((name, index) => [name, jpegBytes(1000 + index)]),
      ),
    );
    const send = (name: string) =>
      bed.dmshare(["send", name, "--via", "dropbox", "--no-copy", "--json"]);
    const toRevoke = await Promise.all(earlier.map(send));
    const revokeIds = toRevoke.map((result) => JSON.parse(result.stdout).id as string);

    const [sends, revokes] = await Promise.all([
      Promise.all(fresh.map(send)),
      Promise.all(revokeIds.map((id) => bed.dmshare(["revoke", id, "--json"]))),
    ]);

    expect(sends.map((result) => result.code)).toEqual(fresh.map(() => 0));
    expect(revokes.map((result) => result.code)).toEqual(revokeIds.map(() => 0));
    const text = await readFile(path.join(bed.configDir, "ledger.json"), "utf8");
    const { entries } = JSON.parse(text) as { entries: Entry[] };
    expect(entries).toHaveLength(40);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(40);
    const byId = new Map(entries.map((entry) => [entry.id, entry]));
    for (const id of revokeIds) expect(byId.get(id)?.status).toBe("revoked");
    for (const result of sends) {
      const sent = JSON.parse(result.stdout) as Entry;
      expect(byId.get(sent.id)).toMatchObject({ status: "active", url: sent.url });
      expect(bed.emulator.resolveSharedLink(sent.url ?? "")).not.toBeNull();
    }
    // No lock or half-written temp file is left behind.
    expect((await readdir(bed.configDir)).sort()).toEqual(["ledger.json"]);
  }, 120_000);
});
