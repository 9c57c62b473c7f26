import { beforeEach, describe, expect, it } from "vitest";
import { type DropboxEmulator, startDropboxEmulator } from "../emulators/dropbox.ts";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTestbed } from "../helpers/testbed.ts";

const TOKEN = "expiry-static-token";
const DAY = 24 * 3_600_000;
const REVOKE = "/2/sharing/revoke_shared_link";

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
/** dmshare with its clock moved by `shiftMs` from now. */
const dmshareAt = (shiftMs: number, args: string[]) =>
  bed.dmshare(args, {
    env: {
      DMSHARE_DROPBOX_API_URL: emulator.url,
      DMSHARE_NOW: new Date(Date.now() + shiftMs).toISOString(),
    },
  });

async function sendExpiring(name: string, expires = "2d") {
  await writeFiles(bed.dir, { [name]: jpegBytes() });
  const sent = await dmshareAt(
    0,
    ["send", name, "--via", "dropbox", "--no-copy", "--json"].concat(["--expires", expires]),
  );
  expect(sent.code, sent.stderr).toBe(0);
  return JSON.parse(sent.stdout) as { id: string; url: string };
}

const requestsTo = (path: string) => emulator.requests.filter((r) => r.path === path).length;

describe("auto-prune", () => {
  it("the first command after the expiry revokes the link at Dropbox, and says so on stderr", async () => {
    const sent = await sendExpiring("soon.jpg");
    // Before the expiry: nothing is revoked, and nothing is asked of Dropbox.
    const before = emulator.requests.length;
    const early = await dmshareAt(DAY, ["list"]);
    expect(early.stderr).toBe("");
    expect(emulator.requests.length).toBe(before);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();

    const later = await dmshareAt(3 * DAY, ["status"]);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stderr).toBe(`Revoked a link past the expiry you gave: ${sent.id} soon.jpg\n`);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
    const listed = JSON.parse((await dmshareAt(3 * DAY, ["list", "--json", "--all"])).stdout);
    expect(listed).toEqual([expect.objectContaining({ id: sent.id, status: "revoked" })]);
  });

  it("a provider that fails does not fail the command or change its output; it is left alone for a while", async () => {
    const sent = await sendExpiring("down.jpg");
    emulator.inject({ route: REVOKE, kind: "status", status: 503, times: 100 });
    const listed = await dmshareAt(3 * DAY, ["list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stderr).toBe("");
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ id: sent.id, status: "overdue" }),
    ]);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();
    // The next commands do not try again at once: Dropbox is not asked.
    const tried = requestsTo(REVOKE);
    const again = await dmshareAt(3 * DAY, ["list"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("overdue");
    const status = await dmshareAt(3 * DAY, ["status"]);
    expect(status.stdout).toContain(
      "! A link is past its expiry and still works (dmshare list --status overdue). Run: dmshare prune",
    );
    expect(requestsTo(REVOKE)).toBe(tried);
    // Later they do, and the link goes.
    emulator.clearFaults();
    const afterwards = await dmshareAt(3 * DAY + 3_600_000, ["list", "--all"]);
    expect(afterwards.stderr).toContain(`Revoked a link past the expiry you gave: ${sent.id}`);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("a provider that does not answer holds the command only briefly; --verbose says why the link is left", async () => {
    const sent = await sendExpiring("slow.jpg");
    // Far longer than the test's own time limit: the command must not wait for it.
    emulator.inject({ route: REVOKE, kind: "latency", ms: 120_000 });
    const listed = await dmshareAt(3 * DAY, ["list", "--verbose"]);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(sent.id);
    expect(listed.stdout).toContain("overdue");
    expect(listed.stderr).toMatch(
      /Could not revoke a link past its expiry now \(no answer within \d+ s\)/,
    );
  });

  it("is not run by config, login, completion, prune's help or --version; auto-prune off turns it off", async () => {
    const sent = await sendExpiring("kept.jpg");
    const before = emulator.requests.length;
    const run = async (args: string[]) => {
      const result = await dmshareAt(3 * DAY, args);
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(0);
    };
    for (const args of [
      ["config", "get", "provider"],
      ["completion", "bash"],
      ["prune", "--help"],
      ["--version"],
      ["revoke", "--expired", "--dry-run"],
      ["--help"],
    ]) {
      await run(args);
    }
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain(REVOKE);
    await run(["config", "set", "auto-prune", "off"]);
    await run(["list"]);
    await run(["status"]);
    expect(emulator.requests.slice(before).map((r) => r.path)).not.toContain(REVOKE);
    expect(emulator.resolveSharedLink(sent.url)).not.toBeNull();
    // Turned on again, the next command revokes it.
    expect((await dmshareAt(3 * DAY, ["config", "set", "auto-prune", "on"])).code).toBe(0);
    await dmshareAt(3 * DAY, ["list"]);
    expect(emulator.resolveSharedLink(sent.url)).toBeNull();
  });

  it("refuses an auto-prune setting other than on or off", async () => {
    const result = await dmshareAt(0, ["config", "set", "auto-prune", "maybe"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"maybe" is not an auto-prune setting.');
  });
});
