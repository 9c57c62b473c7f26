import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { useDropboxTestbed } from "../helpers/dropbox-testbed.ts";
import { type HostileServer, rewriteJson, startHostileProxy } from "../helpers/hostile-proxy.ts";
import { jpegBytes } from "../helpers/media.ts";

// An upload answered with another file's metadata (another send's, same size): Dropbox links
// are made by the path the answer gave, so dmshare must not take it, or the recipient gets
// someone else's photo.

const TOKEN = "integration-dropbox-upload-answer-token";
const bed = useDropboxTestbed({ token: TOKEN, runner: "in-process" });
let proxy: HostileServer;
beforeAll(async () => {
  proxy = await startHostileProxy(bed.emulator.url);
});
afterAll(() => proxy.close());

const send = (name: string, env: Record<string, string> = {}) =>
  bed.dmshare(["send", name, "--via", "dropbox", "--json", "--no-copy"], { env });

describe("Dropbox upload answers naming another file", () => {
  it("an upload answered with an earlier send's file: refused, that file not shared again", async () => {
    await writeFiles(bed.dir, { "kept.jpg": jpegBytes(2000), "other.jpg": jpegBytes(2000) });
    const first = await send("kept.jpg");
    expect(first.code, first.stderr).toBe(0);
    const kept = bed.emulator.listFiles().find((f) => f.pathDisplay.endsWith("/kept.jpg"));
    proxy.tamper({
      route: "/2/files/upload",
      times: 1,
      rewrite: rewriteJson((body) => ({
        ...body,
        id: kept?.id,
        name: "kept.jpg",
        path_display: kept?.pathDisplay,
        path_lower: kept?.pathLower,
      })),
    });
    const { code, stdout, stderr } = await send("other.jpg", {
      DMSHARE_DROPBOX_API_URL: proxy.url,
    });
    expect(stdout).not.toContain(JSON.parse(first.stdout).url);
    expect(code, stderr).toBe(4);
  });
});
