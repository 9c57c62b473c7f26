// `dmshare __complete -- <words…>`, what the completion scripts call on Tab, in-process: it
// offers live link ids (with names) after revoke, album names after --album, durations,
// providers and presets, and stays silent (exit 0) when the ledger is missing or locked.
// The scripts in real bash, zsh and fish: test/e2e/completion-shells.test.ts.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDuration, parseExpiry, parseSince } from "../../src/core/duration.ts";
import { tempDir } from "../helpers/cli.ts";
import { COMPLETION_NOW, seedCompletionLedger } from "../helpers/completion-ledger.ts";
import { runInProcess } from "../helpers/in-process.ts";

let config: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  config = await tempDir();
  await seedCompletionLedger(config.dir);
});
afterAll(() => config.cleanup());

async function complete(words: string[], configDir = config.dir) {
  const result = await runInProcess(["__complete", "--", ...words], {
    env: { DMSHARE_CONFIG_DIR: configDir, DMSHARE_NOW: COMPLETION_NOW },
  });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"));
}
const values = async (words: string[], configDir?: string) =>
  (await complete(words, configDir)).map(([value]) => value);

describe("dmshare __complete", () => {
  it("after revoke: the live links' ids, newest first, described by name, provider and age", async () => {
    expect(await complete(["revoke", ""])).toEqual([
      ["a1bum000", "Lisbon trip (album, Dropbox, 24 h ago)"],
      ["k3x9m2qa", "beach.jpg (Dropbox, 2 days ago)"],
      ["7hw2dd4e", "overdue.jpg (Dropbox, 3 days ago, overdue)"],
      ["k3x7hw2p", "dog.jpg (Google Drive, 5 days ago)"],
    ]);
  });

  it("never prints a URL (their rlkey lets anyone in) nor a token from the environment", async () => {
    const result = await runInProcess(["__complete", "--", "revoke", ""], {
      env: {
        DMSHARE_CONFIG_DIR: config.dir,
        DMSHARE_NOW: COMPLETION_NOW,
        DMSHARE_DROPBOX_TOKEN: "sl.secret-token-value",
      },
    });
    expect(result.stdout).toContain("k3x9m2qa");
    for (const secret of ["https://", "rlkey", "dropbox.com", "secret-token"]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it("after revoke: only ids starting with what is typed, and not those already named", async () => {
    expect(await values(["revoke", "k3x"])).toEqual(["k3x9m2qa", "k3x7hw2p"]);
    expect(await values(["revoke", "k3x9m2qa", "k3x"])).toEqual(["k3x7hw2p"]);
    expect(await values(["revoke", "--dry-run", "k3x9m2qa", "7"])).toEqual(["7hw2dd4e"]);
    // Revoked, provider-expired and pending links are not offered, even by prefix.
    for (const gone of ["r3v0", "e7p1", "p3nd"]) expect(await values(["revoke", gone])).toEqual([]);
  });

  it("after --album: the album names in the ledger, each once, spaces kept", async () => {
    expect(await values(["send", "beach.jpg", "--album", ""])).toEqual([
      "Lisbon trip",
      "Porto 2025",
    ]);
    expect(await values(["send", "--album", "po"])).toEqual(["Porto 2025"]);
  });

  it("after --expires, --older-than and --since: durations each of them accepts", async () => {
    const now = new Date(COMPLETION_NOW);
    for (const words of [
      ["send", "--expires", ""],
      ["revoke", "--older-than", ""],
      ["list", "--since", ""],
    ]) {
      const offered = await values(words);
      expect(offered).toEqual(["30m", "1h", "12h", "1d", "7d", "2w", "30d"]);
      for (const duration of offered) {
        expect(() => parseExpiry(duration ?? "", now)).not.toThrow();
        expect(() => parseDuration("--older-than", duration ?? "")).not.toThrow();
        expect(() => parseSince("--since", duration ?? "", now)).not.toThrow();
      }
    }
    expect(await values(["list", "--since=1"])).toEqual([
      "--since=1h",
      "--since=12h",
      "--since=1d",
    ]);
  });

  it("providers, presets, commands and flags, as the scripts offer them", async () => {
    expect(await values(["send", "--via", ""])).toEqual([
      "dropbox",
      "gdrive",
      "gphotos",
      "onedrive",
    ]);
    expect(await values(["list", "--provider", "g"])).toEqual(["gdrive", "gphotos"]);
    expect(await values(["login", ""])).toEqual(["dropbox", "gdrive", "gphotos", "onedrive"]);
    expect(await values(["send", "--preset", "f"])).toEqual(["friendly"]);
    expect(await complete(["rev"])).toEqual([["revoke", "stop links from working"]]);
    expect(await values(["revoke", "--all", "--d"])).toEqual(["--delete-files", "--dry-run"]);
    expect(await values(["config", "set", "pr"])).toEqual(["provider", "preset"]);
    // Where a file goes, nothing: the shell completes file names itself.
    expect(await values(["send", ""])).toEqual([]);
    // Help flags after -- are words being completed, not a request for help.
    expect(await values(["revoke", "--he"])).toEqual(["--help"]);
    expect(await values(["send", "--help", "--via", "d"])).toEqual(["dropbox"]);
    // The hidden command itself is never offered.
    expect(await values(["__"])).toEqual([]);
  });

  it("prints nothing, exit 0, with no ledger, a ledger that is not a database, or a locked one", async () => {
    const empty = await tempDir();
    try {
      expect(await values(["revoke", ""], empty.dir)).toEqual([]);
      expect(await values(["send", "--album", ""], empty.dir)).toEqual([]);
      // It never creates one either.
      expect(await values(["revoke", ""], path.join(empty.dir, "none"))).toEqual([]);
      await writeFile(path.join(empty.dir, "ledger.db"), "not a database");
      expect(await values(["revoke", ""], empty.dir)).toEqual([]);
    } finally {
      await empty.cleanup();
    }
    // Another process holds the whole ledger locked (SQLite's exclusive locking mode).
    const holder = new DatabaseSync(path.join(config.dir, "ledger.db"));
    holder.exec("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE entries SET seq = seq;");
    try {
      expect(await values(["revoke", ""])).toEqual([]);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    expect(await values(["revoke", "k3x9"])).toEqual(["k3x9m2qa"]);
  });
});
