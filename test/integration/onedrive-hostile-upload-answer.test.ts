import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { type HostileServer, rewriteJson, startHostileProxy } from "../helpers/hostile-proxy.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// An upload answered with another file (same size, another name or folder): dmshare must not
// share that other file in its place (the recipient would get someone else's photo).

const TOKEN = "integration-onedrive-hostile-upload-answer";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });
let proxy: HostileServer;
beforeAll(async () => {
  proxy = await startHostileProxy(bed.emulator.url);
});
afterAll(() => proxy.close());

const send = (name: string, env: Record<string, string> = {}) =>
  bed.dmshare(["send", name, "--via", "onedrive", "--json", "--no-copy"], { env });

describe("OneDrive upload answers naming another file", () => {
  it("a simple upload answered with an earlier file of the same size: refused, not shared", async () => {
    await writeFiles(bed.dir, { "kept.jpg": jpegBytes(2000), "other.jpg": jpegBytes(2000) });
    const first = await send("kept.jpg");
    expect(first.code, first.stderr).toBe(0);
    const kept = bed.emulator.items().find((item) => item.name === "kept.jpg");
    const keptJson = {
      id: kept?.id,
      name: "kept.jpg",
      size: 2000,
      file: { mimeType: "image/jpeg" },
      parentReference: { id: kept?.parentId },
    };
    proxy.tamper({
      route: /:\/other\.jpg:\/content$/,
      times: 1,
      rewrite: rewriteJson(() => keptJson),
    });
    const { code, stdout, stderr } = await send("other.jpg", {
      DMSHARE_ONEDRIVE_API_URL: proxy.url,
    });
    expect(code, stderr).toBe(4);
    expect(JSON.parse(stdout).url).toBeUndefined();
    expect(stdout).not.toContain(JSON.parse(first.stdout).url);
  });
});
