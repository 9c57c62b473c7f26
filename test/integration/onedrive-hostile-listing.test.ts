import { afterEach, describe, expect, it } from "vitest";
import { writeFiles } from "../helpers/cli.ts";
import { jpegBytes } from "../helpers/media.ts";
import { useMicrosoftTestbed } from "../helpers/microsoft-testbed.ts";

// A listing of the app folder whose @odata.nextLink never ends (a loop back to a page already
// read, or an endless chain of new ones): `sync` must stop and say so, not run forever.

const TOKEN = "integration-onedrive-hostile-listing";
const bed = useMicrosoftTestbed({ token: TOKEN, runner: "in-process" });
afterEach(() => bed.emulator.clearFaults());

const childListings = (before: number) =>
  bed.emulator.requests
    .slice(before)
    .filter((r) => r.method === "GET" && /\/children$/.test(r.path));

async function sendOne() {
  await writeFiles(bed.dir, { "a.jpg": jpegBytes(2000) });
  const sent = await bed.dmshare(["send", "a.jpg", "--via", "onedrive", "--json", "--no-copy"]);
  expect(sent.code, sent.stderr).toBe(0);
}

describe("OneDrive listings that never end", () => {
  it("a nextLink back to a page already read: sync stops at once with exit 4", async () => {
    await sendOne();
    const first = `${bed.emulator.url}/v1.0/me/drive/items/${bed.emulator.appFolder().id}/children?$top=200`;
    bed.emulator.tamperNextListings(
      ...Array.from({ length: 20 }, () => (body: Record<string, unknown>) => ({
        ...body,
        "@odata.nextLink": first,
      })),
    );
    const before = bed.emulator.requests.length;
    const { code, stderr } = await bed.dmshare(["sync", "--provider", "onedrive"]);
    expect(code, stderr).toBe(4);
    expect(stderr).toMatch(/page/);
    expect(childListings(before).length).toBeLessThanOrEqual(2);
  });

  it("an endless chain of new pages: sync stops after a bounded number of them", async () => {
    await sendOne();
    const children = `${bed.emulator.url}/v1.0/me/drive/items/${bed.emulator.appFolder().id}/children`;
    const token = (n: number) => Buffer.from(`offset=${n * 1000000}`).toString("base64url");
    bed.emulator.tamperNextListings(
      ...Array.from({ length: 2000 }, (_, n) => (body: Record<string, unknown>) => ({
        ...body,
        value: [],
        "@odata.nextLink": `${children}?$top=200&$skiptoken=${token(n + 1)}`,
      })),
    );
    const before = bed.emulator.requests.length;
    const { code, stderr } = await bed.dmshare(["sync", "--provider", "onedrive"]);
    expect(code, stderr).toBe(4);
    expect(childListings(before).length).toBeLessThan(2000);
  });

  it("a nextLink on another host: not followed, exit 4 (not 1, a bug)", async () => {
    await sendOne();
    bed.emulator.tamperNextListings((body) => ({
      ...body,
      "@odata.nextLink": "https://graph.evil.example/v1.0/me/drive/items/x/children",
    }));
    const { code, stderr } = await bed.dmshare(["sync", "--provider", "onedrive"]);
    expect(code, stderr).toBe(4);
    expect(stderr).toMatch(/another host/);
  });
});
