import { readdir } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { collect, spawnCli, waitFor, writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { useGoogleTestbed } from "../helpers/google-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
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
    const { entries } = await readLedger(bed.configDir);
    expect(entries).toHaveLength(40);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(40);
    const byId = new Map(entries.map((entry) => [entry.id, entry]));
    for (const id of revokeIds) expect(byId.get(id)?.status).toBe("revoked");
    for (const result of sends) {
      const sent = JSON.parse(result.stdout) as Entry;
      expect(byId.get(sent.id)).toMatchObject({ status: "active", url: sent.url });
      expect(bed.emulator.resolveSharedLink(sent.url ?? "")).not.toBeNull();
    }
    // list agrees with the ledger.
    const listed = await bed.dmshare(["list", "--all"]);
    const listedIds = listed.stdout
      .trim()
      .split("\n")
      .map((line) => line.split("\t")[0]);
    expect(listedIds.sort()).toEqual(entries.map((entry) => entry.id).sort());
    // Nothing is left behind but the ledger (no lock, no write-ahead log of a writer).
    expect(await readdir(bed.configDir)).toEqual(["ledger.db"]);
  }, 120_000);

  describe("dmshare revoke while a send of the same link is still running", () => {
    const LINK_ROUTE = "/2/sharing/create_shared_link_with_settings";

    /**
     * Starts a send whose `route` is answered only when the returned `release` is called;
     * returns its pending entry, its outcome and that release.
     */
    async function slowSend(name: string, route: string) {
      await writeFiles(bed.dir, { [name]: jpegBytes(4321 + name.length) });
      const before = bed.emulator.requests.length;
      // The emulator does the work at once; only its answer waits until the test releases it.
      let release = () => {};
      const until = new Promise<void>((resolve) => {
        release = resolve;
      });
      bed.emulator.inject({ kind: "hold", until, route });
      const child = spawnCli(["send", name, "--via", "dropbox", "--no-copy"], {
        cwd: bed.dir,
        env: bed.env(),
      });
      const finished = collect(child, 30_000);
      await waitFor(async () =>
        bed.emulator.requests.slice(before).some((request) => request.path === route)
          ? true
          : undefined,
      );
      const listed = await bed.dmshare(["list", "--json", "--status", "pending"]);
      const [pending] = JSON.parse(listed.stdout) as Entry[];
      return { pending: pending as Entry, finished, before, release };
    }

    const entryOf = async (id: string) => {
      const listed = await bed.dmshare(["list", "--json", "--all"]);
      return (JSON.parse(listed.stdout) as Entry[]).find((entry) => entry.id === id);
    };

    it("during the upload: no link is made and the send says why", async () => {
      const { pending, finished, before, release } = await slowSend("early.jpg", "/2/files/upload");
      expect((await bed.dmshare(["revoke", pending.id])).code).toBe(0);
      release();
      const sent = await finished;
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain(`Link ${pending.id} was revoked while it was being made.`);
      expect(sent.stderr).toContain(`dmshare revoke ${pending.id} --delete-files`);
      const requests = bed.emulator.requests.slice(before);
      expect(requests.some((request) => request.path === LINK_ROUTE)).toBe(false);
      expect(await entryOf(pending.id)).toMatchObject({ status: "revoked", url: null });
    });

    it("while the link is being made: the link goes and stays on record as revoked", async () => {
      const { pending, finished, release } = await slowSend("late.jpg", LINK_ROUTE);
      expect((await bed.dmshare(["revoke", pending.id])).code).toBe(0);
      release();
      const sent = await finished;
      expect(sent.code).toBe(1);
      expect(sent.stderr).toContain(`Link ${pending.id} was revoked while it was being made.`);
      const entry = await entryOf(pending.id);
      expect(entry).toMatchObject({ status: "revoked" });
      expect(entry?.url).toMatch(/^https:\/\/www\.dropbox\.com\//);
      expect(bed.emulator.resolveSharedLink(entry?.url ?? "")).toBeNull();
    });
  });
});

describe("a first use of Google Drive from many processes at once", () => {
  const google = useGoogleTestbed({ token: "stress-google-token" });

  it("8 sends at once settle on one dmshare folder, and every photo is in it", async () => {
    const names = Array.from({ length: 8 }, (_, index) => `first${index}.jpg`);
    await writeFiles(
      google.dir,
      Object.fromEntries(names.map((name, index) => [name, jpegBytes(2000 + index)])),
    );
    const results = await Promise.all(
      names.map((name) => google.dmshare(["send", name, "--via", "gdrive", "--no-copy", "--json"])),
    );
    expect(results.map((result) => result.code)).toEqual(names.map(() => 0));
    const files = google.emulator.driveFiles();
    const folders = files.filter((file) => file.name === "dmshare" && !file.trashed);
    expect(folders).toHaveLength(1);
    const photos = files.filter((file) => names.includes(file.name));
    expect(photos).toHaveLength(8);
    // Each in its send's own folder, and each of those in the one dmshare folder.
    for (const photo of photos) {
      const own = files.find((file) => file.id === photo.parents[0]);
      expect(own?.parents).toEqual([folders[0]?.id]);
    }
  }, 60_000);
});
