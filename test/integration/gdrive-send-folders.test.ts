import { truncate } from "node:fs/promises";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GoogleEmulator, startGoogleEmulator } from "../emulators/google.ts";
import { tempDir, writeFiles } from "../helpers/cli.ts";
import { type HostileServer, startHostileProxy } from "../helpers/hostile-proxy.ts";
import { runInProcess } from "../helpers/in-process.ts";
import { jpegBytes } from "../helpers/media.ts";

// Drive's per-send folder is what clean-up and `revoke --delete-files` delete whole. An answer
// to "make the folder <id> in dmshare" that names another folder (another send's, the dmshare
// folder itself) must be refused, or deleting this send's files deletes someone else's.

const TOKEN = "integration-gdrive-send-folders-token";
let google: GoogleEmulator;
let proxy: HostileServer;
let dir = "";

beforeAll(async () => {
  google = await startGoogleEmulator({ staticTokens: [TOKEN] });
  proxy = await startHostileProxy(google.url);
});
afterAll(async () => {
  await proxy.close();
  await google.close();
});
beforeEach(async () => {
  const work = await tempDir();
  dir = work.dir;
  proxy.clear();
  return () => work.cleanup();
});

const dmshare = (args: string[]) =>
  runInProcess(args, {
    cwd: dir,
    env: {
      DMSHARE_CONFIG_DIR: `${dir}/config`,
      DMSHARE_GOOGLE_API_URL: proxy.url,
      DMSHARE_GDRIVE_TOKEN: TOKEN,
      DMSHARE_CREDENTIAL_STORE: "file",
    },
  });

const send = (name: string) => dmshare(["send", name, "--via", "gdrive", "--json", "--no-copy"]);
const named = (name: string) => google.driveFiles().filter((f) => f.name === name && !f.trashed);

/** Sends `name` (it must succeed); its entry, and the folder made for it. */
async function keptSend(name: string) {
  const first = await send(name);
  expect(first.code, first.stderr).toBe(0);
  const kept = JSON.parse(first.stdout) as { id: string };
  return { kept, folder: named(kept.id)[0] };
}

/** The next folder made is answered as if it were the folder `id` (another's). */
function answerNextFolderWith(id: string | undefined) {
  let left = 1;
  proxy.tamper({
    route: "/drive/v3/files",
    rewrite: (upstream, request) => {
      if (request.method !== "POST" || left === 0) return upstream;
      left -= 1;
      const body = JSON.parse(upstream.body.toString("utf8")) as Record<string, unknown>;
      return { ...upstream, body: Buffer.from(JSON.stringify({ ...body, id })) };
    },
  });
}

/** The earlier send's folder is there, and its photo `name` still in it. */
function expectKept(sendId: string, name: string) {
  expect(named(sendId)).toHaveLength(1);
  const folder = named(sendId)[0]?.id ?? "";
  expect(named(name).filter((f) => f.parents.includes(folder))).toHaveLength(1);
}

describe("Drive per-send folders answered wrongly", () => {
  for (const [what, other] of [
    ["another send's folder", (keptId: string) => named(keptId)[0]],
    ["the dmshare folder itself", () => named("dmshare")[0]],
  ] as const) {
    it(`a folder made that is ${what}: refused, nothing of the earlier send deleted`, async () => {
      await writeFiles(dir, { "kept.jpg": jpegBytes(2000), "new.jpg": jpegBytes(2100) });
      const { kept } = await keptSend("kept.jpg");
      const folder = other(kept.id);
      expect(folder).toBeDefined();
      answerNextFolderWith(folder?.id);
      const { code, stdout, stderr } = await send("new.jpg");
      if (code === 0) {
        const { id } = JSON.parse(stdout) as { id: string };
        await dmshare(["revoke", id, "--delete-files", "--yes"]);
      }
      expectKept(kept.id, "kept.jpg");
      expect(code, stderr).toBe(4);
    });
  }

  it("an album folder made that is another send's folder: refused, nothing of the earlier send deleted", async () => {
    await writeFiles(dir, {
      "kept.jpg": jpegBytes(2000),
      "a.jpg": jpegBytes(2100),
      "b.jpg": jpegBytes(2200),
    });
    const { kept, folder } = await keptSend("kept.jpg");
    answerNextFolderWith(folder?.id);
    const { code, stderr } = await dmshare([
      "send",
      "a.jpg",
      "b.jpg",
      "--album",
      "Trip",
      "--via",
      "gdrive",
      "--json",
      "--no-copy",
    ]);
    expect(code, stderr).toBe(4);
    expect(stderr).toContain('the album folder "Trip" with another item');
    expectKept(kept.id, "kept.jpg");
  });

  it("an id to make the folder with that is another send's folder: Drive refuses, nothing deleted", async () => {
    await writeFiles(dir, { "kept.jpg": jpegBytes(2000), "new.jpg": jpegBytes(2100) });
    const { kept, folder } = await keptSend("kept.jpg");
    proxy.tamper({
      route: "/drive/v3/files/generateIds",
      times: 1,
      rewrite: (upstream) => {
        const body = JSON.parse(upstream.body.toString("utf8")) as Record<string, unknown>;
        return { ...upstream, body: Buffer.from(JSON.stringify({ ...body, ids: [folder?.id] })) };
      },
    });
    const { code, stderr } = await send("new.jpg");
    expect(code, stderr).toBe(4);
    expectKept(kept.id, "kept.jpg");
    expect(named("new.jpg")).toEqual([]);
  });

  it("without a usable generated id, the folder made is read back, and another folder refused", async () => {
    await writeFiles(dir, { "kept-2.jpg": jpegBytes(2000), "new-2.jpg": jpegBytes(2100) });
    const { kept, folder } = await keptSend("kept-2.jpg");
    proxy.tamper({
      route: "/drive/v3/files/generateIds",
      rewrite: (upstream) => ({
        ...upstream,
        body: Buffer.from(JSON.stringify({ kind: "drive#generatedIds", ids: ["not an id!"] })),
      }),
    });
    answerNextFolderWith(folder?.id);
    const { code, stderr } = await send("new-2.jpg");
    expect(code, stderr).toBe(4);
    expect(proxy.requests.some((r) => r.path === `/drive/v3/files/${folder?.id}`)).toBe(true);
    expectKept(kept.id, "kept-2.jpg");
  });

  it("the send's folder is made with an id Drive generated, so it needs no reading back", async () => {
    await writeFiles(dir, { "one.jpg": jpegBytes(2000) });
    const { code, stdout, stderr } = await send("one.jpg");
    expect(code, stderr).toBe(0);
    const { id } = JSON.parse(stdout) as { id: string };
    const folder = named(id)[0];
    expect(proxy.requests.some((r) => r.path === "/drive/v3/files/generateIds")).toBe(true);
    expect(proxy.requests.filter((r) => r.path === `/drive/v3/files/${folder?.id}`)).toEqual([]);
  });

  it("--each of two photos: each in a folder of its own, each made with an id of its own", async () => {
    await writeFiles(dir, { "each-1.jpg": jpegBytes(2000), "each-2.jpg": jpegBytes(2100) });
    const { code, stdout, stderr } = await dmshare([
      "send",
      "each-1.jpg",
      "each-2.jpg",
      "--each",
      "--via",
      "gdrive",
      "--json",
      "--no-copy",
    ]);
    expect(code, stderr).toBe(0);
    const sent = JSON.parse(stdout) as { id: string }[];
    const folders = sent.map(({ id }) => named(id));
    expect(folders.map((each) => each.length)).toEqual([1, 1]);
    expect(named("each-1.jpg")[0]?.parents).toEqual([folders[0]?.[0]?.id]);
    expect(named("each-2.jpg")[0]?.parents).toEqual([folders[1]?.[0]?.id]);
  });

  it("an upload answered with an earlier file of the same size: refused, not shared", async () => {
    await writeFiles(dir, { "kept.jpg": jpegBytes(2000), "other.jpg": jpegBytes(2000) });
    const first = await send("kept.jpg");
    expect(first.code, first.stderr).toBe(0);
    const keptUrl = (JSON.parse(first.stdout) as { url: string }).url;
    const kept = google.driveFiles().find((f) => f.name === "kept.jpg" && !f.trashed);
    proxy.tamper({
      route: "/upload/drive/v3/files",
      times: 1,
      rewrite: (upstream) => {
        const body = JSON.parse(upstream.body.toString("utf8")) as Record<string, unknown>;
        const swapped = { ...body, id: kept?.id, name: "kept.jpg", parents: kept?.parents };
        return { ...upstream, body: Buffer.from(JSON.stringify(swapped)) };
      },
    });
    const { code, stdout, stderr } = await send("other.jpg");
    expect(stdout).not.toContain(keptUrl);
    expect(code, stderr).toBe(4);
    // The earlier send's file is neither deleted nor unshared by the clean-up.
    expect(google.driveFiles().find((f) => f.id === kept?.id && !f.trashed)).toBeDefined();
    expect(google.drivePermissions(kept?.id ?? "").some((p) => p.type === "anyone")).toBe(true);
  });

  it("a resumable upload answered 308 with a Range going back, again and again: refused, not looped", async () => {
    const file = `${dir}/big.jpg`;
    await writeFiles(dir, { "big.jpg": jpegBytes(4096) });
    await truncate(file, 6 * 1024 * 1024);
    proxy.tamper({
      route: "/upload/drive/v3/files",
      times: 4,
      rewrite: (upstream, request) =>
        request.method === "PUT"
          ? { status: 308, headers: { range: "bytes=0-0" }, body: Buffer.alloc(0) }
          : upstream,
    });
    const { code, stderr } = await send("big.jpg");
    const puts = proxy.requests.filter(
      (r) => r.method === "PUT" && r.path === "/upload/drive/v3/files",
    );
    expect(code, stderr).toBe(4);
    // The first answer (Drive holds byte 0) is progress; the second, no progress, stops it.
    expect(puts).toHaveLength(2);
    expect(stderr).toMatch(/wrongly/);
  });
});
