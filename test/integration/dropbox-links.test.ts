import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { jpegBytes } from "../helpers/media.ts";

const TOKEN = "links-static-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
const dmshare = (args: string[], env: Record<string, string | undefined> = {}) =>
  bed.dmshare(args, { env });

async function sendPhoto(name: string, ...extra: string[]) {
  await writeFiles(bed.dir, { [name]: jpegBytes() });
  const { code, stdout, stderr } = await dmshare([
    "send",
    name,
    "--via",
    "dropbox",
    "--no-copy",
    "--json",
    ...extra,
  ]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout) as { id: string; url: string; files: { remotePath: string }[] };
}

describe("dmshare list", () => {
  it("says how to start when there are no links", async () => {
    const { code, stdout, stderr } = await dmshare(["list"]);
    expect(code).toBe(0);
    expect(stdout).toBe("");
    expect(stderr).toContain("No links yet");
    expect((await dmshare(["list", "--json"])).stdout).toBe("[]\n");
  });

  it("shows the links, newest first, as tab-separated rows when piped and JSON with --json", async () => {
    const first = await sendPhoto("first.jpg");
    const second = await sendPhoto("second.jpg");
    const { code, stdout } = await dmshare(["list"]);
    expect(code).toBe(0);
    const rows = stdout
      .trimEnd()
      .split("\n")
      .map((line) => line.split("\t"));
    expect(rows.map((row) => [row[0], row[1], row[2], row[3], row[6], row[7]])).toEqual([
      [second.id, "dropbox", "photo", "second.jpg", "active", second.url],
      [first.id, "dropbox", "photo", "first.jpg", "active", first.url],
    ]);
    const listed = JSON.parse((await dmshare(["list", "--json"])).stdout);
    expect(listed.map((link: { id: string }) => link.id)).toEqual([second.id, first.id]);
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        "createdAt",
        "expiresAt",
        "expiryEnforcedBy",
        "files",
        "id",
        "kind",
        "message",
        "name",
        "ownerUrl",
        "provider",
        "revokedAt",
        "status",
        "url",
      ].sort(),
    );
  });

  it("filters by --status and --provider, and refuses unknown values", async () => {
    await sendPhoto("a.jpg");
    expect(JSON.parse((await dmshare(["list", "--json", "--status", "revoked"])).stdout)).toEqual(
      [],
    );
    expect(
      JSON.parse((await dmshare(["list", "--json", "--provider", "dropbox"])).stdout),
    ).toHaveLength(1);
    const bad = await dmshare(["list", "--status", "gone"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Unknown status "gone"');
  });
});

describe("dmshare revoke", () => {
  it("revokes by id: the link stops working, list hides it, --all shows it revoked", async () => {
    const sent = await sendPhoto("a.jpg");
    const { code, stdout } = await dmshare(["revoke", sent.id]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Revoked ${sent.id} a.jpg\n`);
    expect(bed.emulator.resolveSharedLink(sent.url)).toBeNull();
    expect(JSON.parse((await dmshare(["list", "--json"])).stdout)).toEqual([]);
    const all = JSON.parse((await dmshare(["list", "--json", "--all"])).stdout);
    expect(all).toEqual([
      expect.objectContaining({ id: sent.id, status: "revoked", revokedAt: expect.any(String) }),
    ]);
  });

  it("is idempotent: revoking again succeeds and says so", async () => {
    const sent = await sendPhoto("a.jpg");
    await dmshare(["revoke", sent.id]);
    const again = await dmshare(["revoke", sent.url, "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([
      expect.objectContaining({ id: sent.id, outcome: "already-revoked" }),
    ]);
  });

  it("takes a URL or an id prefix, and keeps the files unless --delete-files", async () => {
    const kept = await sendPhoto("kept.jpg");
    const gone = await sendPhoto("gone.jpg");
    expect((await dmshare(["revoke", kept.url])).code).toBe(0);
    expect(bed.emulator.readFile(kept.files[0]?.remotePath ?? "")).not.toBeNull();
    const result = await dmshare(["revoke", gone.id.slice(0, 6), "--delete-files"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("and deleted its files");
    expect(bed.emulator.readFile(gone.files[0]?.remotePath ?? "")).toBeNull();
  });

  it("treats a link already revoked on the website as revoked", async () => {
    const sent = await sendPhoto("a.jpg");
    await fetch(`${bed.emulator.url}/2/sharing/revoke_shared_link`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ url: sent.url }),
    });
    const { code, stdout } = await dmshare(["revoke", sent.id, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)[0]).toMatchObject({ status: "revoked", outcome: "already-revoked" });
  });

  it("--dry-run revokes nothing", async () => {
    const sent = await sendPhoto("a.jpg");
    const { code, stdout } = await dmshare(["revoke", sent.id, "--dry-run"]);
    expect(code).toBe(0);
    expect(stdout).toBe(`Would revoke ${sent.id} a.jpg (${sent.url})\n`);
    expect(bed.emulator.resolveSharedLink(sent.url)).not.toBeNull();
  });

  it("a URL dmshare never made → exit 2, nothing revoked", async () => {
    const sent = await sendPhoto("a.jpg");
    const { code, stderr } = await dmshare([
      "revoke",
      sent.id,
      "https://www.dropbox.com/scl/fi/zzz/other.jpg?rlkey=x&dl=0",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("is not a link dmshare made");
    expect(stderr).toContain("Nothing was revoked");
    expect(bed.emulator.resolveSharedLink(sent.url)).not.toBeNull();
  });

  it("finishes a link left pending by a failed send", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes() });
    bed.emulator.inject({
      route: "/2/sharing/create_shared_link_with_settings",
      kind: "status",
      status: 503,
      times: 10,
    });
    const failed = await dmshare(["send", "a.jpg", "--via", "dropbox", "--no-copy"]);
    bed.emulator.clearFaults();
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain("Dropbox failed to create a link");
    expect(failed.stderr.match(/✖/g)).toHaveLength(1);
    const [pending] = JSON.parse((await dmshare(["list", "--json"])).stdout);
    expect(pending).toMatchObject({ status: "pending", url: null });
    const revoked = await dmshare(["revoke", pending.id, "--json"]);
    expect(revoked.code).toBe(0);
    expect(JSON.parse(revoked.stdout)[0]).toMatchObject({ status: "revoked" });
  });
});

describe("dmshare revoke of several links", () => {
  it("needs --yes when stdin is not a terminal, and revokes nothing without it", async () => {
    const a = await sendPhoto("a.jpg");
    const b = await sendPhoto("b.jpg");
    const refused = await dmshare(["revoke", a.id, b.id]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("Refusing to revoke 2 links without a confirmation");
    expect(refused.stderr).toContain("--yes");
    expect(bed.emulator.resolveSharedLink(a.url)).not.toBeNull();
    const done = await dmshare(["revoke", a.id, b.id, "--yes"]);
    expect(done.code).toBe(0);
    expect(done.stdout).toBe(`Revoked ${a.id} a.jpg\nRevoked ${b.id} b.jpg\n`);
    expect(bed.emulator.resolveSharedLink(b.url)).toBeNull();
  });

  it("selects with --all and --older-than, and shows the selection with --dry-run", async () => {
    const a = await sendPhoto("a.jpg");
    const b = await sendPhoto("b.jpg");
    const none = await dmshare(["revoke", "--older-than", "1d", "--json"]);
    expect(none.code).toBe(0);
    expect(JSON.parse(none.stdout)).toEqual([]);
    const dry = await dmshare(["revoke", "--all", "--dry-run", "--json"]);
    expect(
      JSON.parse(dry.stdout)
        .map((r: { id: string; outcome: string }) => [r.id, r.outcome])
        .sort(),
    ).toEqual(
      [
        [a.id, "would-revoke"],
        [b.id, "would-revoke"],
      ].sort(),
    );
    const all = await dmshare(["revoke", "--all", "--yes", "--json"]);
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toHaveLength(2);
    expect(JSON.parse((await dmshare(["list", "--json"])).stdout)).toEqual([]);
  });

  it("refuses a nonsense --older-than and a revoke with nothing named", async () => {
    const bad = await dmshare(["revoke", "--older-than", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--older-than "soon"');
    const nothing = await dmshare(["revoke"]);
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toContain("No link given");
  });

  it("when one link fails the others are revoked, exit 5, and the JSON says which", async () => {
    const a = await sendPhoto("a.jpg");
    const b = await sendPhoto("b.jpg");
    bed.emulator.inject({
      route: "/2/sharing/revoke_shared_link",
      kind: "status",
      status: 503,
      // Every attempt dmshare makes for the first link (DEFAULT_RETRY.attempts).
      times: 5,
    });
    const { code, stdout, stderr } = await dmshare(["revoke", a.id, b.id, "--yes", "--json"]);
    bed.emulator.clearFaults();
    expect(code).toBe(5);
    const results = JSON.parse(stdout);
    expect(results).toEqual([
      expect.objectContaining({ id: b.id, outcome: "revoked" }),
      expect.objectContaining({
        id: a.id,
        outcome: "failed",
        error: expect.objectContaining({ exitCode: 4 }),
      }),
    ]);
    expect(stderr).toContain(`Could not revoke ${a.id}`);
    expect(bed.emulator.resolveSharedLink(a.url)).not.toBeNull();
  });
});

describe("dmshare status, logout and config", () => {
  it("shows the account behind the token and where it comes from", async () => {
    const { code, stdout } = await dmshare(["status"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Dropbox: logged in as .+; token from DMSHARE_DROPBOX_TOKEN/);
    expect(stdout).not.toContain(TOKEN);
    const [status] = JSON.parse((await dmshare(["status", "--json"])).stdout);
    expect(status).toMatchObject({ provider: "dropbox", state: "logged-in", source: "env" });
  });

  it("says when nobody is logged in", async () => {
    const { code, stdout } = await dmshare(["status"], { DMSHARE_DROPBOX_TOKEN: undefined });
    expect(code).toBe(0);
    expect(stdout).toContain("Dropbox: not logged in. Run: dmshare login dropbox");
  });

  it("refuses unknown settings and providers", async () => {
    const unknownKey = await dmshare(["config", "set", "colour", "red"]);
    expect(unknownKey.code).toBe(2);
    expect(unknownKey.stderr).toContain('Unknown setting "colour"');
    const unknownProvider = await dmshare(["config", "set", "provider", "flickr"]);
    expect(unknownProvider.code).toBe(2);
    expect(unknownProvider.stderr).toContain("Valid providers");
  });
});
