import { truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// OneDrive sends in-process against the Microsoft emulator: throttling and server errors
// ridden out through the shared retry policy, a lost answer that must not upload twice, taken
// names, and failures that end in a sentence with the right exit code.

const TOKEN = "integration-onedrive-token";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });

const send = (...args: string[]) =>
  bed.dmshare(["send", ...args, "--via", "onedrive", "--json", "--no-copy"]);
const since = (before: number) => bed.emulator.requests.slice(before);
const itemsNamed = (name: string) => bed.emulator.items().filter((item) => item.name === name);

describe("OneDrive through the shared retry policy", () => {
  it("waits out a 429 with Retry-After on createLink, then shares", async () => {
    await writeFiles(bed.dir, { "busy.jpg": jpegBytes(2000) });
    bed.emulator.inject({
      kind: "status",
      status: 429,
      retryAfterSeconds: 3,
      route: /\/createLink$/,
    });
    const before = bed.emulator.requests.length;
    const { code, stdout, stderr } = await send("busy.jpg");
    expect(code, stderr).toBe(0);
    const links = since(before).filter((r) => r.path.endsWith("/createLink"));
    expect(links.map((r) => r.status)).toEqual([429, 201]);
    expect(bed.emulator.resolveLink(JSON.parse(stdout).url)).not.toBeNull();
  });

  it("a 503 on a session fragment: asks the session where to go on and finishes", async () => {
    const file = path.join(bed.dir, "big.jpg");
    await writeFile(file, jpegBytes(4096));
    await truncate(file, 11 * 1024 * 1024);
    bed.emulator.inject({ kind: "status", status: 503, method: "PUT", route: /^\/rup\//, skip: 1 });
    const before = bed.emulator.requests.length;
    const { code, stderr } = await send("big.jpg");
    expect(code, stderr).toBe(0);
    const session = since(before).filter((r) => r.path.startsWith("/rup/"));
    expect(session.map((r) => `${r.method} ${r.status}`)).toEqual([
      "PUT 202",
      "PUT 503",
      "GET 200",
      "PUT 202",
      "PUT 201",
    ]);
  });

  it("a session whose last answer was lost: the file it made is taken, not uploaded again", async () => {
    const file = path.join(bed.dir, "last.jpg");
    await writeFile(file, jpegBytes(4096));
    await truncate(file, 11 * 1024 * 1024);
    // Three fragments (5 + 5 + 1 MiB): the third is handled, its answer lost.
    bed.emulator.inject({ kind: "cut", method: "PUT", route: /^\/rup\//, skip: 2 });
    const before = bed.emulator.requests.length;
    const { code, stderr } = await send("last.jpg");
    expect(code, stderr).toBe(0);
    const session = since(before).filter((r) => r.path.startsWith("/rup/"));
    expect(session.map((r) => `${r.method} ${r.status ?? "cut"}`)).toEqual([
      "PUT 202",
      "PUT 202",
      "PUT cut",
      "GET 404",
    ]);
    expect(itemsNamed("last.jpg")).toHaveLength(1);
  });

  it("a simple upload whose answer was lost is not uploaded twice", async () => {
    await writeFiles(bed.dir, { "lost.jpg": jpegBytes(3000) });
    // Handled, then the connection dropped instead of the answer.
    bed.emulator.inject({ kind: "cut", method: "PUT", route: /:\/content$/ });
    const { code, stdout, stderr } = await send("lost.jpg");
    expect(code, stderr).toBe(0);
    expect(itemsNamed("lost.jpg")).toHaveLength(1);
    expect(JSON.parse(stdout).files[0].remotePath).toMatch(/^Apps\/dmshare\/[^/]+\/lost\.jpg$/);
  });

  it("two sends of a same-named file: each in its send's own folder, both named so", async () => {
    await writeFiles(bed.dir, { "twice.jpg": jpegBytes(3000) });
    const first = await send("twice.jpg");
    await writeFiles(bed.dir, { "twice.jpg": jpegBytes(3300) });
    const second = await send("twice.jpg");
    expect([first.code, second.code]).toEqual([0, 0]);
    const [one, two] = [first, second].map((run) => JSON.parse(run.stdout));
    expect(one.files[0].remotePath).toBe(`Apps/dmshare/${one.id}/twice.jpg`);
    expect(two.files[0].remotePath).toBe(`Apps/dmshare/${two.id}/twice.jpg`);
    expect(itemsNamed("twice.jpg")).toHaveLength(2);
  });
});

describe("OneDrive revoke", () => {
  it("removes every link of the item, an edit link made beside dmshare's too", async () => {
    await writeFiles(bed.dir, { "both.jpg": jpegBytes(2500) });
    const sent = JSON.parse((await send("both.jpg")).stdout) as { url: string };
    const [item] = itemsNamed("both.jpg");
    const made = await fetch(`${bed.emulator.url}/v1.0/me/drive/items/${item?.id}/createLink`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify({ type: "edit", scope: "anonymous" }),
    });
    const edit = (await made.json()) as { link: { webUrl: string } };
    expect(bed.emulator.permissionsOf(item?.id as string)).toHaveLength(2);
    const { code, stderr } = await bed.dmshare(["revoke", sent.url, "--yes"]);
    expect(code, stderr).toBe(0);
    expect(bed.emulator.permissionsOf(item?.id as string)).toEqual([]);
    expect(bed.emulator.resolveLink(edit.link.webUrl)).toBeNull();
  });
});

describe("OneDrive failures in a sentence", () => {
  it("a rejected token: exit 3, says to replace or unset DMSHARE_ONEDRIVE_TOKEN, never shows it", async () => {
    await writeFiles(bed.dir, { "who.jpg": jpegBytes(2000) });
    const { code, stdout, stderr } = await bed.dmshare(
      ["send", "who.jpg", "--via", "onedrive", "--no-copy"],
      { env: { DMSHARE_ONEDRIVE_TOKEN: "not-a-token-graph-knows" } },
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/OneDrive rejected dmshare's login/);
    expect(stderr).toMatch(/DMSHARE_ONEDRIVE_TOKEN/);
    expect(`${stdout}${stderr}`).not.toContain("not-a-token-graph-knows");
  });

  it("a full OneDrive: exit 4 with what to do, after no retry", async () => {
    await writeFiles(bed.dir, { "full.jpg": jpegBytes(2000) });
    bed.emulator.inject({
      kind: "status",
      status: 507,
      code: "insufficientStorage",
      route: /:\/content$/,
    });
    const before = bed.emulator.requests.length;
    const { code, stderr } = await send("full.jpg");
    expect(code).toBe(4);
    expect(stderr).toMatch(/Your OneDrive is full/);
    expect(since(before).filter((r) => r.path.endsWith(":/content"))).toHaveLength(1);
  });

  it("a token without the app-folder permission: exit 3, log in again", async () => {
    bed.emulator.addToken("user-read-only", ["User.Read"]);
    await writeFiles(bed.dir, { "scope.jpg": jpegBytes(2000) });
    const { code, stderr } = await bed.dmshare(
      ["send", "scope.jpg", "--via", "onedrive", "--no-copy"],
      { env: { DMSHARE_ONEDRIVE_TOKEN: "user-read-only" } },
    );
    expect(code).toBe(3);
    expect(stderr).toMatch(/lacks the permission/);
  });
});
