import { readFile, truncate, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { interruptOnRequest, writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// OneDrive through the built binary against the Microsoft emulator: send a photo and an
// album, a big upload session that survives a dropped connection, revoke, sync, Ctrl-C during
// a session upload, and answers dmshare must not trust.

const TOKEN = "e2e-onedrive-token";
const MIB = 1024 * 1024;
const bed = useMicrosoftTestbed({ token: TOKEN });

interface Sent {
  id: string;
  url: string;
  kind: string;
  status: string;
  files: { remotePath: string; bytes: number }[];
}

async function send(
  args: string[],
): Promise<{ code: number | null; sent: Sent[]; stderr: string }> {
  const { code, stdout, stderr } = await bed.dmshare([
    "send",
    ...args,
    "--via",
    "onedrive",
    "--no-copy",
    "--json",
  ]);
  const parsed = stdout.trim() ? (JSON.parse(stdout) as Sent | Sent[]) : [];
  return { code, sent: Array.isArray(parsed) ? parsed : [parsed], stderr };
}

/** A JPEG-typed file of `bytes` (sparse after its header), and its bytes for comparison. */
async function bigPhoto(name: string, bytes: number): Promise<Buffer> {
  const file = path.join(bed.dir, name);
  await writeFile(file, jpegBytes(4096));
  await truncate(file, bytes);
  return readFile(file);
}

const itemsNamed = (name: string) => bed.emulator.items().filter((item) => item.name === name);
const liveLinks = () =>
  bed.emulator.permissions().filter((permission) => bed.emulator.resolveLink(permission.webUrl));

describe("dmshare send --via onedrive", () => {
  it("sends a photo: a view-only 1drv.ms link anyone can open, in the app folder", async () => {
    await writeFiles(bed.dir, { "beach.jpg": jpegBytes(5000) });
    const { code, sent, stderr } = await send(["beach.jpg"]);
    expect(code, stderr).toBe(0);
    const [link] = sent;
    expect(link).toMatchObject({ kind: "photo", status: "active" });
    expect(link?.url).toMatch(/^https:\/\/1drv\.ms\//);
    expect(link?.files[0]?.remotePath).toMatch(/^Apps\/dmshare\/.*beach\.jpg$/);
    const visit = bed.emulator.resolveLink(link?.url ?? "");
    expect(visit).toMatchObject({ kind: "file", canEdit: false, passwordProtected: false });
    expect(bed.emulator.requests.some((r) => r.path.endsWith(":/content"))).toBe(true);
  });

  it("sends an album: one link to a folder that shows every photo", async () => {
    await writeFiles(bed.dir, { "a.jpg": jpegBytes(3000), "b.jpg": jpegBytes(3100) });
    const { code, sent, stderr } = await send(["a.jpg", "b.jpg", "--album", "Lisbon trip"]);
    expect(code, stderr).toBe(0);
    expect(sent[0]?.kind).toBe("album");
    const visit = bed.emulator.resolveLink(sent[0]?.url ?? "");
    expect(visit?.kind).toBe("folder");
    expect(visit?.children).toEqual(["a.jpg", "b.jpg"]);
  });

  it("sends a big file through an upload session, resuming after a dropped connection", async () => {
    const content = await bigPhoto("video-still.jpg", 12 * MIB + 321);
    bed.emulator.inject({
      kind: "cut",
      method: "PUT",
      route: /^\/rup\//,
      skip: 1,
      afterBodyBytes: MIB,
    });
    const before = bed.emulator.requests.length;
    const { code, sent, stderr } = await send(["video-still.jpg"]);
    expect(code, stderr).toBe(0);
    const session = bed.emulator.requests.slice(before).filter((r) => r.path.startsWith("/rup/"));
    // A fragment cut, the session asked where to go on (GET), the rest sent, the last one 201.
    expect(session.some((r) => r.faults.includes("cut"))).toBe(true);
    expect(session.some((r) => r.method === "GET" && r.status === 200)).toBe(true);
    expect(session.at(-1)?.status).toBe(201);
    for (const put of session.filter((r) => r.method === "PUT" && r.status === 202)) {
      expect(put.bodyBytes % (320 * 1024)).toBe(0);
      expect(put.headers.authorization).toBeUndefined();
    }
    const [stored] = itemsNamed("video-still.jpg");
    expect(stored?.content?.length).toBe(content.length);
    expect(bed.emulator.resolveLink(sent[0]?.url ?? "")?.kind).toBe("file");
  });
});

describe("revoke and sync", () => {
  it("revokes a link (the file stays); revoking again says it already was", async () => {
    await writeFiles(bed.dir, { "gone.jpg": jpegBytes(4000) });
    const { sent } = await send(["gone.jpg"]);
    const url = sent[0]?.url as string;
    const first = await bed.dmshare(["revoke", url, "--yes"]);
    expect(first.code, first.stderr).toBe(0);
    expect(bed.emulator.resolveLink(url)).toBeNull();
    expect(itemsNamed("gone.jpg")).toHaveLength(1);
    const again = await bed.dmshare(["revoke", url, "--yes"]);
    expect(again.code, again.stderr).toBe(0);
    expect(`${again.stdout}${again.stderr}`).toMatch(/already/i);
  });

  it("revoke --delete-files deletes the file too", async () => {
    await writeFiles(bed.dir, { "delete-me.jpg": jpegBytes(4200) });
    const { sent } = await send(["delete-me.jpg"]);
    const result = await bed.dmshare(["revoke", sent[0]?.url as string, "--delete-files", "--yes"]);
    expect(result.code, result.stderr).toBe(0);
    expect(itemsNamed("delete-me.jpg")).toEqual([]);
  });

  it("sync marks a link removed on onedrive.live.com revoked, and adopts one it did not record", async () => {
    await writeFiles(bed.dir, { "web.jpg": jpegBytes(4300) });
    const { sent } = await send(["web.jpg"]);
    const [permission] = bed.emulator.permissions().filter((p) => p.webUrl === sent[0]?.url);
    bed.emulator.removePermission(permission?.id as string);
    // A link made to an item in the app folder that this ledger never saw.
    const graph = `${bed.emulator.url}/v1.0/me/drive/special/approot`;
    const headers = { Authorization: `Bearer ${TOKEN}` };
    const made = (await (
      await fetch(`${graph}:/elsewhere.jpg:/content`, {
        method: "PUT",
        headers,
        body: jpegBytes(1000),
      })
    ).json()) as { id: string };
    const adoptedLink = (await (
      await fetch(`${bed.emulator.url}/v1.0/me/drive/items/${made.id}/createLink`, {
        method: "POST",
        headers: { ...headers, "Content-Type": "application/json" },
        body: JSON.stringify({ type: "view", scope: "anonymous" }),
      })
    ).json()) as { link: { webUrl: string } };
    const { code, stdout, stderr } = await bed.dmshare(["sync", "--json"]);
    expect(code, stderr).toBe(0);
    const changes = JSON.parse(stdout) as { url: string; change: string }[];
    expect(changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ url: sent[0]?.url, change: "revoked" }),
        expect.objectContaining({ url: adoptedLink.link.webUrl, change: "adopted" }),
      ]),
    );
  });
});

describe("Ctrl-C and answers dmshare must not trust", () => {
  it("Ctrl-C during a session upload exits 130, cancels the session and leaves nothing", async () => {
    await bigPhoto("stopped.jpg", 50 * MIB);
    bed.emulator.bandwidthBytesPerSecond = 4 * MIB;
    const before = bed.emulator.requests.length;
    const folders = () => bed.emulator.items().filter((item) => item.folder).length;
    bed.emulator.appFolder();
    const foldersBefore = folders();
    try {
      const { code, stdout, stderr } = await interruptOnRequest(
        ["send", "stopped.jpg", "--via", "onedrive", "--no-copy"],
        { cwd: bed.dir, env: bed.env(), requests: bed.emulator.requests, timeoutMs: 60_000 },
        (r) => r.method === "PUT" && r.path.startsWith("/rup/"),
      );
      expect(code).toBe(130);
      expect(stdout).toBe("");
      expect(stderr).toContain("Interrupted");
    } finally {
      bed.emulator.bandwidthBytesPerSecond = 0;
    }
    const deleted = bed.emulator.requests
      .slice(before)
      .filter((r) => r.method === "DELETE" && r.path.startsWith("/rup/"));
    expect(deleted.map((r) => r.status)).toEqual([204]);
    expect(bed.emulator.uploadSessions()).toEqual([]);
    expect(itemsNamed("stopped.jpg")).toEqual([]);
    // Not even the send's own folder stays.
    expect(folders()).toBe(foldersBefore);
    expect((await bed.dmshare(["list", "--json"])).stdout.trim()).toBe("[]");
  });

  it("Ctrl-C while the link is being made: the link is revoked and the upload removed", async () => {
    await writeFiles(bed.dir, { "half-made.jpg": jpegBytes(4500) });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    bed.emulator.inject({ kind: "hold", until: held, route: /\/createLink$/ });
    try {
      const { code, stderr } = await interruptOnRequest(
        ["send", "half-made.jpg", "--via", "onedrive", "--no-copy"],
        { cwd: bed.dir, env: bed.env(), requests: bed.emulator.requests, timeoutMs: 60_000 },
        (r) => r.path.endsWith("/createLink"),
      );
      expect(code).toBe(130);
      expect(stderr).toMatch(/nothing was shared/);
    } finally {
      release();
    }
    // The link the held request made is gone, and so is the send's folder.
    expect(
      liveLinks().filter((p) => bed.emulator.item(p.itemId)?.name === "half-made.jpg"),
    ).toEqual([]);
    expect(itemsNamed("half-made.jpg")).toEqual([]);
    expect((await bed.dmshare(["list", "--json"])).stdout.trim()).toBe("[]");
  });

  for (const [what, change] of [
    [
      "an edit link",
      (p: Record<string, unknown>) => ({
        ...p,
        roles: ["write"],
        link: { ...(p.link as object), type: "edit" },
      }),
    ],
    [
      "an organization link",
      (p: Record<string, unknown>) => ({
        ...p,
        link: { ...(p.link as object), scope: "organization" },
      }),
    ],
  ] as const) {
    it(`refuses a createLink answer that is ${what}, and leaves no live link`, async () => {
      await writeFiles(bed.dir, { "hostile.jpg": jpegBytes(4400) });
      const live = liveLinks().length;
      bed.emulator.tamperNextLink(change);
      const { code, stderr } = await send(["hostile.jpg"]);
      expect(code).toBe(4);
      expect(stderr).toMatch(/wrongly/);
      expect(liveLinks()).toHaveLength(live);
      const listed = JSON.parse((await bed.dmshare(["list", "--json"])).stdout) as Sent[];
      expect(listed.filter((entry) => entry.status === "active")).toEqual([]);
    });
  }

  it("refuses an upload URL on a foreign host: nothing is sent there", async () => {
    await bigPhoto("foreign.jpg", 6 * MIB);
    const before = bed.emulator.requests.length;
    bed.emulator.uploadUrlBase = "http://127.0.0.2:9";
    try {
      const { code, stderr } = await send(["foreign.jpg"]);
      expect(code).toBe(4);
      expect(stderr).toMatch(/upload address dmshare does not trust/);
    } finally {
      bed.emulator.uploadUrlBase = undefined;
    }
    expect(bed.emulator.requests.slice(before).some((r) => r.path.startsWith("/rup/"))).toBe(false);
    expect(itemsNamed("foreign.jpg")).toEqual([]);
  });
});
