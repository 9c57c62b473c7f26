import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { readLedger } from "../helpers/ledger.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useTerminals } from "../helpers/tmux.ts";

// `dmshare revoke` with no link named, at a real terminal (tmux): a picker of the links that
// still work, as `send` offers photos, then the usual confirmation. Off a terminal it stays a
// usage error (exit 2).
const TOKEN = "revoke-picker-token";
const bed = useDropboxTestbed({ token: TOKEN });

const openTerminal = useTerminals();

async function open(args: string[]) {
  const terminal = await openTerminal(args, { cwd: bed.dir, env: bed.env() });
  return terminal;
}

/** Three links, one a photo each (different bytes: no reuse); the third one revoked. */
async function threeLinks() {
  await writeFiles(bed.dir, {
    "first.jpg": jpegBytes(3000),
    "second.jpg": jpegBytes(4000),
    "third.jpg": jpegBytes(5000),
  });
  const sent = await bed.dmshare([
    "send",
    ...["first.jpg", "second.jpg", "third.jpg"],
    ...["--each", "--via", "dropbox", "--no-copy", "--json"],
  ]);
  expect(sent.code).toBe(0);
  const links = (JSON.parse(sent.stdout) as { id: string; name: string; url: string }[]).sort(
    (a, b) => a.name.localeCompare(b.name),
  );
  const [first, second, third] = links as [(typeof links)[0], (typeof links)[0], (typeof links)[0]];
  expect((await bed.dmshare(["revoke", third.id])).code).toBe(0);
  return { first, second, third };
}

describe("dmshare revoke with no link named", () => {
  it("at a terminal: ticks links that still work (id, name, age, URL), confirms, revokes them", async () => {
    const { first, second, third } = await threeLinks();
    const term = await open(["revoke"]);
    const picker = await term.waitFor("Links to revoke");
    // One line each: id, name, age; the URL of the link under the cursor below the list.
    for (const link of [first, second]) {
      expect(picker).toMatch(
        new RegExp(`${link.id} {2}${link.name} {2}less than a minute ago$`, "m"),
      );
    }
    // Already revoked: not offered.
    expect(picker).not.toContain(third.id);
    const top = picker.includes(first.url) ? first : second;
    const below = top === first ? second : first;
    expect(picker).not.toContain(below.url);
    await term.press("Space", "Down");
    await term.waitFor(below.url);
    await term.press("Space", "Enter");
    // The choice is echoed as ids, not as a wall of names and URLs.
    await term.waitFor(new RegExp(`Links to revoke .*${top.id}, ${below.id}$`, "m"));
    // Two links: the usual confirmation, listing them.
    const question = await term.waitFor("Revoke 2 links? (y/N)");
    expect(question).toContain("These 2 links will go:");
    await term.type("y");
    await term.press("Enter");
    expect(await term.exitCode()).toBe(0);
    const screen = await term.screen();
    expect(screen).toContain(`Revoked ${first.id} ${first.name}`);
    expect(screen).toContain(`Revoked ${second.id} ${second.name}`);
    for (const link of [first, second, third]) {
      expect(bed.emulator.resolveSharedLink(link.url)).toBeNull();
    }
    const { entries } = await readLedger(bed.configDir);
    expect(entries.map((entry) => entry.status)).toEqual(["revoked", "revoked", "revoked"]);
  });

  it("at a terminal: one link ticked goes without a question, as `revoke ID` does; no answers nothing", async () => {
    const { first, second } = await threeLinks();
    let term = await open(["revoke"]);
    await term.waitFor("Links to revoke");
    await term.press("Space", "Enter");
    expect(await term.exitCode()).toBe(0);
    // Newest first: the first row is the link made last (second.jpg was sent after first.jpg).
    const revoked = (await term.screen()).match(/Revoked (\w+) /)?.[1];
    expect([first.id, second.id]).toContain(revoked);
    await term.close();

    term = await open(["revoke"]);
    await term.waitFor("Links to revoke");
    await term.press("C-c");
    expect(await term.exitCode()).toBe(130);
    expect(await term.screen()).toContain("nothing was revoked");
    const { entries } = await readLedger(bed.configDir);
    expect(entries.filter((entry) => entry.status === "active")).toHaveLength(1);
  });

  it("at a terminal with no link that still works: says so, exit 0", async () => {
    const term = await open(["revoke"]);
    await term.waitFor("No links that still work: nothing to revoke.");
    expect(await term.exitCode()).toBe(0);
  });

  it("off a terminal: the usage error as before (exit 2), nothing revoked", async () => {
    const { first } = await threeLinks();
    const result = await bed.dmshare(["revoke"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("No link given.");
    expect(bed.emulator.resolveSharedLink(first.url)).not.toBeNull();
  });
});
